import Foundation
import HostCore
#if canImport(Glibc)
import Glibc
#endif

/// `restart`: crash → ready again after `kill -9` of a supervised child whose first restart is
/// immediate (`backoff.first_restart_immediate`, the default). Each sample uses a fresh child, so
/// every kill is a genuine first restart. Peer: supervisord with autorestart, kill → new pid.
struct RestartBenchmark: Benchmark {
    let name = "restart"
    let summary = "kill -9 → ready again (first restart immediate) vs supervisord autorestart"

    func run(_ ctx: BenchContext) async throws -> [Figure] {
        let b = name
        let testChild = try ctx.requireProduct("lt-test-child")
        let n = ctx.scale(30, quick: 2)
        let minChild = try CBuild.build("min_child.c", output: "min-child", ctx: ctx).path
        let swift = try await Self.killToReady(n: n, ctx: ctx) { Children.spec(testChild, ["well"]) }
        let c = try await Self.killToReady(n: n, ctx: ctx) { Children.spec(minChild, []) }

        var peer: Samples?
        var peerName = "supervisord, autorestart, kill -9 → new pid running"
        var peerNote: String? = "skipped: python3 -c \"import supervisor\" fails (Benchmarks/run.sh installs it with pip)"
        if SupervisordPeer.available {
            do {
                let sup = try SupervisordPeer(ctx: ctx, command: "\(testChild) well")
                peerName = "supervisord \(sup.version), autorestart, kill -9 → new pid running"
                var s = Samples()
                for i in 0..<(ctx.scale(10, quick: 2) + 1) {
                    let pid = try sup.waitChildren(1)[0]
                    usleep(20_000)  // let it settle in RUNNING
                    let d = try sup.killAndTimeRestart(pid)
                    if i >= 1 { s.add(d) }
                }
                await sup.stop()
                peer = s
                peerNote = nil
            } catch { peerNote = "failed: \(error)" }
        }
        let peerRef = Reference.peer(peerName, peer.map { $0.median / 1e6 }, p99: peer.map { $0.p99 / 1e6 }, note: peerNote)
        return [
            .latency(b, "kill -9 → ready again, lt-test-child well (first restart immediate)", swift.toReady, ms: true,
                     references: [.floor("spawn → ready of the same child, this run", swift.spawnReady.median / 1e6, p99: swift.spawnReady.p99 / 1e6), peerRef],
                     goal: .atMost(10, "≤ 10 ms")),
            .latency(b, "kill -9 → ready again, minimal C child (first restart immediate)", c.toReady, ms: true,
                     references: [.floor("spawn → ready of the same child, this run", c.spawnReady.median / 1e6, p99: c.spawnReady.p99 / 1e6), peerRef],
                     goal: .atMost(10, "≤ 10 ms"), note: "Benchmarks/C/min_child.c: the supervisor's part of a restart"),
            .latency(b, "kill -9 → new pid spawned (before the handshake), lt-test-child", swift.toPID, ms: true, references: [peerRef],
                     note: "the same moment supervisord's figure stops at: a new process exists"),
        ]
    }

    /// Fresh child per sample (so every kill is a first restart): even samples time kill → ready
    /// again, odd ones kill → new pid. Also returns each child's spawn → ready.
    static func killToReady(n: Int, ctx: BenchContext, _ makeSpec: () -> ChildSpec) async throws
        -> (toReady: Samples, toPID: Samples, spawnReady: Samples) {
        var toReady = Samples(), toPID = Samples(), spawnReady = Samples()
        for i in 0..<(2 * n + 2) {
            var spec = makeSpec()
            spec.backoff.firstRestartImmediate = true
            let t0 = ContinuousClock.now
            let child = try await Children.start("restart-\(i)", spec, ctx: ctx)
            let startup = ContinuousClock.now - t0
            guard let pid = child.benchmarkPID else { throw BenchError("no pid") }
            if i % 2 == 0 {
                // kill → ready again (handshake done).
                let k0 = ContinuousClock.now
                kill(pid, SIGKILL)
                guard await child.benchmarkWaitReady(replacing: pid, timeout: .seconds(30)) else {
                    let state = child.currentState.rawValue, tail = child.logTail(10).map(\.text).joined(separator: "\n")
                    await child.stop()
                    throw BenchError("restart-\(i) not ready again after kill -9 of pid \(pid) (after \(ContinuousClock.now - k0)): \(state)\n\(tail)")
                }
                if i >= 2 { toReady.add(ContinuousClock.now - k0); spawnReady.add(startup) }
            } else {
                // kill → new process spawned (what supervisord's figure measures).
                let k0 = ContinuousClock.now
                kill(pid, SIGKILL)
                while child.benchmarkPID == pid || child.benchmarkPID == nil {
                    if ContinuousClock.now - k0 > .seconds(30) { throw BenchError("restart-\(i): no new pid") }
                    try await Task.sleep(for: .microseconds(50))
                }
                if i >= 2 { toPID.add(ContinuousClock.now - k0) }
                _ = await child.benchmarkWaitReady(timeout: .seconds(30))
            }
            await child.stop()
        }
        return (toReady, toPID, spawnReady)
    }
}
