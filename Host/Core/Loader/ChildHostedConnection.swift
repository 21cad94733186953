public import Foundation
public import LightningProtocol
public import Logging

/// A `ProviderConnection` to a plugin instance isolated in a child process: `lightning
/// plugin-host` (`PluginChildHost`) running under the supervisor, reached over the child's
/// JSON-RPC stdio connection (docs/plugin-abi.md#isolation-tiers).
///
/// ```
///  slot.call(m, p) ──▶ ChildHostedConnection.call ──▶ SupervisedChild (ready?) ──▶ RPCConnection ──stdin──▶ plugin-host
///                                                     │ not ready: wait for the restart                       │ lt_plugin_v1.call
///  result / WireError ◀──────────────────────────────────────────────── stdout ◀──────────────────────────────┘
/// ```
///
/// A call made while the child restarts waits for it to be ready again (up to its readiness
/// timeout) and goes to the new instance; a call in flight when the child dies fails with
/// `.unavailable` (the plugin may or may not have done the work). `close()` stops new calls,
/// waits for those in flight, then stops the child (`shutdown` → the instance's `destroy` → exit).
///
/// Threading: `call` may be used from many tasks at once.
public final class ChildHostedConnection: ProviderConnection {
    public let label: String
    /// The supervised `plugin-host` process.
    public let child: SupervisedChild
    let callTimeout: Duration
    private let onClose: @Sendable () async -> Void
    private let drain = CallDrain()

    /// - Parameters:
    ///   - callTimeout: the longest a single call may take before it fails with `.timeout` (the
    ///     child is sent `$/cancel` and keeps running; heartbeats catch a hung child).
    ///   - onClose: stops and forgets the child (the daemon removes it from its supervisor).
    init(child: SupervisedChild, callTimeout: Duration, onClose: @escaping @Sendable () async -> Void) {
        self.child = child; self.callTimeout = callTimeout; self.onClose = onClose
        self.label = "plugin \(child.manifestId) (process \(child.name))"
    }

    public func call(_ method: String, _ params: Data) async throws -> Data {
        guard drain.enter() else { throw WireError(.unavailable, "\(label) is closed") }
        defer { drain.leave() }
        let p: JSONValue = params.isEmpty ? .object([:]) : try Wire.decode(JSONValue.self, from: params, what: "params of \(method)")
        if child.currentState != .ready {
            guard await child.waitReady(timeout: .milliseconds(child.spec.readinessTimeoutMs)) else {
                throw WireError(.unavailable, "\(label) is not ready (state \(child.currentState.rawValue))")
            }
        }
        return try Wire.encode(try await child.call(method, p, timeout: callTimeout))
    }

    public func close() async {
        guard await drain.closeAndDrain() else { return }
        await onClose()
    }

    /// The child's pid while it runs.
    public var pid: Int32? { child.snapshot.pid }

    /// Waits for the child's first run to become ready.
    /// - Throws: `HostError(.configInvalid)` when the plugin refused its config;
    ///   `HostError(.providerUnavailable)` with the reason of the first exit otherwise (a library
    ///   the child host refused, a crash in `create`), or when it is not ready within its
    ///   readiness timeout.
    func waitFirstReady(subject: String) async throws {
        // Woken by the first ready or the first exit (no polling).
        _ = await child.runtime.wait(for: .milliseconds(child.spec.readinessTimeoutMs + 2000)) { r in
            r.machine.state == .ready || r.lastExit != nil || r.machine.state == .failed || r.machine.state == .stopped
        }
        let snap = child.snapshot
        if snap.state == .ready { return }
        if let exit = snap.lastExit {
            let tail = exit.stderrTail.suffix(3).joined(separator: " | ")
            // The child host answers `initialize` with invalid_argument for a refused config:
            // the same error (and HTTP status) as in-process.
            let code: HostError.Code = exit.reason.hasPrefix("handshake failed: \(WireError.Code.invalidArgument.rawValue):")
                ? .configInvalid : .providerUnavailable
            throw HostError(code, subject: subject,
                            "the plugin host process did not start: \(exit.reason)\(tail.isEmpty ? "" : " (stderr: \(tail))")")
        }
        throw HostError(.providerUnavailable, subject: subject,
                        "the plugin host process was not ready within \(child.spec.readinessTimeoutMs) ms (state \(child.currentState.rawValue))")
    }
}

extension ChildHostedConnection {
    /// Starts `lightning plugin-host` for a library outside any daemon (tests, benchmarks): a
    /// supervised child of its own, permanent restart policy, no sandbox. Returns at once; the
    /// first call waits for the child to be ready.
    /// - Parameters:
    ///   - executable: the `lightning` binary.
    ///   - library: the plugin library; `id` and `version`, when given, must match what it reports.
    ///   - config: the instance config (the child passes it to `create`).
    ///   - services: answers the plugin's host calls (`log`, `events.emit`, `storage.*`, ...);
    ///     nil: they fail with `.unavailable`.
    public static func launch(executable: URL, library: URL, id: String, version: String? = nil, config: JSONValue,
                              services: (any HostServices)? = nil, name: String? = nil,
                              callTimeout: Duration = .seconds(300), readinessTimeoutMs: Int? = nil,
                              logger: Logger = Logger(label: "lt.supervisor")) -> ChildHostedConnection {
        var spec = ChildSpec(command: executable.path)
        if let readinessTimeoutMs { spec.readinessTimeoutMs = readinessTimeoutMs }
        spec.args = PluginChildHost.arguments(manifest: nil, library: library, id: id, version: version, sha256: nil)
        spec.restart = .permanent
        let childName = name ?? "plugin:\(id)#\(PluginChildHost.nextInstance())"
        let env = Supervisor.environment(spec: spec, id: id, name: childName, kind: "provider")
        let child = SupervisedChild(name: childName, manifestId: id, kind: "provider", spec: spec, program: executable.path,
                                    arguments: spec.args, environment: env, config: config,
                                    services: .init(host: services ?? UnavailableHostServices(), publish: { _ in }), logger: logger)
        child.start()
        return ChildHostedConnection(child: child, callTimeout: callTimeout, onClose: { await child.stop() })
    }
}

/// Host services for a plugin with no daemon behind it: every call fails with `.unavailable`.
struct UnavailableHostServices: HostServices {
    func call(method: String, params: Data, caller: String) async throws -> Data {
        throw WireError(.unavailable, "host services are not ready yet")
    }
    func emit(events: [Event], caller: String) async throws {
        throw WireError(.unavailable, "host services are not ready yet")
    }
}
