import CHostShims
import Foundation
import LightningProtocol
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// One supervised child program: spawns it, does the handshake, keeps it alive by its restart
/// policy, stops it gracefully, and records every transition (docs/supervision.md).
///
/// ```
///  starting ──handshake──▶ ready ──exit──▶ exited ──policy──▶ backoff ──delay──▶ starting
///      │                     │                 └──no restart──▶ stopped | failed
///      └──────stop()─────────┴──▶ stopping ──▶ stopped
/// ```
/// The decisions (restart or not, after what delay, when to give up, whether a handshake answer
/// may be announced, the steps of a stop) are `ChildStateMachine`'s; this type carries them out.
/// The supervise loop runs in its owner's task group (`LoopOwner`: the `Supervisor` service in
/// the daemon); each run's handshake, exit wait, heartbeats and wall clock are child tasks of
/// one task group. A kill for cause (readiness timeout, heartbeat timeout, protocol violation,
/// stdin stall) records the reason with the exit. The whole process group is killed after every
/// exit, so grandchildren never outlive their parent.
public final class SupervisedChild: Sendable {
    public let name: String
    public let manifestId: String
    public let kind: String
    let spec: ChildSpec
    let program: String
    let arguments: [String]
    let environment: [String: String]
    let config: JSONValue
    let logger: Logger
    let services: ChildServices
    let owner: LoopOwner
    /// Everything that changes, behind one lock; waiters (readiness, exit, backoff) watch it.
    let runtime: Watched<Runtime>

    /// What the child's host-side needs from the daemon.
    struct ChildServices: Sendable {
        /// Answers the child's requests (`events.emit`, `storage.*`, `config.get`, ...).
        var host: any HostServices
        /// Publishes `process.*` events (best effort).
        var publish: @Sendable ([Event]) async -> Void
        /// The supervisor's cgroups, when children are limited with cgroups (set by the supervisor).
        var cgroups: ChildCgroups? = nil
    }

    struct Runtime: Sendable {
        var machine: ChildStateMachine
        var pid: pid_t?
        var pipes: ProcessIO.Pipes?
        var connection: RPCConnection?
        var startedAt: Timestamp?
        var readyAt: Timestamp?
        var lastExit: ProcessExit?
        var transitions: [ProcessTransition] = []
        var log = LogRing(capacity: 1000)
        /// The exit of the current run, once the I/O thread saw it.
        var exitStatus: ExitStatus?
        /// Lines on stdout that were not JSON-RPC (each also in the log), over every run.
        var malformedLines = 0
        var progress: @Sendable (ProgressParams) -> Void = { _ in }
        /// The operator command in progress (`operate`), if any.
        var operatorCommand: OperatorCommand?
        /// Copies of `log` notifications into the daemon's log in the current second.
        var mirrorWindow = ContinuousClock.now
        var mirrored = 0
        var unmirrored = 0

        var generation: Int { machine.generation }
    }

    init(name: String, manifestId: String, kind: String, spec: ChildSpec, program: String, arguments: [String],
         environment: [String: String], config: JSONValue, services: ChildServices, owner: LoopOwner = .standalone,
         logger: Logger) {
        self.name = name; self.manifestId = manifestId; self.kind = kind; self.spec = spec; self.program = program
        self.arguments = arguments; self.environment = environment; self.config = config; self.services = services
        self.owner = owner; self.logger = logger
        runtime = Watched(Runtime(machine: ChildStateMachine(spec: spec)))
    }

    // MARK: Control

    /// Starts supervising (no-op when already running).
    public func start() { start(resettingRestarts: true) }

    func start(resettingRestarts: Bool) {
        let begin = runtime.update { $0.machine.start(resettingRestarts: resettingRestarts) }
        guard begin else { return }
        owner.supervise(self)
    }

    /// Stops gracefully: `shutdown` → `exit` → SIGTERM to the group → SIGKILL, each after
    /// `stop_timeout_ms`. Returns when the child is gone and its loop has ended, or when a later
    /// `start` wants it up again (that start supersedes this stop: never a hang).
    public func stop() async {
        runtime.update { $0.machine.stop() }
        await gracefulStop()
        _ = await runtime.wait { !$0.machine.looping || $0.machine.want == .up }
    }

    /// What an operator may ask of a child (`/v1/processes/{name}/…`, `lightning restart|stop|start`).
    public enum OperatorCommand: String, Sendable { case restart, stop, start }

    /// Runs an operator command, one at a time per child: a second command while one runs is
    /// refused with `conflict` (409) instead of racing it. `restart` and `start` wait up to the
    /// readiness timeout for the child to be ready.
    /// - Throws: `WireError(.conflict)` naming the command in progress.
    public func operate(_ command: OperatorCommand) async throws {
        let busy = runtime.update { r -> OperatorCommand? in
            if let b = r.operatorCommand { return b }
            r.operatorCommand = command
            return nil
        }
        if let busy { throw WireError(.conflict, "\(name): a \(busy.rawValue) is in progress; try again when it ends") }
        defer { runtime.update { $0.operatorCommand = nil } }
        switch command {
        case .restart:
            await restart()
            _ = await waitReady(timeout: .milliseconds(spec.readinessTimeoutMs))
        case .stop:
            await stop()
        case .start:
            start()
            _ = await waitReady(timeout: .milliseconds(spec.readinessTimeoutMs))
        }
    }

    /// Stops (gracefully) and starts again; the restart counter is kept.
    public func restart() async {
        await stop()
        runtime.update { $0.machine.countManualRestart() }
        start(resettingRestarts: false)
    }

    /// Kills the running process with a reason (recorded with its exit); the policy decides what next.
    func kill(reason: String, fatal: Bool = false) {
        let pid = runtime.update { r -> pid_t? in
            r.machine.kill(reason: reason, fatal: fatal)
            return r.pid
        }
        if let pid { _ = lt_kill_group(pid, SIGKILL) }
    }

    /// Waits until the child is ready, it is stopped or given up, or `timeout` passes (each caller
    /// its own deadline); returns whether it is ready.
    func waitReady(timeout: Duration) async -> Bool {
        // Also ends when no loop runs any more (stopped, failed, or a temporary child that ended).
        await runtime.wait(for: timeout) { r in
            r.machine.state == .ready || r.machine.want == .down || !r.machine.looping
        }
        return currentState == .ready
    }

    /// Sends a request to the ready child.
    /// - Throws: `WireError(.unavailable)` when it is not ready, else the child's error.
    func call(_ method: String, _ params: JSONValue?, timeout: Duration) async throws -> JSONValue {
        let (connection, st) = runtime.read { ($0.machine.state == .ready ? $0.connection : nil, $0.machine.state) }
        guard let connection else { throw WireError(.unavailable, "\(name) is not ready (state \(st.rawValue))") }
        return try await connection.request(method, params, timeout: timeout)
    }

    /// Sends a request with typed params (encoded straight into the line) to the ready child.
    func call<P: Encodable & Sendable>(_ method: String, params: P, timeout: Duration) async throws -> JSONValue {
        let (connection, st) = runtime.read { ($0.machine.state == .ready ? $0.connection : nil, $0.machine.state) }
        guard let connection else { throw WireError(.unavailable, "\(name) is not ready (state \(st.rawValue))") }
        return try await connection.request(method, params: params, timeout: timeout)
    }

    /// Sends a request with typed params to the ready child and decodes its result as `R`
    /// straight from the response's line.
    func call<P: Encodable & Sendable, R: Decodable>(_ method: String, params: P, as: R.Type, timeout: Duration) async throws -> R {
        let (connection, st) = runtime.read { ($0.machine.state == .ready ? $0.connection : nil, $0.machine.state) }
        guard let connection else { throw WireError(.unavailable, "\(name) is not ready (state \(st.rawValue))") }
        return try await connection.request(method, params, as: R.self, timeout: timeout)
    }

    func onProgress(_ f: @escaping @Sendable (ProgressParams) -> Void) { runtime.update { $0.progress = f } }

    // MARK: Views

    public var snapshot: ProcessSnapshot {
        var snap = runtime.read { r in
            let st = r.machine.state
            let up: Double? = st == .ready ? r.readyAt.map { Double(Timestamp.now().millis - $0.millis) / 1000 } : nil
            return ProcessSnapshot(name: name, manifest: manifestId, kind: kind, state: st,
                                   pid: st == .ready || st == .starting || st == .stopping ? r.pid : nil,
                                   restarts: r.machine.restarts, startedAt: r.startedAt, readyAt: r.readyAt, uptimeSeconds: up,
                                   lastExit: r.lastExit, transitions: Array(r.transitions.suffix(20)), command: [program] + arguments,
                                   sandbox: spec.sandbox.profile.rawValue, malformedLines: r.malformedLines,
                                   limits: services.cgroups?.host.mechanism.rawValue ?? CgroupHost.Mechanism.rlimits.rawValue)
        }
        // Read from /proc outside the lock (a sandboxed program is two forks below the pid we hold).
        if spec.sandbox.profile != .none, let outer = snap.pid, let program = SandboxProcessTree.program(outer: outer) {
            snap.programPid = program.host
            snap.programPidInside = program.inside
        }
        return snap
    }

    public var currentState: ProcessState { runtime.read { $0.machine.state } }

    public func logTail(_ limit: Int) -> [ProcessLogLine] { runtime.read { $0.log.tail(limit) } }

    // MARK: Bookkeeping

    /// Records a transition to `new` (the state the machine just took) with `detail`, and logs it.
    func recordTransition(_ new: ProcessState, detail: String? = nil) {
        runtime.update { r in
            r.transitions.append(ProcessTransition(state: new, at: .now(), restarts: r.machine.restarts, pid: r.pid, detail: detail))
            if r.transitions.count > 100 { r.transitions.removeFirst(r.transitions.count - 100) }
        }
        logger.info("\(name): \(new.rawValue)\(detail.map { " (\($0))" } ?? "")")
    }

    func recordExit(_ status: ExitStatus, reason: String) {
        runtime.update { r in
            let tail = r.log.tail(20).filter { $0.stream == "stderr" }.map(\.text)
            r.lastExit = ProcessExit(status: status, reason: reason, at: .now(), stderrTail: tail)
        }
    }

    func exitEventData(_ status: ExitStatus, reason: String) -> [String: JSONValue] {
        var d: [String: JSONValue] = ["reason": .string(reason)]
        if let c = status.code { d["code"] = .int(Int(c)) }
        if let sig = status.signal { d["signal"] = .int(Int(sig)); d["signal_name"] = .string(ExitStatus.signalName(sig)) }
        d["stderr_tail"] = .array(runtime.read { $0.lastExit?.stderrTail ?? [] }.suffix(10).map { .string($0) })
        return d
    }

    func publish(_ type: String, _ data: [String: JSONValue]) async {
        var d = data
        let (pid, restarts, st) = runtime.read { ($0.pid, $0.machine.restarts, $0.machine.state) }
        d["name"] = .string(name)
        d["manifest"] = .string(manifestId)
        d["state"] = .string(st.rawValue)
        d["restarts"] = .int(restarts)
        if let pid { d["pid"] = .int(Int(pid)) }
        await services.publish([Event(type: type, source: "supervisor", data: .object(d))])
    }

    /// Log notifications copied into the daemon's own log per second, per child.
    static let mirrorPerSecond = 50

    /// Appends a `log` notification to the child's log and says whether to copy it to the daemon's
    /// log, and how many lines of the previous second were not copied (to say so once).
    func appendLogAndDecideMirror(_ level: String, _ text: String) -> (mirror: Bool, dropped: Int) {
        runtime.update { r in
            r.log.append(ProcessLogLine(at: .now(), stream: level, text: text))
            var dropped = 0
            let now = ContinuousClock.now
            if now - r.mirrorWindow >= .seconds(1) {
                dropped = r.unmirrored
                r.mirrorWindow = now; r.mirrored = 0; r.unmirrored = 0
            }
            guard r.mirrored < Self.mirrorPerSecond else {
                r.unmirrored += 1
                return (false, dropped)
            }
            r.mirrored += 1
            return (true, dropped)
        }
    }

    func appendLog(_ stream: String, _ text: String) {
        runtime.update { $0.log.append(ProcessLogLine(at: .now(), stream: stream, text: text)) }
        if stream == "stderr" { logger.debug("\(text)", metadata: ["lt.child": "\(name)", "lt.stream": "stderr"]) }
    }

    /// A line on stdout that is not JSON-RPC: kept in the log (`lightning logs NAME`) and counted
    /// (`malformed_lines` in `/v1/processes`), whether or not it reaches the in-a-row limit.
    func recordMalformed(_ line: Data, error: String) {
        let text = String(decoding: line.prefix(1024), as: UTF8.self)
        runtime.update { r in
            r.malformedLines += 1
            r.log.append(ProcessLogLine(at: .now(), stream: "stdout", text: "not JSON-RPC (\(error)): \(text)"))
        }
        logger.debug("\(name): stdout line that is not JSON-RPC: \(text)", metadata: ["lt.child": "\(name)"])
    }

    fileprivate func exitedCallback(_ status: ExitStatus, generation: Int) {
        runtime.update { r in
            guard r.generation == generation else { return }
            r.exitStatus = status
        }
    }
}

/// Connects the I/O thread's callbacks for one run of a child to the child and its connection.
final class IOBridge: ProcessIODelegate, @unchecked Sendable {
    // Unchecked: every stored property is a `let`; `child` is weak (the runtime's own atomics).
    weak var child: SupervisedChild?
    let generation: Int
    let connection: RPCConnection

    init(child: SupervisedChild, generation: Int, connection: RPCConnection) {
        self.child = child; self.generation = generation; self.connection = connection
    }

    func stdoutLine(_ line: Data) { connection.receive(line) }
    func stdoutOverflow(limit: Int) {
        child?.kill(reason: "protocol violation: message over max_message_bytes (\(limit) bytes)")
    }
    func stderrLine(_ line: String) { child?.appendLog("stderr", line) }
    func stdinStalled(queuedBytes: Int) {
        child?.kill(reason: "stopped reading its stdin (\(queuedBytes) bytes queued)")
    }
    func exited(_ status: ExitStatus) { child?.exitedCallback(status, generation: generation) }
}
