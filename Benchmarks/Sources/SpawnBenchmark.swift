import Foundation
import HostCore
import LightningProtocol
#if canImport(Glibc)
import Glibc
#endif

/// `spawn`: spawn → ready (handshake done) of a plain supervised child, vs posix_spawn of
/// /bin/true to its exit (the floor) and a raw spawn + handshake with no supervisor (the child's
/// own start-up cost).
struct SpawnBenchmark: Benchmark {
    let name = "spawn"
    let summary = "spawn → ready of a supervised child vs posix_spawn of /bin/true"

    func run(_ ctx: BenchContext) async throws -> [Figure] {
        let b = name
        let testChild = try ctx.requireProduct("lt-test-child")
        let n = ctx.scale(60, quick: 5)

        let trueFloor = try measureSync(iterations: ctx.scale(300, quick: 20), warmup: 10) {
            try Proc.spawn("/bin/true", []).waitBlocking()
        }
        let floorRef = Reference.floor("posix_spawn /bin/true → exit", trueFloor.median / 1e6, p99: trueFloor.p99 / 1e6)
        let minChild = try CBuild.build("min_child.c", output: "min-child", ctx: ctx).path
        func raw(_ program: String, _ args: [String]) throws -> Samples {
            var s = Samples()
            for i in 0..<(n + 3) {
                let d = try Self.rawSpawnAndHandshake(program, args)
                if i >= 3 { s.add(d) }
            }
            return s
        }
        let rawSwift = try raw(testChild, ["well"]), rawC = try raw(minChild, [])
        let plain = try await Self.spawnToReady(n: n, warmup: 3, ctx: ctx) { Children.spec(testChild, ["well"]) }
        let plainC = try await Self.spawnToReady(n: n, warmup: 3, ctx: ctx) { Children.spec(minChild, []) }
        // The same spawn with this process (the host) grown by touched memory: an unsandboxed
        // child is launched with clone(CLONE_VM | CLONE_VFORK), which copies no page tables, so
        // the host's size should not show (a fork() grew with it: 1.7 ms from a 34 MB host,
        // 6.6 ms from 115 MB, 2026-11-25).
        let host = Proc.memory(of: getpid())
        let ballastMB = ctx.quick ? 64 : 512
        let ballast = Ballast(megabytes: ballastMB)
        let bigHost = Proc.memory(of: getpid())
        let plainCBig = try await Self.spawnToReady(n: n, warmup: 3, ctx: ctx) { Children.spec(minChild, []) }
        ballast.release()
        let sandboxed = try await sandboxFigures(ctx, n: n, testChild: testChild, minChild: minChild,
                                                 plainSwift: plain.ready, plainC: plainC.ready)
        let hostNote = "the supervisor launches it with clone(CLONE_VM | CLONE_VFORK) from this process: RSS \(host.map { Report.number(Double($0.rssKiB) / 1024) } ?? "?") MB, \(host?.threads ?? 0) threads"
        var figures: [Figure] = [
            .latency(b, "spawn → ready, lt-test-child well (plain, supervised)", plain.ready, ms: true,
                     references: [floorRef, .peer("the same child, posix_spawn + initialize by hand, no supervisor", rawSwift.median / 1e6, p99: rawSwift.p99 / 1e6)],
                     goal: .atMost(3, "≤ 3 ms plain"),
                     note: "the peer is the child's own start-up (exec, the Swift runtime and Foundation — linked in with -static-stdlib in release builds — and ChildKit) without the host"),
            .latency(b, "spawn → ready, minimal C child (plain, supervised)", plainC.ready, ms: true,
                     references: [floorRef, .peer("the same child, posix_spawn + initialize by hand, no supervisor", rawC.median / 1e6, p99: rawC.p99 / 1e6)],
                     goal: .atMost(3, "≤ 3 ms plain"),
                     note: "Benchmarks/C/min_child.c: what the supervisor itself adds to a spawn; \(hostNote)"),
            .latency(b, "spawn → ready, minimal C child (plain), host grown by \(ballastMB) MB", plainCBig.ready, ms: true,
                     references: [.floor("the same spawn from the host at its own size, this run", plainC.ready.median / 1e6, p99: plainC.ready.p99 / 1e6)],
                     note: "this process's RSS \(bigHost.map { Report.number(Double($0.rssKiB) / 1024) } ?? "?") MB during these spawns; sandboxed children are still forked (their namespaces need a process of their own)"),
            .latency(b, "graceful stop of that child (shutdown → exit observed)", plain.stop, ms: true),
        ]
        if let py = BenchContext.python3 {
            let script = ctx.repoRoot.appendingPathComponent("Examples/python/example_function.py").path
            let r = try await Self.spawnToReady(n: ctx.scale(10, quick: 2), warmup: 1, kind: "function", ctx: ctx) { Children.spec(py, ["-u", script]) }
            figures.append(.latency(b, "spawn → ready, Python child (example_function.py)", r.ready, ms: true, references: [floorRef]))
        }
        return figures + sandboxed
    }

    /// Starts `n` fresh supervised children one after the other; times start() → ready and the
    /// graceful stop separately.
    static func spawnToReady(n: Int, warmup: Int, kind: String = "agent", ctx: BenchContext,
                             _ spec: () -> ChildSpec) async throws -> (ready: Samples, stop: Samples) {
        var i = 0
        return try await spawnToReady(n: n, warmup: warmup) {
            i += 1
            return BenchmarkHooks.supervisedChild(name: "spawn-\(i)", kind: kind, spec: spec(), logger: ctx.logger)
        }
    }

    /// Same, for children made by `make` (e.g. from a manifest with a sandbox section).
    static func spawnToReady(n: Int, warmup: Int, _ make: () throws -> SupervisedChild) async throws -> (ready: Samples, stop: Samples) {
        var ready = Samples(), stop = Samples()
        for i in 0..<(n + warmup) {
            let child = try make()
            let t0 = ContinuousClock.now
            child.start()
            guard await child.benchmarkWaitReady(timeout: .seconds(30)) else {
                await child.stop()
                throw BenchError("\(child.name) not ready after 30 s: \(child.currentState.rawValue) (\(child.snapshot.lastExit?.reason ?? "no exit")); \(child.logTail(5).map(\.text).joined(separator: " | "))")
            }
            let t1 = ContinuousClock.now
            await child.stop()
            if i >= warmup { ready.add(t1 - t0); stop.add(ContinuousClock.now - t1) }
        }
        return (ready, stop)
    }

    /// posix_spawn of the test child and `initialize` answered, with no supervisor: returns the
    /// time from before posix_spawn to the answer, then kills and reaps it (not timed).
    static func rawSpawnAndHandshake(_ program: String, _ args: [String]) throws -> Duration {
        let env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "LANG": "C.UTF-8",
                   "LIGHTNING_CHILD_ID": "raw", "LIGHTNING_CHILD_NAME": "raw", "LIGHTNING_CHILD_KIND": "agent",
                   "LIGHTNING_PROTOCOL_VERSION": ChildProtocol.version]
        let t0 = ContinuousClock.now
        let p = try Proc.spawn(program, args, environment: env, stdinPipe: true, stdout: .pipe, stderr: .null)
        p.writeLine(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocol_version":"1.0","host":{"name":"bench","version":"0"},"child":{"id":"raw","kind":"agent","instance":1},"config":{},"max_message_bytes":4194304}}"#)
        var answered = false
        while let line = p.readLineString() {
            if line.contains("\"id\":1") { answered = true; break }
        }
        let d = ContinuousClock.now - t0
        p.closeStdin()
        p.signal(SIGKILL)
        p.waitBlocking()
        guard answered else { throw BenchError("\(program): no answer to initialize") }
        return d
    }

    /// spawn → ready under the `standard` and `strict` sandbox profiles (docs/sandbox.md), the
    /// children made from manifests through the supervisor, as the daemon makes agents.
    func sandboxFigures(_ ctx: BenchContext, n: Int, testChild: String, minChild: String,
                        plainSwift: Samples, plainC: Samples) async throws -> [Figure] {
        let support = SandboxSupport.current
        let dataDir = try ctx.scratch("sandbox-data")
        let manifests = try ctx.scratch("sandbox-manifests")
        // fork() copies the host's page tables: how big the host is matters.
        var figures: [Figure] = []
        // Peer: bubblewrap (Debian's `bubblewrap`) doing the same confinement to the same child,
        // with the handshake done by hand, in the same run.
        var bwrapPeer: Reference?
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/bwrap") {
            let dir = (minChild as NSString).deletingLastPathComponent
            let args = ["--unshare-all", "--die-with-parent", "--uid", "65534", "--gid", "65534",
                        "--ro-bind", "/usr", "/usr", "--ro-bind-try", "/lib", "/lib", "--ro-bind-try", "/lib64", "/lib64",
                        "--ro-bind-try", "/bin", "/bin", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
                        "--ro-bind", dir, dir, minChild]
            do {
                var s = Samples()
                for i in 0..<(max(2, n / 2) + 2) {
                    let d = try Self.rawSpawnAndHandshake("/usr/bin/bwrap", args)
                    if i >= 2 { s.add(d) }
                }
                bwrapPeer = .peer("bubblewrap, same confinement (all namespaces incl. network, read-only binds, /proc, /dev, tmpfs /tmp, uid 65534), handshake by hand",
                                  s.median / 1e6, p99: s.p99 / 1e6)
            } catch {
                figures.append(.skipped(self.name, "bubblewrap peer", "bwrap failed here: \(error)"))
            }
        } else {
            figures.append(.skipped(self.name, "bubblewrap peer", "bwrap is not installed (apt-get install bubblewrap)"))
        }
        for profile in ["standard", "strict"] {
            for (label, program, args, plain) in [("lt-test-child well", testChild, ["well"], plainSwift), ("minimal C child", minChild, [String](), plainC)] {
                let name = "spawn → ready, \(label), sandbox profile \(profile)"
                guard support.profiles[profile]?.available == true else {
                    figures.append(.skipped(self.name, name, "profile \(profile) cannot run here: \(support.profiles[profile]?.reason ?? "not probed")"))
                    continue
                }
                let id = "bench-\(profile)-\(label.hasPrefix("lt") ? "swift" : "c")"
                let file = manifests.appendingPathComponent("\(id).json")
                // The program's folder is shown read-only (the C child is built under the temporary folder).
                let argList = args.map { "\"\($0)\"" }.joined(separator: ", ")
                try """
                    {"manifest_version": 1, "id": "\(id)", "name": "\(id)", "version": "1.0.0", "kind": "agent",
                     "description": "spawn benchmark", "capabilities": ["bench.sandbox.*"],
                     "process": {"command": "\(program)", "args": [\(argList)], "readiness_timeout_ms": 30000, "stop_timeout_ms": 2000},
                     "sandbox": {"profile": "\(profile)", "paths": [{"path": "\((program as NSString).deletingLastPathComponent)", "mode": "ro"}]}}
                    """.write(to: file, atomically: true, encoding: .utf8)
                do {
                    let r = try await Self.spawnToReady(n: max(2, n / 2), warmup: 2) {
                        try BenchmarkHooks.supervisedChild(manifestAt: file, dataDirectory: dataDir, logger: ctx.logger)
                    }
                    figures.append(.latency(self.name, name, r.ready, ms: true,
                                            references: [.floor("the same child without a sandbox, this run", plain.median / 1e6, p99: plain.p99 / 1e6)]
                                                + (profile == "strict" && label == "minimal C child" ? [bwrapPeer].compactMap { $0 } : []),
                                            note: profile == "strict" ? "strict: no network (own network namespace), new root, seccomp, Landlock, limits" : nil))
                } catch {
                    figures.append(.failed(self.name, name, "\(error)"))
                }
            }
        }
        return figures
    }
}

/// Touched anonymous memory that makes this process bigger for a measurement.
final class Ballast {
    private var pointer: UnsafeMutableRawPointer?
    private let size: Int

    init(megabytes: Int) {
        size = megabytes << 20
        let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        pointer = (p == MAP_FAILED) ? nil : p
        // One write per page: every page resident, as a grown heap would be.
        if let pointer { for offset in stride(from: 0, to: size, by: 4096) { pointer.storeBytes(of: 1, toByteOffset: offset, as: UInt8.self) } }
    }

    func release() {
        if let pointer { munmap(pointer, size) }
        pointer = nil
    }
}
