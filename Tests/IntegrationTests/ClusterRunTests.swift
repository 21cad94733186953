import Foundation
import HostCore
import LightningProtocol
import LightningTestSupport
import Testing

/// Plan runs in a cluster (docs/cluster.md#plan-runs): each run is stepped by its owner only;
/// when the owner dies another node adopts the run (compare-and-swap on its owner) and resumes
/// it, its retries at their stored due time. Its own suite for a long time limit.
@Suite(.serialized, .timeLimit(.minutes(6)))
struct ClusterRunTests {
    static let agent = DaemonPlanProvidersTests.agent

    /// Three sequential steps that take a while, the middle one failing its first attempt and
    /// retried 1.5 s later. Every step records its effect under its idempotency key in the shared
    /// store (`test.effect`, `test.flaky` of `lt-test-child`), counting how often it was asked.
    static let plan: JSONValue = [
        "name": "slow", "graph_type": "acyclic",
        "events": [["name": "go", "kind": "manual"], ["name": "a"], ["name": "b"], ["name": "done"]],
        "steps": [
            ["name": "one", "on": ["go"], "action": "test.effect", "args": ["step": "one", "ms": 1500], "emits": ["a"]],
            ["name": "two", "on": ["a"], "action": "test.flaky", "args": ["step": "two", "ms": 300], "emits": ["b"],
             "retry": ["max_attempts": 3, "backoff_ms": 1500]],
            // Long, so that runs are still in it when the kill comes however slow a loaded machine
            // makes the test's own polling (CI run 8: every run had ended with 1.5 s).
            ["name": "three", "on": ["b"], "action": "test.effect", "args": ["step": "three", "ms": 8000], "emits": ["done"]],
        ],
    ]

    /// Issue 19 item 4 (a plan run's execution and timers once per cluster): three daemons on one
    /// PostgreSQL schema; six runs started on daemon 0 (its node owns them), staggered; `kill -9`
    /// of daemon 0 midway (steps in flight, retries waiting). The two others adopt its runs once membership shows it gone, and every run
    /// completes: a step that had completed (recorded `succeeded` in the run) before the kill ran
    /// exactly once; a step in flight at the kill ran at most twice (counted); the retry of the
    /// flaky step happened once (attempt 2, one effect); no run stays `running`; and nodes 1 and
    /// 2 never stepped a run while node 0 was alive (every effect before the kill was asked once).
    @Test(.enabled(if: ExternalTool.shouldRun(ExternalTool.hasPostgres), "needs LT_POSTGRES_URL (Tests/Fakes/postgres-setup.sh)"))
    func runsOfAKilledNodeAreAdoptedAndCompleteWithEachCompletedStepOnce() async throws {
        let (daemons, ids) = try await Self.cluster()
        let saved = try await daemons[1].put("/v1/plans/slow", Self.plan)
        #expect(saved.status == 201, "\(saved.text)")

        func start(_ n: Int) async throws -> [String] {
            var out: [String] = []
            for _ in 0..<n {
                let r = try await daemons[0].post("/v1/plans/slow/runs", ["data": [:]])
                #expect(r.status == 201, "\(r.text)")
                out.append(try #require(r.json["run_id"]?.stringValue))
            }
            return out
        }
        func done(_ runs: [String: JSONValue], _ id: String, _ step: String) -> Bool {
            (runs[id]?["firings"]?.arrayValue ?? []).contains { $0["step"] == .string(step) && $0["state"] == "succeeded" }
        }
        // Staggered: three runs, then three more once the first are past their first step; the
        // kill comes when the first three are in their last step (in flight) and the others at
        // their first or second (waiting to retry).
        let early = try await start(3)
        try await daemons[1].eventually("the first runs past their first step", timeout: .seconds(60)) {
            let runs = try await Self.runs(daemons[1])
            return early.allSatisfy { done(runs, $0, "one") }
        }
        let runIds = early + (try await start(3))
        try await daemons[1].eventually("the first runs past their second step", timeout: .seconds(60)) {
            let runs = try await Self.runs(daemons[1])
            return early.allSatisfy { done(runs, $0, "two") }
        }
        let before = try await Self.runs(daemons[1])
        let effectsBefore = try await Self.effects(daemons[1])
        try await daemons[0].kill9()
        // As stored just before the kill (read at once, so the kill still finds runs midway).
        for id in runIds {
            let owner = before[id]?["owner"]
            #expect(owner?["node"]?.stringValue == ids[0] && owner?["token"] == 1, "run \(id) is owned by node 0 with token 1: \(String(describing: owner))")
        }
        let clock = ContinuousClock()
        let killedAt = clock.now
        /// Per run, the steps recorded succeeded in the run before the kill.
        let doneBefore: [String: Set<String>] = Dictionary(uniqueKeysWithValues: runIds.map { id in
            (id, Set((before[id]?["firings"]?.arrayValue ?? []).filter { $0["state"] == "succeeded" }.compactMap { $0["step"]?.stringValue }))
        })
        // The runs as node 0 left them: nobody steps them until it is seen gone (seconds later),
        // while `before` may be a moment older (a run can end between that read and the kill).
        let atKill = try await Self.runs(daemons[1])
        let runningAtKill = runIds.filter { atKill[$0]?["status"] == "running" }
        let waitingAtKill = runIds.filter { id in (atKill[id]?["firings"]?.arrayValue ?? []).contains { $0["state"] == "waiting_retry" } }
        let inFlightAtKill = runIds.filter { id in (atKill[id]?["firings"]?.arrayValue ?? []).contains { $0["state"] == "running" } }
        #expect(!runningAtKill.isEmpty, "the kill came midway: some runs were still running")

        let rest = [daemons[1], daemons[2]]
        do {
            try await rest[0].eventually("every run completed", timeout: .seconds(120)) {
                let runs = try await Self.runs(rest[0])
                for id in runIds where runs[id]?["status"] == "failed" || runs[id]?["status"] == "cancelled" {
                    throw TestFailure("run \(id): \(String(describing: runs[id]))")
                }
                return runIds.allSatisfy { runs[$0]?["status"] == "completed" }
            }
        } catch {
            print("DIAG runs: \(try await Self.runs(rest[0]))")
            for d in rest { print("DIAG stderr: \(d.process.stderr.suffix(3000))") }
            throw error
        }
        let took = clock.now - killedAt
        let after = try await Self.runs(rest[1])
        #expect(after.values.filter { $0["status"] == "running" }.isEmpty, "nothing stuck running")

        // Adopted: every run that was running at the kill is now owned by node 1 or 2, with a larger token.
        for id in runningAtKill {
            let owner = after[id]?["owner"]
            #expect([ids[1], ids[2]].contains(owner?["node"]?.stringValue ?? ""), "run \(id) adopted by a live node: \(String(describing: owner))")
            #expect((owner?["token"]?.intValue ?? 0) >= 2, "run \(id): a new fencing token: \(String(describing: owner))")
        }

        // Effects: per run and step, one effect, under the key of the succeeded attempt.
        let effects = try await Self.effects(rest[1])
        var twice: [String] = []
        for id in runIds {
            let run = try #require(after[id])
            let firings = run["firings"]?.arrayValue ?? []
            #expect(firings.count == 3 && firings.allSatisfy { $0["state"] == "succeeded" }, "\(run)")
            for f in firings {
                let step = f["step"]?.stringValue ?? ""
                let attempt = f["attempt"]?.intValue ?? 0
                #expect(attempt == (step == "two" ? 2 : 1), "run \(id) step \(step): attempt \(attempt) (the flaky step retried once)")
                let key = "\(id)/\(step)#\(f["id"]?.intValue ?? 0)/\(attempt)"
                let mine = effects.filter { $0["key"]?.stringValue?.hasPrefix("\(id)/\(step)#") == true }
                #expect(mine.count == 1, "run \(id) step \(step): one effect (attempt 1 of the flaky step fails before its effect): \(mine)")
                #expect(mine.first?["key"]?.stringValue == key, "\(mine)")
                let deliveries = mine.first?["deliveries"]?.intValue ?? 0
                if doneBefore[id]?.contains(step) == true {
                    #expect(deliveries == 1, "run \(id) step \(step) completed before the kill and ran again after it (\(deliveries) times)")
                } else {
                    #expect((1...2).contains(deliveries), "run \(id) step \(step): \(deliveries) deliveries")
                    if deliveries == 2 { twice.append("\(id)/\(step)") }
                }
            }
        }
        // Before the kill, no step was asked for twice (only node 0 stepped the runs).
        #expect(effectsBefore.allSatisfy { $0["deliveries"] == 1 }, "\(effectsBefore)")
        // A step in flight at the kill may run twice: at most one per run (the steps are sequential).
        #expect(twice.count <= runningAtKill.count, "twice: \(twice)")
        print("runs over 3 daemons: node 0 killed with \(runningAtKill.count) of 6 runs running (\(inFlightAtKill.count) with a step in flight, \(waitingAtKill.count) waiting to retry); "
              + "all completed \(took) after the kill; steps run twice (in flight at the kill): \(twice.count) \(twice)")
        _ = try await rest[0].request("DELETE", "/v1/plans/slow")
    }

    /// Fencing with real processes: daemon 0 is stopped (`SIGSTOP`) while its runs are midway,
    /// past `gone`; the others adopt its runs (token 2). Then it continues (`SIGCONT`) with its
    /// stale view (steps in flight, retry timers): its writes are refused by the store's If-Match
    /// check and it stops stepping the runs; the runs complete under their new owners, every
    /// step completed before the pause ran once, and the adopters keep their tokens.
    @Test(.enabled(if: ExternalTool.shouldRun(ExternalTool.hasPostgres), "needs LT_POSTGRES_URL (Tests/Fakes/postgres-setup.sh)"))
    func aPausedOwnerThatWakesUpCannotWriteItsAdoptedRuns() async throws {
        let (daemons, ids) = try await Self.cluster()
        #expect(try await daemons[1].put("/v1/plans/slow", Self.plan).status == 201)
        var runIds: [String] = []
        for _ in 0..<3 {
            let r = try await daemons[0].post("/v1/plans/slow/runs", ["data": [:]])
            runIds.append(try #require(r.json["run_id"]?.stringValue, "\(r.text)"))
        }
        try await daemons[1].eventually("the runs past their first step", timeout: .seconds(60)) {
            let runs = try await Self.runs(daemons[1])
            return runIds.allSatisfy { id in (runs[id]?["firings"]?.arrayValue ?? []).contains { $0["step"] == "one" && $0["state"] == "succeeded" } }
        }
        let before = try await Self.runs(daemons[1])
        daemons[0].process.signal(SIGSTOP)
        do {
            // Up to 2 min: a lock the paused node held is released when PostgreSQL ends its idle
            // transaction (10 s), and CI's loaded machine is slow on top of that.
            try await daemons[1].eventually("the paused node's runs adopted", timeout: .seconds(120)) {
                let runs = try await Self.runs(daemons[1])
                return runIds.allSatisfy { runs[$0]?["owner"]?["node"]?.stringValue != ids[0] }
            }
        } catch {
            daemons[0].process.signal(SIGCONT)
            throw error
        }
        let adopted = try await Self.runs(daemons[2]).mapValues { $0["owner"] ?? .null }
        daemons[0].process.signal(SIGCONT)
        try await daemons[1].eventually("every run completed", timeout: .seconds(120)) {
            let runs = try await Self.runs(daemons[1])
            return runIds.allSatisfy { runs[$0]?["status"] == "completed" }
        }
        // The woken node had time to act on its stale view (its retry timers are 1.5 s).
        try await daemons[0].eventually("the woken node learns it lost the runs", timeout: .seconds(60)) {
            daemons[0].process.stderr.contains("no longer stepped here") || daemons[0].process.stderr.contains("not stepped by this node")
        }
        let after = try await Self.runs(daemons[2])
        let effects = try await Self.effects(daemons[2])
        for id in runIds {
            #expect(after[id]?["owner"] == adopted[id], "run \(id): the adopter kept it: \(String(describing: after[id]?["owner"])) vs \(String(describing: adopted[id]))")
            #expect((after[id]?["owner"]?["token"]?.intValue ?? 0) >= 2)
            for f in after[id]?["firings"]?.arrayValue ?? [] {
                let step = f["step"]?.stringValue ?? ""
                let mine = effects.filter { $0["key"]?.stringValue?.hasPrefix("\(id)/\(step)#") == true }
                #expect(mine.count == 1, "run \(id) step \(step): \(mine)")
                let wasDone = (before[id]?["firings"]?.arrayValue ?? []).contains { $0["step"] == .string(step) && $0["state"] == "succeeded" }
                let deliveries = mine.first?["deliveries"]?.intValue ?? 0
                #expect(wasDone ? deliveries == 1 : (1...2).contains(deliveries), "run \(id) step \(step): \(deliveries) deliveries (done before the pause: \(wasDone))")
            }
        }
        print("paused owner: \(runIds.count) runs adopted while it was stopped, completed under their adopters; its stale writes refused")
        _ = try await daemons[1].request("DELETE", "/v1/plans/slow")
    }

    /// Three daemons on one new PostgreSQL schema, with the effect agent, each alive in the
    /// others' membership; their node ids.
    static func cluster() async throws -> ([TestDaemon], [String]) {
        let schema = PostgresTestServer.schema(for: "runs-" + UUID().uuidString)
        let config: JSONValue = ["providers": ["storage": ["plugin": "postgres-storage", "config": [
            "url": .string(try PostgresTestServer.requireURL()), "schema": .string(schema)]]]]
        // Heartbeats every 500 ms: a killed node is gone after 3 s (a loaded one is not, before).
        let env = ["LIGHTNING_CLUSTER": "on", "LIGHTNING_CLUSTER_HEARTBEAT_MS": "500", "LIGHTNING_CLUSTER_LEASE_MS": "3000"]
        var daemons: [TestDaemon] = []
        for _ in 0..<3 {
            daemons.append(try await TestDaemon.start(config: config, manifests: ClusterTests.minimal,
                                                      extraManifests: ["effect-agent.json": Self.agent], environment: env))
        }
        for d in daemons {
            try await d.eventually("the agent is in the catalog", timeout: .seconds(60)) {
                let names = (try await d.get("/v1/actions").json["actions"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
                return Set(["test.effect", "test.flaky"]).isSubset(of: names)
            }
        }
        // Each lists itself once its first heartbeat is in the store.
        var ids: [String] = []
        for d in daemons {
            var id: String?
            try await d.eventually("the node's first heartbeat", timeout: .seconds(60)) {
                id = try await d.get("/v1/cluster").json["nodes"]?.arrayValue?.first { $0["self"] == true }?["id"]?.stringValue
                return id != nil
            }
            ids.append(try #require(id))
        }
        #expect(Set(ids).count == 3)
        try await daemons[0].eventually("three nodes alive", timeout: .seconds(60)) {
            let nodes = try await daemons[0].get("/v1/cluster").json["nodes"]?.arrayValue ?? []
            return nodes.filter { $0["state"] == "alive" }.count == 3
        }
        return (daemons, ids)
    }

    /// The stored runs by id (their documents' data, with `owner`), read from the shared store.
    static func runs(_ d: TestDaemon) async throws -> [String: JSONValue] {
        let docs = try await DaemonPlanProvidersTests.documents(d, "plan_runs")
        return Dictionary(docs.compactMap { doc in doc["runId"]?.stringValue.map { ($0, doc) } }, uniquingKeysWith: { a, _ in a })
    }

    static func effects(_ d: TestDaemon) async throws -> [JSONValue] { try await DaemonPlanProvidersTests.documents(d, "effects") }
}
