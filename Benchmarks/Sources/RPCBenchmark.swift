import Foundation
import HostCore
import LightningProtocol
#if canImport(Glibc)
import Glibc
#endif

/// `rpc`: JSON-RPC round trips host → child → host through Lightning's own host side (the
/// supervisor's connection, the epoll I/O thread), to a Swift child (`lt-test-child well`) and
/// a Python child (`Examples/python/example_function.py`); pinned to CPU 0 and not. Floor: a C
/// pipe ping-pong. Peer: the MCP Python SDK echo server over stdio, when `import mcp` works.
struct RPCBenchmark: Benchmark {
    let name = "rpc"
    let summary = "JSON-RPC round trips to Swift and Python children vs a C pipe ping-pong and MCP"

    /// Each request's timeout. The host keeps one sleeping task per request until its timeout
    /// passes (answered or not), so this is short, and `run` waits it out at the end: otherwise
    /// those timers would fire during the next benchmark.
    static let timeout = Duration.seconds(3)

    struct Mode { let pinned: Bool; var label: String { pinned ? "pinned to CPU 0" : "unpinned" } }

    func run(_ ctx: BenchContext) async throws -> [Figure] {
        let n = ctx.scale(10_000, quick: 200)
        let nPy = ctx.scale(3_000, quick: 100)
        let nMCP = ctx.scale(1_000, quick: 50)
        let window = 64
        let pipelined = ctx.scale(40_000, quick: 1_000)
        let b = name
        var figures: [Figure] = []

        // Floor: C ping-pong with a message the size of a `$/ping` request line.
        let pingpong = try CBuild.build("pingpong.c", output: "pingpong", ctx: ctx)
        func floor(_ pin: Int, window w: Int, count: Int) throws -> [String: Double] {
            let r = try Proc.run(pingpong.path, ["\(count)", "\(pin)", "\(w)", "64"])
            guard r.status == 0, let line = r.output.split(separator: "\n").first else { throw BenchError("pingpong failed: \(r.output)") }
            return CBuild.fields(line)
        }
        let floorCount = ctx.scale(50_000, quick: 2_000)
        func floorRef(_ pin: Int, _ label: String) throws -> Reference {
            let f = try floor(pin, window: 1, count: floorCount)
            return .floor("C pipe ping-pong, 64 B, \(label)", (f["median_ns"] ?? 0) / 1e3, p99: (f["p99_ns"] ?? 0) / 1e3)
        }
        let floorPinned = try floorRef(1, "both on CPU 0")
        let floorSplit = try floorRef(2, "CPU 0 ↔ CPU 1")
        let floorFree = try floorRef(0, "scheduler decides")
        let floorRate = try floor(0, window: window, count: pipelined * 5)["rate"]
        let minChild = try CBuild.build("min_child.c", output: "min-child", ctx: ctx)

        let testChild = try ctx.requireProduct("lt-test-child")
        let mcp = MCPPeer.available
        let mcpNote = "skipped: python3 -c \"import mcp\" fails (Benchmarks/run.sh installs it with pip)"
        let pyScript = ctx.repoRoot.appendingPathComponent("Examples/python/example_function.py").path

        for mode in [Mode(pinned: false), Mode(pinned: true)] {
            if mode.pinned { Affinity.pinProcess(to: [0]) }
            defer { if mode.pinned { Affinity.unpinProcess() } }
            // Unpinned, the host's and the child's threads end up on both CPUs: the fair floor is
            // the cross-CPU ping-pong; the scheduler-decided one is shown too.
            let floors = mode.pinned ? [floorPinned] : [floorSplit, floorFree]
            let floorRef = floors[0]

            // Minimal C child: the host side alone.
            let cChild = try await Children.start("bench-c", Children.spec(minChild.path, [], pinned: mode.pinned), ctx: ctx)
            let cUsage0 = Usage.now()
            let cPing = try await measure(iterations: n, warmup: n / 10) {
                _ = try await cChild.benchmarkCall(ChildProtocol.ping, .object([:]), timeout: Self.timeout)
            }
            let cUsage = Usage.now().per(n + n / 10, since: cUsage0)
            await cChild.stop()

            // Swift child.
            let child = try await Children.start("bench-swift", Children.spec(testChild, ["well"], pinned: mode.pinned), ctx: ctx)
            let pingUsage0 = Usage.now()
            let ping = try await measure(iterations: n, warmup: n / 10) {
                _ = try await child.benchmarkCall(ChildProtocol.ping, .object([:]), timeout: Self.timeout)
            }
            let pingUsage = Usage.now().per(n + n / 10, since: pingUsage0)
            var k = 0
            let echoUsage0 = Usage.now()
            let echo = try await measure(iterations: n, warmup: n / 10) {
                k += 1
                _ = try await child.benchmarkCall(ChildProtocol.invoke, Children.echoParams(k), timeout: Self.timeout)
            }
            let echoUsage = Usage.now().per(n + n / 10, since: echoUsage0)
            var piped: Double?
            var pipedNote: String?
            if !mode.pinned {
                let rss0 = Proc.memory(of: getpid())?.rssKiB ?? 0
                let clock = ContinuousClock()
                let t0 = clock.now
                try await withThrowingTaskGroup(of: Void.self) { g in
                    for w in 0..<window {
                        g.addTask {
                            for i in 0..<(pipelined / window) {
                                _ = try await child.benchmarkCall(ChildProtocol.invoke, Children.echoParams(w * 1_000_000 + i), timeout: Self.timeout)
                            }
                        }
                    }
                    try await g.waitForAll()
                }
                piped = rate(pipelined / window * window, clock.now - t0)
                let rss1 = Proc.memory(of: getpid())?.rssKiB ?? 0
                pipedNote = "this process's RSS grew by \(Report.number(Double(rss1 - rss0) / 1024)) MB during the run (one timeout task per request stays alive until its timeout)"
            }
            await child.stop()

            // Python child.
            var pyPing: Samples?
            var pyNote: String?
            if let py = BenchContext.python3 {
                do {
                    let pyChild = try await Children.start("bench-python", Children.spec(py, ["-u", pyScript], pinned: mode.pinned), kind: "function", ctx: ctx)
                    pyPing = try await measure(iterations: nPy, warmup: nPy / 10) {
                        _ = try await pyChild.benchmarkCall(ChildProtocol.ping, .object([:]), timeout: Self.timeout)
                    }
                    await pyChild.stop()
                } catch { pyNote = "failed: \(error)" }
            } else { pyNote = "skipped: python3 not found" }

            // Peer: MCP Python SDK.
            var mcpPing: Samples?, mcpEcho: Samples?, mcpRate: Double?
            var peerNote: String? = mcp ? nil : mcpNote
            if mcp {
                do {
                    let peer = try MCPPeer(ctx: ctx, pinned: mode.pinned)
                    mcpPing = try measureSync(iterations: nMCP, warmup: nMCP / 10) { try peer.ping() }
                    mcpEcho = try measureSync(iterations: nMCP, warmup: nMCP / 10) { try peer.echo() }
                    if !mode.pinned {
                        let count = ctx.scale(4_000, quick: 200)
                        mcpRate = rate(count, try peer.pipelinedEcho(count: count, window: window))
                    }
                    await peer.stop()
                } catch { peerNote = "failed: \(error)" }
            }
            let mcpEchoRef = Reference.peer("MCP Python SDK, tools/call echo, \(mode.label)", mcpEcho.map { $0.median / 1e3 },
                                            p99: mcpEcho.map { $0.p99 / 1e3 }, note: peerNote)
            let mcpPingRef = Reference.peer("MCP Python SDK, ping, \(mode.label)", mcpPing.map { $0.median / 1e3 },
                                            p99: mcpPing.map { $0.p99 / 1e3 }, note: peerNote)

            figures.append(.latency(b, "minimal C child $/ping (host side alone), \(mode.label)", cPing, references: floors,
                                    note: "Benchmarks/C/min_child.c answers without parsing JSON: what remains is Lightning's host side; \(cUsage)"))
            figures.append(.latency(b, "Swift child $/ping, \(mode.label)", ping, references: floors,
                                    goal: .withinFloor(2, "≤ 2× floor"), note: pingUsage))
            figures.append(.latency(b, "Swift child function.invoke echo, \(mode.label)", echo, references: [floorRef, mcpEchoRef],
                                    goal: .withinFloor(2, "≤ 2× floor"), note: echoUsage))
            figures.append(.latency(b, "Swift child echo vs MCP echo tool, \(mode.label)", echo, references: [mcpEchoRef],
                                    goal: .fasterThanPeer(10, "≥ 10× faster than MCP")))
            if let pyPing {
                figures.append(.latency(b, "Python child $/ping, \(mode.label)", pyPing, references: [floorRef, mcpPingRef],
                                        note: "Lightning's stdlib Python SDK vs the MCP Python SDK: same language, same kind of request"))
            } else {
                figures.append(.skipped(b, "Python child $/ping, \(mode.label)", pyNote ?? "skipped"))
            }
            if let piped {
                figures.append(Figure(b, "Swift child function.invoke echo, \(window) in flight", unit: "req/s", value: piped,
                                      references: [.floor("C pipe ping-pong, \(window) in flight", floorRate),
                                                   .peer("MCP Python SDK, echo tool, \(window) in flight", mcpRate, note: mcp ? nil : mcpNote)],
                                      note: pipedNote))
            }
        }
        // Let every request's timeout task expire before the next benchmark starts.
        try await Task.sleep(for: Self.timeout + .milliseconds(500))
        return figures
    }

    /// `--ping-loop`: $/ping to the minimal C child, pinned to CPU 0, for `seconds` (profiling).
    static func pingLoop(_ ctx: BenchContext, seconds: Double) async throws -> Int {
        let minChild = try CBuild.build("min_child.c", output: "min-child", ctx: ctx)
        Affinity.pinProcess(to: [0])
        defer { Affinity.unpinProcess() }
        let child = try await Children.start("bench-c", Children.spec(minChild.path, [], pinned: true), ctx: ctx)
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        var n = 0
        while ContinuousClock.now < end {
            _ = try await child.benchmarkCall(ChildProtocol.ping, .object([:]), timeout: Self.timeout)
            n += 1
        }
        await child.stop()
        return n
    }
}
