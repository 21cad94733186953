import Foundation
import HostCore
import LightningProtocol
import LightningTestSupport
import Synchronization
import Testing

/// Hot swap between two implementations of a kind and back, under a steady load, with nothing
/// lost: the event bus between the SQLite journal and Redis Streams (a real `redis-server`),
/// storage between SQLite and Cosmos DB (its loopback fake) with `copy` while a writer keeps
/// writing. The longest pause a client saw is printed, never asserted (docs/benchmarks.md has
/// the measured figures).
@Suite(.serialized, .timeLimit(.minutes(3)))
struct SwapBetweenImplementationsTests {
    @Test(.enabled(if: ExternalTool.shouldRun(ExternalTool.hasRedis), "redis-server is not installed (apt-get install redis-server)"))
    func theBusMovesToRedisAndBackUnderLoadAndEveryRequestIsAnswered() async throws {
        let redis = try RedisServer.shared()
        let d = try await TestDaemon.start(config: ["router": ["concurrency": 8]], manifests: { $0 != "c-example-driver.json" })
        let tail = try TestProcess(BuildProducts.lightning, ["events", "tail", "--type", "echo.reply", "--json"], environment: d.cliEnvironment)
        defer { tail.signal(SIGKILL) }
        try await d.eventually("tail connected") { try await d.get("/metrics").text.contains("lightning_event_stream_watchers 1") }

        // 2000 events/s offered: a batch of 20 every 10 ms, for 1.5 s.
        let stop = Mutex(false)
        let publisher = Task { () -> (ids: [String], worst: Duration) in
            var ids: [String] = []
            var worst = Duration.zero
            let clock = ContinuousClock()
            var next = clock.now
            var batch = 0
            while !stop.withLock({ $0 }) {
                let events: [JSONValue] = (0..<20).map { i in ["type": "echo.request", "data": ["text": .string("b\(batch)-\(i)")]] }
                let t0 = clock.now
                let r = try await d.post("/v1/events", .array(events))
                worst = max(worst, clock.now - t0)
                guard r.status == 202 else { throw TestFailure("publish: HTTP \(r.status) \(r.text)") }
                ids += r.json["results"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
                batch += 1
                next += .milliseconds(10)
                if next > clock.now { try await Task.sleep(until: next, clock: clock) }
            }
            return (ids, worst)
        }
        try await Task.sleep(for: .milliseconds(500))
        let toRedis = try await d.put("/v1/providers/eventbus", ["plugin": "redis-eventbus", "probation_ms": 300, "config": [
            "url": .string(redis.url), "key_prefix": .string("swap\(UUID().uuidString.prefix(8).lowercased()):")]])
        #expect(toRedis.status == 200, "\(toRedis.text)")
        try await Task.sleep(for: .milliseconds(500))
        let back = try await d.put("/v1/providers/eventbus", ["plugin": "local-eventbus", "probation_ms": 300, "config": ["path": "bus-back.sqlite"]])
        #expect(back.status == 200, "\(back.text)")
        try await Task.sleep(for: .milliseconds(500))
        stop.withLock { $0 = true }
        let (ids, worst) = try await publisher.value
        // How many got through depends on the machine's load; the point is that publishing went on
        // across both swaps.
        #expect(ids.count >= 40, "the publisher got only \(ids.count) events through")
        try await d.eventually("every request answered", timeout: .seconds(120)) {
            let answered = Set(tail.stdout.split(separator: "\n").compactMap {
                (try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)))?["correlation_id"]?.stringValue
            })
            return ids.allSatisfy(answered.contains)
        }
        print("bus local → redis → local: \(ids.count) events, none lost; longest publish (batch of 20) \(worst); swaps: \(toRedis.json["total_ms"] ?? .null) ms, \(back.json["total_ms"] ?? .null) ms; forwarded \(toRedis.json["forwarded"] ?? .null) + \(back.json["forwarded"] ?? .null)")
        #expect(try await d.get("/v1/providers").json["providers"]?.arrayValue?.first { $0["kind"] == "eventbus" }?["plugin"] == "local-eventbus")
    }

    @Test func storageMovesToCosmosAndBackWithCopyWhileAWriterWritesAndNothingIsLost() async throws {
        let cosmos = try await FakeServer(script: "cosmos_fake.py")
        let d = try await TestDaemon.start(manifests: { $0 != "c-example-driver.json" })
        let writer = try await LedgerWriter.start(on: d)
        try await Task.sleep(for: .milliseconds(300))
        // The emulator's published key, as the fake expects by default.
        let toCosmos = try await d.put("/v1/providers/storage", ["plugin": "cosmos-storage", "copy": true, "probation_ms": 200, "config": [
            "endpoint": .string(cosmos.baseURL),
            "key": "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="]])
        #expect(toCosmos.status == 200, "\(toCosmos.text)")
        #expect(toCosmos.json["copied"]?["verified"] == true)
        try await Task.sleep(for: .milliseconds(300))
        let back = try await d.put("/v1/providers/storage", ["plugin": "sqlite-storage", "copy": true, "probation_ms": 200, "config": ["path": "back.sqlite"]])
        #expect(back.status == 200, "\(back.text)")
        try await Task.sleep(for: .milliseconds(300))
        let (written, worst) = try await writer.stop()

        // Every document written, before, during or between the swaps, is in the final provider.
        let found = try await LedgerWriter.allIds(d, servedBy: "sqlite-storage")
        let missing = (written + LedgerWriter.seeds).filter { !found.contains($0) }
        #expect(missing.isEmpty, "lost \(missing.count) documents, e.g. \(missing.prefix(5))")
        print("storage sqlite → cosmos → sqlite with copy: \(written.count) writes during the run, none lost; longest write \(worst); copies \(toCosmos.json["copied"] ?? .null), \(back.json["copied"] ?? .null)")
    }
}
