import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `cluster` (issue 19, item 9): 1, 2 and 3 real daemons in a cluster (`LIGHTNING_CLUSTER=on`,
/// heartbeat 500 ms, lease 3 s) on one redis-server (the Redis bus: competing consumers) and the
/// PostgreSQL of `LT_POSTGRES_URL` (shared storage, membership), the echo driver on each.
///
/// - **End to end**: K `echo.request` events posted in batches of 100, the batches spread over the
///   nodes in turn; the figure is K divided by the time from the first POST to the moment the
///   nodes' routers have published K `echo.reply` between them (`/v1/router/stats` `emitted`,
///   summed, polled every 20 ms; the echo driver answers each request with one reply and its
///   replies with nothing). Reported, not a goal: on a 2-core machine the daemons share the cores
///   (and with Redis and PostgreSQL), so more daemons is not more capacity here.
/// - **Lease handover** (3 daemons): `kill -9` of the holder of the `singleton` lease → another
///   node reports itself as the holder (`/v1/cluster` `leases`, polled every 20 ms). Bounded by the
///   lease time (3 s here; 15 s by default) plus one renewal interval.
struct ClusterBenchmark: Benchmark {
    let name = "cluster"
    let summary = "cluster: end-to-end events/s with 1, 2 and 3 daemons (Redis bus, PostgreSQL), and lease handover after kill -9"

    func run(_ ctx: BenchContext) async throws -> [Figure] {
        let b = name
        let pg = ProcessInfo.processInfo.environment["LT_POSTGRES_URL"] ?? ""
        guard !pg.isEmpty else {
            return [.skipped(b, "cluster", "LT_POSTGRES_URL is not set (export LT_POSTGRES_URL=$(bash Tests/Fakes/postgres-setup.sh))")]
        }
        let redis: RedisProcess
        do { redis = try await RedisProcess.start() } catch { return [.skipped(b, "cluster", "\(error)")] }
        var figures: [Figure] = []
        let events = ctx.scale(3000, quick: 300)
        for n in 1...3 {
            let tag = "\(getpid())_\(n)"
            do {
                let nodes = try await startNodes(ctx, n, pg: pg, redis: redis.url, tag: tag)
                do {
                    let (rate, note) = try await endToEnd(nodes, events: events)
                    figures.append(Figure(b, "end to end with \(n) daemon\(n == 1 ? "" : "s") (\(events) echo.request in batches of 100)",
                                          unit: "events/s", value: rate, note: note))
                    if n == 3 {
                        var samples = Samples()
                        let (ms, lnote) = try await handover(nodes)
                        samples.add(.milliseconds(ms))
                        figures.append(.latency(b, "lease handover: kill -9 of the singleton holder → another node holds it (lease 3 s)", samples, ms: true,
                                                goal: .atMost(4500, "≤ lease time + one renewal (3 s + 1.5 s)"), note: lnote))
                    }
                } catch {
                    figures.append(.failed(b, "cluster of \(n)", "\(error)"))
                }
                for d in nodes { await d.stop() }
            } catch {
                figures.append(.failed(b, "cluster of \(n)", "\(error)"))
            }
            _ = try? Proc.run("/usr/bin/env", ["psql", pg, "-q", "-c", "DROP SCHEMA IF EXISTS bench_cluster_\(tag) CASCADE"])
        }
        await redis.stop()
        return figures
    }

    private func startNodes(_ ctx: BenchContext, _ n: Int, pg: String, redis: String, tag: String) async throws -> [DaemonProcess] {
        let config = #"{"providers": {"storage": {"plugin": "postgres-storage", "config": {"url": "\#(pg)", "schema": "bench_cluster_\#(tag)"}}, "#
            + #""eventbus": {"plugin": "redis-eventbus", "config": {"url": "\#(redis)", "key_prefix": "benchc\#(tag):"}}}, "drivers": ["echo-driver"]}"#
        let manifests: (String) -> Bool = { ["postgres-storage.json", "redis-eventbus.json", "echo-driver.json", "sqlite-storage.json", "local-eventbus.json"].contains($0) }
        let env = ["LIGHTNING_CLUSTER": "on", "LIGHTNING_CLUSTER_HEARTBEAT_MS": "500", "LIGHTNING_CLUSTER_LEASE_MS": "3000"]
        var nodes: [DaemonProcess] = []
        do {
            for _ in 0..<n { nodes.append(try await DaemonProcess.start(ctx: ctx, manifests: manifests, config: config, environment: env)) }
            try await until("\(n) nodes alive", .seconds(60), .milliseconds(100), nodes[0]) {
                let list = ((try await nodes[0].json("/v1/cluster") as? [String: Any])?["nodes"] as? [[String: Any]]) ?? []
                return list.filter { ($0["state"] as? String) == "alive" }.count == n
            }
        } catch {
            for d in nodes { await d.stop() }
            throw error
        }
        return nodes
    }

    /// Posts `events` echo.request in batches of 100 over the nodes in turn; returns events/s.
    private func endToEnd(_ nodes: [DaemonProcess], events: Int) async throws -> (Double, String) {
        func emitted() async throws -> [Int] {
            var out: [Int] = []
            for d in nodes { out.append(((try await d.json("/v1/router/stats") as? [String: Any])?["emitted"] as? Int) ?? 0) }
            return out
        }
        let base = try await emitted()
        let clock = ContinuousClock()
        let start = clock.now
        var sent = 0
        var i = 0
        while sent < events {
            let k = min(100, events - sent)
            let batch = (0..<k).map { #"{"type": "echo.request", "data": {"i": \#(sent + $0)}}"# }.joined(separator: ", ")
            let r = try await nodes[i % nodes.count].request("POST", "/v1/events", body: "[\(batch)]")
            guard r.status == 202 else { throw BenchError("POST /v1/events: HTTP \(r.status) \(r.text.prefix(300))") }
            sent += k
            i += 1
        }
        var per: [Int] = []
        try await until("\(events) replies published", .seconds(300), .milliseconds(20), nodes[0]) {
            per = zip(try await emitted(), base).map { $0 - $1 }
            return per.reduce(0, +) >= events
        }
        let took = clock.now - start
        let s = Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18
        return (Double(events) / s, "replies per node: \(per.map(String.init).joined(separator: " / ")) (\(per.reduce(0, +) - events) beyond \(events): duplicates)")
    }

    /// Kills the holder of the singleton lease; returns the ms until another node holds it.
    private func handover(_ nodes: [DaemonProcess]) async throws -> (Int, String) {
        func holder(_ d: DaemonProcess) async throws -> (held: Bool, id: String?) {
            let l = (((try await d.json("/v1/cluster") as? [String: Any])?["leases"] as? [[String: Any]]) ?? []).first { ($0["name"] as? String) == "singleton" }
            return ((l?["held"] as? Bool) ?? false, l?["holder"] as? String)
        }
        var holderIndex: Int?
        try await until("one node holds the singleton lease", .seconds(60), .milliseconds(100), nodes[0]) {
            for (i, d) in nodes.enumerated() where try await holder(d).held { holderIndex = i; return true }
            return false
        }
        guard let h = holderIndex else { throw BenchError("no holder") }
        let others = nodes.indices.filter { $0 != h }.map { nodes[$0] }
        let clock = ContinuousClock()
        nodes[h].proc.signal(SIGKILL)
        let killed = clock.now
        var newHolder = 0
        try await until("another node holds the lease", .seconds(60), .milliseconds(20), others[0]) {
            for (i, d) in others.enumerated() where try await holder(d).held { newHolder = i; return true }
            return false
        }
        let took = clock.now - killed
        _ = await nodes[h].proc.wait(timeout: .seconds(10))
        return (Int(took.components.seconds * 1000 + took.components.attoseconds / 1_000_000_000_000_000), "node \(h + 1) killed, node \(nodes.firstIndex { $0 === others[newHolder] }.map { $0 + 1 } ?? 0) took over")
    }

    private func until(_ what: String, _ timeout: Duration, _ poll: Duration, _ d: DaemonProcess, _ cond: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await cond() { return }
            try await Task.sleep(for: poll)
        }
        throw BenchError("timed out after \(timeout): \(what); a node's log:\n\(d.logTail)")
    }
}
