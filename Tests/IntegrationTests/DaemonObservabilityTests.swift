import Foundation
import LightningTestSupport
import LightningProtocol
import Testing

/// Live event stream (SSE and `lightning events tail`), readiness, Prometheus metrics, the
/// OpenAPI document: the daemon binary over real HTTP.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct DaemonObservabilityTests {
    @Test func tailFollowsMatchingEventsLive() async throws {
        let d = try await TestDaemon.start()
        let tail = try TestProcess(BuildProducts.lightning, ["events", "tail", "--type", "echo.*", "--count", "2", "--json"],
                                   environment: d.cliEnvironment)
        try await d.eventually("tail connected") {
            Self.metric(try await d.get("/metrics").text, "lightning_event_stream_watchers") == 1
        }
        _ = try await d.publish(["type": "other.thing"])
        let id = try await d.publish(["type": "echo.request", "data": ["n": 7]])
        #expect(try await tail.wait() == 0)
        let lines = tail.stdout.split(separator: "\n").map { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
        #expect(lines.map { $0?["type"]?.stringValue } == ["echo.request", "echo.reply"])
        #expect(lines.first??["id"]?.stringValue == id)
        #expect(lines.last??["correlation_id"]?.stringValue == id)
    }

    @Test func aClientThatGoesAwayIsForgotten() async throws {
        let d = try await TestDaemon.start()
        let port = try #require(URL(string: d.base)?.port)
        let token = d.adminToken
        let first = try await BlockingIO.onThread("raw.first-bytes") {
            try RawHTTP.readFirstBytes(port: port, path: "/v1/events/stream?heartbeat_ms=200", token: token)
        }
        #expect(first.hasPrefix("HTTP/1.1 200"))
        #expect(first.contains("text/event-stream"))
        // The connection is closed now; the next heartbeats fail and the watcher is removed.
        try await d.eventually("watcher gone", timeout: .seconds(60)) {
            Self.metric(try await d.get("/metrics").text, "lightning_event_stream_watchers") == 0
        }
    }

    /// A reader that does not keep up holds back neither publishing nor other readers: the
    /// stream's body is pulled as the socket drains, its bounded buffer drops the oldest
    /// events, and the reader is told how many it missed, then gets the newest.
    @Test func aSlowStreamReaderIsToldWhatItMissedAndPublishingGoesOn() async throws {
        let d = try await TestDaemon.start()
        let port = try #require(URL(string: d.base)?.port)
        let reader = try RawHTTP.SlowReader(port: port, path: "/v1/events/stream?type=flood.*", token: d.adminToken)
        let opening = reader.read { $0.contains(": watching flood.*") }
        #expect(opening.hasPrefix("HTTP/1.1 200"), "\(opening)")
        #expect(opening.lowercased().contains("cache-control: no-cache"))
        // 8,000 events of 1 KB: more than the tap's 4,096-item buffer plus what the sockets and
        // the channel hold (measured 0.3 to 1.3 MB). Every publish is accepted while nobody reads.
        let filler = String(repeating: "x", count: 1000)
        for batch in 0..<80 {
            let events: [JSONValue] = (0..<100).map { i in
                ["type": "flood.item", "data": ["n": .int(batch * 100 + i), "filler": .string(filler)]]
            }
            let r = try await d.post("/v1/events", .array(events))
            #expect(r.status == 202)
        }
        _ = try await d.publish(["type": "flood.last"])
        let text = try await BlockingIO.onThread("raw.slow-read") { reader.read { $0.contains("event: flood.last") } }
        #expect(text.contains(": dropped "), "no drop notice in \(text.count) bytes")
        #expect(text.contains("event: flood.last"))
        let seen = text.components(separatedBy: "event: flood.item").count - 1
        #expect(seen > 0 && seen < 8_000, "saw \(seen) of 8000")
    }

    static func metric(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test func streamRefusesABadPatternAndTailReportsIt() async throws {
        let d = try await TestDaemon.start()
        let r = try await d.get("/v1/events/stream?type=bad%20pattern")
        #expect(r.status == 400)
        #expect(r.json["error"]?["message"]?.stringValue?.hasPrefix("query parameter \"type\"[0]") == true)
        let (code, _, err) = try await d.cli(["events", "tail", "--type", "bad pattern"])
        #expect(code == 1)
        #expect(err.contains("query parameter \"type\"[0]"))
    }

    @Test func readinessMetricsAndOrphanCounts() async throws {
        let d = try await TestDaemon.start()
        let ready = try await d.get("/ready")
        #expect(ready.status == 200)
        #expect(ready.json["ready"] == true)
        _ = try await d.publish(["type": "nobody.listens"])
        _ = try await d.publish(["type": "nobody.cares"])
        let stats = try await d.get("/v1/router/stats")
        #expect(stats.json["published"] == 2)
        #expect(stats.json["orphaned"] == 2)
        let metrics = try await d.get("/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
        #expect(Self.metric(metrics.text, "lightning_events_published_total") == 2)
        #expect(Self.metric(metrics.text, "lightning_events_orphaned_total") == 2)
        #expect(Self.metric(metrics.text, "lightning_plugins{state=\"loaded\"}") == 5)  // 4 libraries + built-in local-functions
        #expect(Self.metric(metrics.text, "lightning_bus_orphaned") == 2)
        #expect(Self.metric(metrics.text, "lightning_bus_pending") == 0)
        // Hummingbird's request metrics land in the same registry (swift-metrics bootstrap).
        #expect(Self.metric(metrics.text, "hb_requests{http_route=\"/v1/events\",http_request_method=\"POST\",http_response_status_code=\"202\"}") == 2)
        #expect(try await d.get("/v1/metrics").text.contains("lightning_events_orphaned_total 2"))
    }

    @Test func servesItsOpenAPIDocument() async throws {
        let d = try await TestDaemon.start()
        let r = try await d.get("/openapi.json")
        #expect(r.status == 200)
        #expect(r.json["openapi"]?.stringValue?.hasPrefix("3.1") == true)
        #expect(r.json["paths"]?["/v1/events"]?["post"] != nil)
        #expect(r.json["paths"]?["/v1/events/stream"]?["get"] != nil)
        // Exactly the repository's file, byte for byte: the API is described once.
        let file = try String(contentsOf: BuildProducts.repoRoot.appendingPathComponent("Host/API/openapi.json"), encoding: .utf8)
        #expect(r.text == file)
    }

    @Test func cliEmitAndList() async throws {
        let d = try await TestDaemon.start()
        let (c1, out, _) = try await d.cli(["events", "emit", "nobody.here", "--data", #"{"k": "v"}"#, "--user", "u1"])
        #expect(c1 == 0)
        let id = try #require(out.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines))
        let (c2, listed, _) = try await d.cli(["events", "list", "--type", "nobody.*"])
        #expect(c2 == 0)
        #expect(listed.hasPrefix("TIMESTAMP"))
        #expect(listed.contains(id) && listed.contains("nobody.here"))
    }
}
