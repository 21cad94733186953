import Foundation
import HostCore
import LightningProtocol

/// Supervised children for the benchmarks, started through `BenchmarkHooks` (the daemon's own
/// launcher, epoll I/O thread, JSON-RPC connection and restart policy).
enum Children {
    /// A spec for `command args`, optionally under `taskset -c 0`.
    static func spec(_ command: String, _ args: [String], pinned: Bool = false) -> ChildSpec {
        var s: ChildSpec
        if pinned, let ts = BenchContext.taskset {
            s = ChildSpec(command: ts)
            s.args = ["-c", "0", command] + args
        } else {
            s = ChildSpec(command: command)
            s.args = args
        }
        s.readinessTimeoutMs = 30_000
        s.stopTimeoutMs = 2_000
        return s
    }

    /// Starts a child and waits for its handshake.
    /// - Throws: `BenchError` when it is not ready within 30 s (its last stderr lines attached).
    static func start(_ name: String, _ spec: ChildSpec, kind: String = "agent", ctx: BenchContext) async throws -> SupervisedChild {
        let child = BenchmarkHooks.supervisedChild(name: name, kind: kind, spec: spec, logger: ctx.logger)
        child.start()
        guard await child.benchmarkWaitReady(timeout: .seconds(30)) else {
            let tail = child.logTail(10).map(\.text).joined(separator: "\n")
            await child.stop()
            throw BenchError("\(name) (\(spec.command) \(spec.args.joined(separator: " "))) not ready after 30 s: \(child.currentState.rawValue)\n\(tail)")
        }
        return child
    }

    /// `function.invoke` params for the test child's `echo` function.
    static func echoParams(_ n: Int) -> JSONValue {
        ["function": "echo", "invocation_id": .string("bench-\(n)"), "input": ["text": "hello"], "timeout_ms": 30_000]
    }
}
