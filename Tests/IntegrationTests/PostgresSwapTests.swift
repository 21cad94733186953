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
        let writer = try await LedgerWriter.start(on: d)
        try await Task.sleep(for: .milliseconds(300))
        let swap = try await d.put("/v1/providers/storage", ["plugin": "postgres-storage", "copy": true, "probation_ms": 200,
                                                             "config": ["url": .string(url), "schema": .string(schema)]])
        #expect(swap.status == 200, "\(swap.text)")
        #expect(swap.json["copied"]?["verified"] == true)
        try await Task.sleep(for: .milliseconds(300))
        let (written, worst) = try await writer.stop()

        let expected = written + LedgerWriter.seeds
        let found = try await LedgerWriter.allIds(d, servedBy: "postgres-storage")
        let missing = expected.filter { !found.contains($0) }
        #expect(missing.isEmpty, "lost \(missing.count) documents, e.g. \(missing.prefix(5))")
        // The password is a secret: the daemon never shows it.
        #expect(!(try await d.get("/v1/config").text.contains(password)))
        #expect(!(try await d.get("/v1/providers").text.contains(password)))
        print("storage sqlite → postgres with copy: \(written.count) writes during the run, none lost; longest write \(worst); copy \(swap.json["copied"] ?? .null)")

        // A second daemon configured for the same schema sees the same documents.
        let other = try await TestDaemon.start(config: ["providers": ["storage": ["plugin": "postgres-storage", "config": [
            "url": .string(url), "schema": .string(schema)]]]], manifests: { $0 != "c-example-driver.json" })
        let seen = try await LedgerWriter.allIds(other, servedBy: "postgres-storage")
        #expect(Set(expected).isSubset(of: seen), "the second daemon misses \(Set(expected).subtracting(seen).count) documents")
    }
}
