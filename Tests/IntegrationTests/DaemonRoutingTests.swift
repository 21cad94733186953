import Foundation
import LightningProtocol
import LightningTestSupport
import Testing

/// The real daemon binary over real HTTP with the real plugin libraries: routing through the
/// Swift and C drivers, failures, hop limit, orphans.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct DaemonRoutingTests {
    static let fastRetries: JSONValue = ["router": ["max_attempts": 2, "backoff_ms": 20, "max_backoff_ms": 50, "hop_limit": 3]]

    @Test func servesHealthAndReportsLoadedPlugins() async throws {
        let d = try await TestDaemon.start()
        let health = try await d.get("/health")
        #expect(health.status == 200)
        #expect(health.json["status"] == "healthy")
        let kinds = health.json["providers"]?.arrayValue?.compactMap { $0["kind"]?.stringValue }
        #expect(kinds == ["storage", "eventbus", "functions"])
        let plugins = try await d.get("/v1/plugins").json["plugins"]?.arrayValue ?? []
        func state(_ id: String) -> String? { plugins.first { $0["id"]?.stringValue == id }?["state"]?.stringValue }
        #expect(state("sqlite-storage") == "loaded")
        #expect(state("local-eventbus") == "loaded")
        #expect(state("local-functions") == "loaded")
        #expect(state("echo-driver") == "loaded")
        #expect(state("c-example-driver") == "loaded")
        let drivers = try await d.get("/v1/drivers").json["drivers"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(drivers == ["c-example-driver", "echo-driver"])
        #expect(try await d.stop() == 0)
    }

    @Test func routesAnEventThroughTheSwiftDriverAndPublishesItsReply() async throws {
        let d = try await TestDaemon.start()
        let id = try await d.publish(["type": "echo.request", "data": ["text": "hi"], "user_id": "u1"])
        var reply: JSONValue?
        try await d.eventually("echo.reply for \(id)") {
            reply = try await d.history("correlation_id=\(id)").first { $0["type"] == "echo.reply" }
            return reply != nil
        }
        #expect(reply?["data"]?["text"] == "hi")
        #expect(reply?["data"]?["echoed_by"] == "echo-driver")
        #expect(reply?["user_id"] == "u1")
        #expect(reply?["metadata"]?["lt.hops"] == 1)
        #expect(reply?["metadata"]?["lt.emitted_by"] == "echo-driver")
        let stats = try await d.get("/v1/router/stats").json
        #expect((stats["routed"]?.intValue ?? 0) >= 1)
    }

    @Test func aDriversManifestBoundsHowManyEventsItHandlesAtOnce() async throws {
        // The shipped echo driver with "resources": {"max_concurrency": 2}; the router's default is 64.
        let source = try String(contentsOf: BuildProducts.repoRoot.appendingPathComponent("manifests/echo-driver.json"), encoding: .utf8)
        var manifest = try Wire.decode(JSONValue.self, from: Data(source.utf8)).objectValue ?? [:]
        manifest["resources"] = ["max_concurrency": 2]
        let d = try await TestDaemon.start(manifests: { $0 != "echo-driver.json" && $0 != "c-example-driver.json" },
                                           extraManifests: ["echo-driver.json": String(decoding: try Wire.encode(JSONValue.object(manifest)), as: UTF8.self)])
        let r = try await d.post("/v1/events", .array((0..<8).map { i in ["type": "echo.slow", "data": ["ms": 150, "i": .int(i)]] }))
        #expect(r.status == 202)
        func echo() async throws -> JSONValue? {
            try await d.get("/v1/drivers").json["drivers"]?.arrayValue?.first { $0["name"] == "echo-driver" }?["stats"]
        }
        // Each echo.slow is answered by an echo.reply, which the driver (echo.*) handles too: 16 in all.
        try await d.eventually("all handled") {
            let s = try await echo()
            return (s?["handled"]?.intValue ?? 0) >= 16 && s?["in_flight"] == 0
        }
        let stats = try await echo()
        #expect((1...2).contains(stats?["max_in_flight"]?.intValue ?? 0), "\(stats ?? .null)")
        #expect(stats?["in_flight"] == 0)
    }

    @Test func routesThroughTheCDriver() async throws {
        let d = try await TestDaemon.start()
        let id = try await d.publish(["type": "c.greet", "data": ["name": "Grace"]])
        var greeting: JSONValue?
        try await d.eventually("c.greeting") {
            greeting = try await d.history("correlation_id=\(id)").first { $0["type"] == "c.greeting" }
            return greeting != nil
        }
        #expect(greeting?["data"]?["message"] == "hello, Grace")
    }

    @Test func aFailingDriverProducesErrorEventsRetriesThenDeadLetters() async throws {
        let d = try await TestDaemon.start(config: Self.fastRetries)
        let id = try await d.publish(["type": "echo.fail", "data": ["n": 1]])
        try await d.eventually("dead letter for \(id)") {
            let dl = try await d.get("/v1/events/deadletters?subscription=driver:echo-driver").json["dead_letters"]?.arrayValue ?? []
            return dl.contains { $0["event"]?["id"]?.stringValue == id && $0["attempts"] == 2 }
        }
        let errors = try await d.history("correlation_id=\(id)&type=error")
        #expect(errors.count == 2)
        #expect(errors.allSatisfy { $0["data"]?["driver"] == "echo-driver" && $0["data"]?["event_type"] == "echo.fail" })
        #expect(errors.contains { $0["data"]?["outcome"] == "dead_lettered" })
        // The driver is not disabled: it still handles the next event.
        let ok = try await d.publish(["type": "echo.request", "data": [:]])
        try await d.eventually("reply after failure") { try await d.history("correlation_id=\(ok)&type=echo.reply").count == 1 }
        let drivers = try await d.get("/v1/drivers").json["drivers"]?.arrayValue ?? []
        let echo = drivers.first { $0["name"] == "echo-driver" }
        #expect(echo?["stats"]?["failed"] == 2)
        #expect(echo?["stats"]?["last_error"]?.stringValue?.contains("echo.fail asked this driver to fail") == true)
        // Reprocessing a dead letter delivers it again (and it fails again, twice more).
        let dlId = try await d.get("/v1/events/deadletters").json["dead_letters"]?.arrayValue?.first?["id"]?.stringValue
        let rep = try await d.post("/v1/events/deadletters/reprocess", ["ids": .array([.string(dlId ?? "")])])
        #expect(rep.json["count"] == 1)
        try await d.eventually("second round of errors") { try await d.history("correlation_id=\(id)&type=error").count == 4 }
    }

    @Test func stopsRunawayChainsAtTheHopLimit() async throws {
        let d = try await TestDaemon.start(config: Self.fastRetries)
        _ = try await d.publish(["type": "echo.chain", "data": [:]])
        try await d.eventually("hop limit reached") { (try await d.get("/v1/router/stats").json["dropped_hop_limit"]?.intValue ?? 0) == 1 }
        // The original plus hop_limit (3) generations, then the chain stops.
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await d.history("type=echo.chain").count == 4)
    }

    @Test func keepsEventsNoDriverHandlesAsOrphans() async throws {
        let d = try await TestDaemon.start()
        let id = try await d.publish(["type": "nobody.listens", "data": ["x": 1]])
        let orphans = try await d.get("/v1/events/orphans").json["events"]?.arrayValue ?? []
        #expect(orphans.contains { $0["id"]?.stringValue == id })
        let drained = try await d.post("/v1/events/orphans/drain", ["types": ["nobody.*"]]).json["events"]?.arrayValue ?? []
        #expect(drained.map { $0["id"]?.stringValue } == [id])
        // (The drain itself is audited: its `audit.events` event is an orphan of its own.)
        #expect(try await d.get("/v1/events/orphans?type=nobody.*").json["events"]?.arrayValue?.isEmpty == true)
    }

    @Test func deduplicatesByIdempotencyKey() async throws {
        let d = try await TestDaemon.start()
        let first = try await d.post("/v1/events", ["type": "echo.request", "idempotency_key": "k-1"])
        let second = try await d.post("/v1/events", ["type": "echo.request", "idempotency_key": "k-1"])
        #expect(first.json["results"]?[0]?["status"] == "accepted")
        #expect(second.json["results"]?[0]?["status"] == "duplicate")
        #expect(second.json["results"]?[0]?["duplicate_of"] == first.json["results"]?[0]?["id"])
    }
}

extension JSONValue {
    subscript(index: Int) -> JSONValue? {
        guard case .array(let a) = self, index < a.count else { return nil }
        return a[index]
    }
}
