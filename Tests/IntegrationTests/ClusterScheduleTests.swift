import Foundation
import HostCore
import LightningProtocol
import LightningTestSupport
import Testing

/// Singleton work in a cluster (docs/cluster.md#singleton-work): schedules fire on the holder of
/// the lease only, each fire committed under the lease's fencing token. Its own suite for a
/// longer time limit (30 ticks, a kill and a takeover on a loaded machine).
@Suite(.serialized, .timeLimit(.minutes(6)))
struct ClusterScheduleTests {
    /// Singleton work exactly once (issue 19, item 4): three daemons on one PostgreSQL schema and
    /// a plan with a cron event of every second. Only the lease holder fires, each fire committed
    /// in the lease document first (fencing): over 30 ticks there are exactly 30 runs, one per
    /// second, none twice. After `kill -9` of the holder another takes the lease over within the
    /// lease time and the fires go on, still none twice.
    @Test(.enabled(if: ExternalTool.shouldRun(ExternalTool.hasPostgres), "needs LT_POSTGRES_URL (Tests/Fakes/postgres-setup.sh)"))
    func aCronScheduleFiresOncePerTickAcrossThreeDaemonsAndMovesOnKill9() async throws {
        let schema = PostgresTestServer.schema(for: "cron-" + UUID().uuidString)
        let config: JSONValue = ["providers": ["storage": ["plugin": "postgres-storage", "config": [
            "url": .string(try PostgresTestServer.requireURL()), "schema": .string(schema)]]]]
        let env = ["LIGHTNING_CLUSTER": "on", "LIGHTNING_CLUSTER_LEASE_MS": "3000"]
        let manifests: @Sendable (String) -> Bool = { ClusterTests.minimal($0) || $0 == "echo-driver.json" }
        var daemons: [TestDaemon] = []
        for _ in 0..<3 { daemons.append(try await TestDaemon.start(config: config, manifests: manifests, environment: env)) }
        func holders(_ ds: [TestDaemon]) async throws -> [Int] {
            var out: [Int] = []
            for (i, d) in ds.enumerated() where try await d.get("/v1/cluster").json["leases"]?.arrayValue?.first?["held"] == true { out.append(i) }
            return out
        }
        try await daemons[0].eventually("one holder", timeout: .seconds(60)) { try await holders(daemons).count == 1 }
        let plan: JSONValue = [
            "name": "ticker", "graph_type": "acyclic",
            "events": [["name": "tick", "kind": "time.cron", "schedule": "* * * * * *"], ["name": "echoed"]],
            "steps": [["name": "echo", "on": ["tick"], "action": "echo.request", "args": ["at": "{{ event.data.scheduled_at }}"], "emits": ["echoed"]]],
        ]
        let saved = try await daemons[1].put("/v1/plans/ticker", plan)
        #expect(saved.status == 201, "\(saved.text)")
        /// The scheduled times of every run of the plan, from the shared store (one per fire): the
        /// start event's `scheduled_at`, as the run's first firing took it.
        func fires(_ d: TestDaemon) async throws -> [String] {
            let r = try await d.get("/v1/storage/containers/plan_runs/documents?max_items=1000")
            guard r.status == 200 else { return [] }
            return (r.json["documents"]?.arrayValue ?? []).compactMap { $0["data"]?["firings"]?[0]?["inputs"]?["tick"]?["scheduled_at"]?.stringValue }.sorted()
        }
        func seconds(_ s: String) -> Int64? { Timestamp(rfc3339: s).map { $0.millis / 1000 } }
        do {
            try await daemons[0].eventually("the first fire", timeout: .seconds(60)) { try await !fires(daemons[0]).isEmpty }
        } catch {
            for path in ["/v1/cluster", "/v1/schedules", "/v1/storage/containers/plan_runs/documents?max_items=3",
                         "/v1/storage/containers/cluster_leases/documents/singleton"] {
                print("DIAG \(path): \(try await daemons[0].get(path).text.prefix(3000))")
            }
            for d in daemons { print("DIAG stderr: \(d.process.stderr.suffix(2000))") }
            throw error
        }
        let first = try #require(try await fires(daemons[0]).first.flatMap(seconds))
        // 30 ticks: from the first fire's second to 29 s later (and 3 s for the last run to be saved).
        try await daemons[0].eventually("30 ticks passed", timeout: .seconds(120)) {
            try await fires(daemons[0]).compactMap(seconds).contains { $0 >= first + 32 }
        }
        let window = try await fires(daemons[2]).compactMap(seconds).filter { $0 >= first && $0 < first + 30 }
        #expect(window.count == 30, "fires in 30 ticks: \(window.count): \(window.map { $0 - first })")
        #expect(Set(window).count == window.count, "a tick fired twice: \(window.map { $0 - first })")
        #expect(Set(window) == Set((0..<30).map { first + Int64($0) }), "ticks without a fire: \(window.map { $0 - first })")

        // Kill the holder: another takes the lease over within the lease time and fires on.
        let holder = try #require(try await holders(daemons).first)
        try await daemons[holder].kill9()
        let rest = daemons.enumerated().filter { $0.offset != holder }.map(\.element)
        let clock = ContinuousClock()
        let killedAt = clock.now
        let killedSecond = Timestamp.now().millis / 1000
        try await rest[0].eventually("another daemon takes over", timeout: .seconds(60)) { try await holders(rest).count == 1 }
        let tookOver = clock.now - killedAt
        // The lease time (3 s), plus a read interval and the machine's load.
        #expect(tookOver < .seconds(15), "takeover took \(tookOver)")
        try await rest[0].eventually("fires after the takeover", timeout: .seconds(60)) {
            try await fires(rest[0]).compactMap(seconds).contains { $0 >= killedSecond + 5 }
        }
        let all = try await fires(rest[1]).compactMap(seconds)
        #expect(Set(all).count == all.count, "a tick fired twice: \(all.map { $0 - first })")
        print("cron over 3 daemons: 30 of 30 ticks fired once; holder killed, taken over after \(tookOver); \(all.count) fires, none twice")
        _ = try await rest[0].request("DELETE", "/v1/plans/ticker")
    }
}
