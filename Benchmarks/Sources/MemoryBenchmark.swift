import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `memory`: the daemon's resident memory idle (VmRSS of the running `lightning serve`), and with
/// N agents (`lt-test-child well`) under its supervisor: the host-side cost per child. Floor: the
/// RSS of a minimal Swift child (the test child itself). Peer: supervisord running N copies.
struct MemoryBenchmark: Benchmark {
    let name = "memory"
    let summary = "daemon RSS idle and with N supervised children"

    func run(_ ctx: BenchContext) async throws -> [Figure] {
        let b = name
        let testChild = try ctx.requireProduct("lt-test-child")
        let agents = ctx.scale(10, quick: 3)
        let settle = ctx.duration(.seconds(2), quick: .milliseconds(300))
        func mb(_ kib: Int) -> Double { Double(kib) / 1024 }

        // Floor: one bare Swift child process (Foundation + ChildKit), answering the handshake.
        let swiftFloor = try await Self.childRSS(testChild)

        // Idle daemon: the shipped providers and drivers, no agents.
        let idle = try await DaemonProcess.start(ctx: ctx)
        try await Task.sleep(for: settle)
        let idleMem = Proc.memory(of: idle.pid)
        await idle.stop()
        guard let idleMem else { throw BenchError("cannot read /proc/\(idle.pid)/status") }

        // The daemon with N agents.
        var extra: [String: String] = [:]
        for i in 0..<agents {
            extra["bench-agent-\(i).json"] = """
                {"manifest_version": 1, "id": "bench-agent-\(i)", "name": "bench agent \(i)", "version": "1.0.0", "kind": "agent",
                 "description": "lt-test-child well, for the memory benchmark", "capabilities": ["bench.agent\(i).*"],
                 "process": {"command": "\(testChild)", "args": ["well"], "restart": "permanent", "readiness_timeout_ms": 30000}}
                """
        }
        let busy = try await DaemonProcess.start(ctx: ctx, extraManifests: extra)
        var ready = 0
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let procs = (try await busy.json("/v1/processes") as? [String: Any])?["processes"] as? [[String: Any]] ?? []
            ready = procs.filter { ($0["state"] as? String) == "ready" }.count
            if ready >= agents { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        try await Task.sleep(for: settle)
        let busyMem = Proc.memory(of: busy.pid)
        let kids = Proc.children(of: busy.pid)
        let kidsMem = kids.compactMap { Proc.memory(of: $0) }
        let kidsRSS = kidsMem.map(\.rssKiB)
        await busy.stop()
        guard let busyMem, ready >= agents else {
            throw BenchError("only \(ready) of \(agents) agents became ready; daemon log:\n\(busy.logTail)")
        }
        let perChild = mb(busyMem.rssKiB - idleMem.rssKiB) / Double(agents)
        let childAvg = kidsRSS.isEmpty ? nil : mb(kidsRSS.reduce(0, +)) / Double(kidsRSS.count)

        // Peer: supervisord with 1 and with N programs.
        var supOne: Int?, supN: Int?, supVersion = ""
        var supNote: String? = "skipped: python3 -c \"import supervisor\" fails (Benchmarks/run.sh installs it with pip)"
        if SupervisordPeer.available {
            do {
                for count in [1, agents] {
                    let sup = try SupervisordPeer(ctx: ctx, command: "\(testChild) well", programs: count)
                    supVersion = sup.version
                    _ = try sup.waitChildren(count)
                    try await Task.sleep(for: settle)
                    let m = Proc.memory(of: sup.proc.pid)?.rssKiB
                    await sup.stop()
                    if count == 1 { supOne = m } else { supN = m }
                }
                supNote = nil
            } catch { supNote = "failed: \(error)" }
        }
        let supPerChild = zip2(supOne, supN).map { mb($0.1 - $0.0) / Double(max(1, agents - 1)) }

        return [
            Figure(b, "daemon idle RSS (shipped providers and drivers, no agents)", unit: "MB", value: mb(idleMem.rssKiB),
                   references: [.floor("a bare Swift child process (lt-test-child well)", swiftFloor.map(mb)),
                                .peer("supervisord \(supVersion) with 1 program", supOne.map(mb), note: supNote)],
                   goal: .atMost(20, "≤ 20 MB"),
                   note: "\(idleMem.threads) threads; of the RSS \(Report.number(mb(idleMem.fileKiB))) MB are file-backed pages (the binary and shared libraries) and \(Report.number(mb(idleMem.anonKiB))) MB anonymous; PSS \(Report.number(mb(idleMem.pssKiB))) MB"),
            Figure(b, "daemon RSS with \(agents) supervised agents", unit: "MB", value: mb(busyMem.rssKiB),
                   references: [.peer("supervisord \(supVersion) with \(agents) programs", supN.map(mb), note: supNote)],
                   note: "\(busyMem.threads) threads; \(kids.count) children; anonymous \(Report.number(mb(busyMem.anonKiB))) MB (idle: \(Report.number(mb(idleMem.anonKiB))) MB)"),
            Figure(b, "host-side RSS per supervised child", unit: "MB", value: perChild,
                   references: [.peer("supervisord, per extra program", supPerChild, note: supNote)],
                   note: "(RSS with \(agents) agents − idle RSS) / \(agents); includes the router consumer of each agent"),
            Figure(b, "RSS of each child process (lt-test-child well)", unit: "MB", value: childAvg,
                   references: [.floor("the same child started bare", swiftFloor.map(mb))],
                   note: kidsMem.isEmpty ? nil : "PSS \(Report.number(mb(kidsMem.map(\.pssKiB).reduce(0, +)) / Double(kidsMem.count))) MB each: most of the RSS is shared library pages"),
        ]
    }

    /// VmRSS (KiB) of `lt-test-child well` after its handshake, started bare.
    static func childRSS(_ program: String) async throws -> Int? {
        let p = try Proc.spawn(program, ["well"], environment: ["PATH": "/usr/bin:/bin", "LIGHTNING_CHILD_ID": "mem", "LIGHTNING_CHILD_KIND": "agent"],
                               stdinPipe: true, stdout: .pipe, stderr: .null)
        p.writeLine(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocol_version":"1.0","host":{"name":"bench","version":"0"},"child":{"id":"mem","kind":"agent","instance":1},"config":{},"max_message_bytes":4194304}}"#)
        _ = await onThread("bench.mem") { p.readLine() }
        try await Task.sleep(for: .milliseconds(200))
        let rss = Proc.memory(of: p.pid)?.rssKiB
        p.closeStdin()
        p.signal(SIGKILL)
        _ = await p.wait(timeout: .seconds(5))
        return rss
    }
}

private func zip2<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
