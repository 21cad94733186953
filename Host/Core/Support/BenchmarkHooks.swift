public import Foundation
public import LightningProtocol
public import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Public entry points into the supervisor for the benchmark suite (`lightning-bench`,
/// docs/benchmarks.md), which is an executable and cannot `@testable import HostCore`.
///
/// They expose the real host-side path (the launcher thread, the epoll I/O thread, the JSON-RPC
/// connection, the restart policy) without a daemon around it: nothing here is a second
/// implementation, and nothing else in the host uses it.
public enum BenchmarkHooks {
    /// A supervised child built from `spec` (not started): the same object the daemon makes for an
    /// agent or function manifest. `spec.command` must be an absolute path to an executable.
    ///
    /// The child's requests to the host (`storage.*`, `events.emit`, ...) are refused with
    /// `unsupported`; `config.get` answers `config`; `process.*` events are dropped.
    /// - Parameters:
    ///   - name: the child's name and manifest id.
    ///   - kind: `agent` or `function` (sent in `initialize`).
    public static func supervisedChild(name: String, kind: String = "agent", spec: ChildSpec,
                                       config: JSONValue = .object([:]), logger: Logger) -> SupervisedChild {
        SupervisedChild(name: name, manifestId: name, kind: kind, spec: spec, program: spec.command, arguments: spec.args,
                        environment: Supervisor.environment(spec: spec, id: name, name: name, kind: kind), config: config,
                        services: .init(host: RefusingHost(), publish: { _ in }), logger: logger)
    }

    /// A supervised child made from an agent or function manifest file exactly as the daemon
    /// makes it (`Supervisor.makeChild`: the process section, program resolution, the sandbox
    /// section completed with a scratch folder under `dataDirectory`, refusal of a profile this
    /// kernel cannot run). Not started.
    /// - Throws: `HostError` as the supervisor reports it (`manifest_invalid`, `provider_unavailable`).
    public static func supervisedChild(manifestAt url: URL, dataDirectory: URL, logger: Logger) throws -> SupervisedChild {
        let manifest = try ManifestParser.parse(fileAt: url)
        let supervisor = Supervisor(services: .init(host: RefusingHost(), publish: { _ in }), programDirs: [],
                                    dataDirectory: dataDirectory, logger: logger)
        return try supervisor.makeChild(manifest, config: [:])
    }

    /// Host services that answer nothing (the benchmarks' children call no host method).
    struct RefusingHost: HostServices {
        func call(method: String, params: Data, caller: String) async throws -> Data {
            throw WireError(.unsupported, "benchmark host: no \(method)")
        }
        func emit(events: [Event], caller: String) async throws {
            throw WireError(.unsupported, "benchmark host: no events.emit")
        }
    }
}

extension SupervisedChild {
    /// Waits until the child is ready (handshake done) or `timeout` passes; returns whether it is.
    public func benchmarkWaitReady(timeout: Duration) async -> Bool {
        await waitReady(timeout: timeout)
    }

    /// Waits until the child is ready again under a pid other than `pid` (after a kill), or
    /// `timeout` passes (waits on the transition itself: no polling).
    public func benchmarkWaitReady(replacing pid: Int32, timeout: Duration) async -> Bool {
        // A new pid, not none: between the old process's end and `markExited` the state is still
        // `ready` with no pid.
        await runtime.wait(for: timeout) { r in
            (r.machine.state == .ready && r.pid != nil && r.pid != pid) || r.machine.state == .failed || r.machine.state == .stopped
        }
        return runtime.read { $0.machine.state == .ready && $0.pid != nil && $0.pid != pid }
    }

    /// Sends a JSON-RPC request to the ready child through its supervised connection.
    /// - Throws: `WireError` (`unavailable` when not ready, `timeout`, or the child's error).
    public func benchmarkCall(_ method: String, _ params: JSONValue?, timeout: Duration) async throws -> JSONValue {
        try await call(method, params, timeout: timeout)
    }

    /// The pid of the running process, if any (set at spawn, before the handshake).
    public var benchmarkPID: Int32? { runtime.read { $0.pid } }
}
