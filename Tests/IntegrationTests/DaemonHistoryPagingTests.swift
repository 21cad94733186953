import Foundation
import LightningProtocol
import LightningTestSupport
import Testing

/// `GET /v1/events` pages by an opaque continuation token over the journal order
/// (docs/api.md, docs/events.md#history-paging): a client that pages to the end sees every event
/// journaled before its first page exactly once, while other clients keep publishing.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DaemonHistoryPagingTests {
    @Test func pagingToTheEndSeesEveryEventOnceWhilePublishingGoesOn() async throws {
        let d = try await TestDaemon.start(manifests: { $0 == "local-eventbus.json" || $0 == "sqlite-storage.json" })
        var before: [String] = []
        for batch in 0..<3 {
            let events: [JSONValue] = (0..<100).map { i in ["type": "page.item", "data": ["n": .int(batch * 100 + i)]] }
            let r = try await d.post("/v1/events", .array(events))
            #expect(r.status == 202, "\(r.text)")
            before += r.json["results"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
        }
        #expect(before.count == 300)

        // Another client publishes while this one pages.
        async let publishing: Int = {
            var n = 0
            for _ in 0..<10 {
                let events: [JSONValue] = (0..<20).map { _ in ["type": "page.item", "data": ["late": true]] }
                if try await d.post("/v1/events", .array(events)).status == 202 { n += 20 }
            }
            return n
        }()
        var seen: [String] = []
        var token: String?
        var pages = 0
        repeat {
            let query = "type=page.item&limit=37" + (token.map { "&continuation=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" } ?? "")
            let r = try await d.get("/v1/events?\(query)")
            #expect(r.status == 200, "\(r.text)")
            seen += r.json["events"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            token = r.json["continuation"]?.stringValue
            pages += 1
        } while token != nil && pages < 100
        #expect(try await publishing == 200)

        #expect(Set(seen).count == seen.count, "an event was seen twice")
        let missing = Set(before).subtracting(seen)
        #expect(missing.isEmpty, "\(missing.count) events never seen")
        // Newest first: the events published before paging come in reverse publish order.
        #expect(seen.filter { Set(before).contains($0) } == before.reversed())

        // The CLI prints the token of the next page and takes it back.
        let (c1, first, _) = try await d.cli(["events", "list", "--type", "page.item", "--limit", "5"])
        #expect(c1 == 0)
        let more = try #require(first.split(separator: "\n").last { $0.hasPrefix("more: --continuation ") })
        let (c2, second, _) = try await d.cli(["events", "list", "--type", "page.item", "--limit", "5",
                                               "--continuation", String(more.dropFirst("more: --continuation ".count))])
        #expect(c2 == 0)
        #expect(second.contains("more: --continuation ") && second != first, "\(second)")

        let bad = try await d.get("/v1/events?continuation=nonsense")
        #expect(bad.status == 400)
        #expect(bad.json["error"]?["message"]?.stringValue?.hasPrefix("field \"continuation\": expected the token of an earlier page") == true, "\(bad.text)")
        try await d.stop()
    }
}
