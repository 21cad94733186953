import Foundation
import HostCore
import LightningProtocol
import LightningTestSupport
import Synchronization
import Testing

/// The real daemon moves its storage from SQLite to PostgreSQL (`LT_POSTGRES_URL`) with `copy`
/// while a writer keeps writing, and nothing is lost; then a second daemon on the same schema
/// reads every document: the store is shared (docs/postgres-storage.md, docs/hot-swap.md).
@Suite(.serialized, .timeLimit(.minutes(3)),
       .enabled(if: ExternalTool.shouldRun(ExternalTool.hasPostgres), "needs LT_POSTGRES_URL (Tests/Fakes/postgres-setup.sh)"))
struct PostgresSwapTests {
    @Test func storageMovesFromSQLiteToPostgresWithCopyWhileAWriterWritesAndNothingIsLost() async throws {
        let url = try PostgresTestServer.requireURL()
        let password = try #require(URLComponents(string: url)?.password)
        let schema = PostgresTestServer.schema(for: "swap-" + UUID().uuidString)
        let d = try await TestDaemon.start(manifests: { $0 != "c-example-driver.json" })
        #expect(try await d.put("/v1/storage/containers/ledger", [:]).status == 201)
        for i in 0..<50 {
            _ = try await d.post("/v1/storage/containers/ledger/documents", ["id": .string("seed-\(i)"), "data": ["n": .int(i)]])
        }
        let stop = Mutex(false)
        // Owned here: awaited below once `stop` is set.
        let writer = Task { () -> (written: [String], worst: Duration) in
            var written: [String] = []
            var worst = Duration.zero
            var i = 0
            let clock = ContinuousClock()
            while !stop.withLock({ $0 }) {
                let t0 = clock.now
                let r = try await d.post("/v1/storage/containers/ledger/documents", ["id": .string("w-\(i)"), "data": ["n": .int(i)]])
                worst = max(worst, clock.now - t0)
                guard r.status == 201 else { throw TestFailure("write w-\(i): HTTP \(r.status) \(r.text)") }
                written.append("w-\(i)")
                i += 1
            }
            return (written, worst)
        }
        try await Task.sleep(for: .milliseconds(300))
        let swap = try await d.put("/v1/providers/storage", ["plugin": "postgres-storage", "copy": true, "probation_ms": 200,
                                                             "config": ["url": .string(url), "schema": .string(schema)]])
        #expect(swap.status == 200, "\(swap.text)")
        #expect(swap.json["copied"]?["verified"] == true)
        try await Task.sleep(for: .milliseconds(300))
        stop.withLock { $0 = true }
        let (written, worst) = try await writer.value

        let expected = written + (0..<50).map { "seed-\($0)" }
        let found = try await Self.allIds(d)
        let missing = expected.filter { !found.contains($0) }
        #expect(missing.isEmpty, "lost \(missing.count) documents, e.g. \(missing.prefix(5))")
        // The password is a secret: the daemon never shows it.
        #expect(!(try await d.get("/v1/config").text.contains(password)))
        #expect(!(try await d.get("/v1/providers").text.contains(password)))
        print("storage sqlite → postgres with copy: \(written.count) writes during the run, none lost; longest write \(worst); copy \(swap.json["copied"] ?? .null)")

        // A second daemon configured for the same schema sees the same documents.
        let other = try await TestDaemon.start(config: ["providers": ["storage": ["plugin": "postgres-storage", "config": [
            "url": .string(url), "schema": .string(schema)]]]], manifests: { $0 != "c-example-driver.json" })
        let seen = try await Self.allIds(other)
        #expect(Set(expected).isSubset(of: seen), "the second daemon misses \(Set(expected).subtracting(seen).count) documents")
    }

    /// Every document id of container `ledger`, page by page, checking the provider serving.
    static func allIds(_ d: TestDaemon) async throws -> Set<String> {
        var found = Set<String>()
        var token: String?
        repeat {
            var body: [String: JSONValue] = ["max_items": 1000]
            if let token { body["continuation"] = .string(token) }
            let page = try await d.post("/v1/storage/containers/ledger/query", .object(body))
            #expect(page.headers["x-lightning-provider"]?.hasPrefix("postgres-storage@") == true)
            found.formUnion(page.json["documents"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? [])
            token = page.json["continuation"]?.stringValue
        } while token != nil
        return found
    }
}
