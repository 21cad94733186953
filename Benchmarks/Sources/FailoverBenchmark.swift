import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `failover`: two real daemons in a cluster (`LIGHTNING_CLUSTER=on`) on one redis-server (the
/// Redis bus) and the PostgreSQL of `LT_POSTGRES_URL` (shared storage, membership), the echo
/// driver on both: slow on A (`echo.slow` waits 60 s), instant on B. 20 events published to A
/// alone, all held in flight there; B starts and both see each other alive; `kill -9` of A; the
/// figure is the time from the kill to the first of A's deliveries handled on B (its reply in
/// the journal, polled every 20 ms). Without failover that waits for the router's 60 s lease
/// (docs/cluster.md).
struct FailoverBenchmark: Benchmark {
    let name = "failover"
    let summary = "cluster failover: kill -9 of a daemon → its first in-flight delivery handled on another (Redis bus, PostgreSQL)"

    func run(_ ctx: BenchContext) async throws -> [Figure] {
        let b = name
        let pg = ProcessInfo.processInfo.environment["LT_POSTGRES_URL"] ?? ""
        guard !pg.isEmpty else {
            return [.skipped(b, "failover", "LT_POSTGRES_URL is not set (export LT_POSTGRES_URL=$(bash Tests/Fakes/postgres-setup.sh))")]
        }
        let redis: RedisProcess
        do { redis = try await RedisProcess.start() } catch { return [.skipped(b, "failover", "\(error)")] }
        var figures: [Figure] = []
        let rounds = ctx.scale(3, quick: 1)
        let settings: [(label: String, env: [String: String], goal: Double, goalText: String)] = [
            ("heartbeat 500 ms, gone after 4", ["LIGHTNING_CLUSTER_HEARTBEAT_MS": "500", "LIGHTNING_CLUSTER_GONE_AFTER": "4"], 3000,
             "≤ 3 s (issue 19; the lease is 60 s)"),
            ("defaults: heartbeat 1 s, gone after 6", [:], 8000, "≤ 8 s (gone after 6 s, plus a look and the release)"),
        ]
        for s in settings {
            var samples = Samples()
            var notes: [String] = []
            do {
                for round in 0..<rounds {
                    let (ms, note) = try await once(ctx, pg: pg, redis: redis.url, env: s.env, tag: "\(getpid())_\(round)_\(samples.count)\(s.env.isEmpty ? "d" : "t")")
                    samples.add(.milliseconds(ms))
                    notes.append(note)
                }
                figures.append(.latency(b, "kill -9 → first delivery of the killed daemon handled on another (\(s.label))", samples, ms: true,
                                        goal: .atMost(s.goal, s.goalText),
                                        note: notes.joined(separator: "; ")))
            } catch {
                figures.append(.failed(b, "failover (\(s.label))", "\(error)"))
            }
        }
        await redis.stop()
        return figures
    }

    /// One kill: returns the ms from `kill -9` to the first reply handled on B, and a note.
    private func once(_ ctx: BenchContext, pg: String, redis: String, env: [String: String], tag: String) async throws -> (Int, String) {
        let schema = "bench_failover_\(tag)"
        defer { _ = try? Proc.run("/usr/bin/env", ["psql", pg, "-q", "-c", "DROP SCHEMA IF EXISTS \(schema) CASCADE"]) }
        func config(_ node: String, maxSlowMs: Int) -> String {
            #"{"providers": {"storage": {"plugin": "postgres-storage", "config": {"url": "\#(pg)", "schema": "\#(schema)"}}, "#
                + #""eventbus": {"plugin": "redis-eventbus", "config": {"url": "\#(redis)", "key_prefix": "bench\#(tag):"}}}, "#
                + #""plugin_config": {"echo-driver": {"prefix": "\#(node):", "max_slow_ms": \#(maxSlowMs)}}}"#
        }
        let manifests: (String) -> Bool = { ["postgres-storage.json", "redis-eventbus.json", "echo-driver.json", "sqlite-storage.json", "local-eventbus.json"].contains($0) }
        let environment = env.merging(["LIGHTNING_CLUSTER": "on"]) { $1 }
        let a = try await DaemonProcess.start(ctx: ctx, manifests: manifests, config: config("A", maxSlowMs: 60_000), environment: environment)
        var b: DaemonProcess?
        do {
            let r = try await measure(a: a, startB: {
                let d = try await DaemonProcess.start(ctx: ctx, manifests: manifests, config: config("B", maxSlowMs: 0), environment: environment)
                b = d
                return d
            })
            await a.stop(); await b?.stop()
            return r
        } catch {
            await a.stop(); await b?.stop()
            throw error
        }
    }

    /// A alone takes every event (its handlers wait 60 s); then B starts; `kill -9` of A.
    private func measure(a: DaemonProcess, startB: () async throws -> DaemonProcess) async throws -> (Int, String) {
        let clock = ContinuousClock()
        func until(_ what: String, _ timeout: Duration, _ poll: Duration = .milliseconds(20), _ cond: () async throws -> Bool) async throws {
            let deadline = clock.now + timeout
            while clock.now < deadline {
                if try await cond() { return }
                try await Task.sleep(for: poll)
            }
            throw BenchError("timed out after \(timeout): \(what); A's log:\n\(a.logTail)")
        }
        let n = 20
        // One batch: the router handles a leased batch before it leases again, so A takes them all.
        let batch = (0..<n).map { #"{"type": "echo.slow", "data": {"ms": 60000, "i": \#($0)}}"# }.joined(separator: ", ")
        let r = try await a.request("POST", "/v1/events", body: "[\(batch)]")
        guard r.status == 202 else { throw BenchError("POST /v1/events: HTTP \(r.status) \(r.text)") }
        func held() async throws -> Int {
            let o = try await a.json("/v1/router/stats") as? [String: Any]
            return (((o?["drivers"] as? [String: Any])?["echo-driver"] as? [String: Any])?["in_flight"] as? Int) ?? 0
        }
        try await until("A holds events in flight", .seconds(30), .milliseconds(50)) { try await held() > 0 }
        let bd = try await startB()
        try await until("both nodes alive with a bus owner", .seconds(30), .milliseconds(100)) {
            let nodes = ((try await bd.json("/v1/cluster") as? [String: Any])?["nodes"] as? [[String: Any]]) ?? []
            return nodes.count == 2 && nodes.allSatisfy { ($0["state"] as? String) == "alive" && $0["bus_owner"] is String }
        }
        func replies() async throws -> Int {
            let o = try await bd.json("/v1/events?type=echo.reply&limit=1000") as? [String: Any]
            return Set(((o?["events"] as? [[String: Any]]) ?? []).compactMap { ($0["data"] as? [String: Any])?["i"] as? Int }).count
        }
        var inFlight = 0
        var before = 0
        try await until("every event in flight on A or handled by B", .seconds(30), .milliseconds(50)) {
            inFlight = try await held()
            before = try await replies()
            return inFlight + before == n
        }
        a.proc.signal(SIGKILL)
        let killed = clock.now
        try await until("a delivery of the killed daemon handled on B", .seconds(120)) { try await replies() > before }
        let took = clock.now - killed
        _ = await a.proc.wait(timeout: .seconds(10))
        let ms = Int(took.components.seconds * 1000 + took.components.attoseconds / 1_000_000_000_000_000)
        return (ms, "\(inFlight) in flight on A")
    }
}
