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
/// A kill for cause (readiness timeout, heartbeat timeout, protocol violation, stdin stall)
/// records the reason with the exit. The whole process group is killed after every exit, so
/// grandchildren never outlive their parent.
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
    let state = Locked(Runtime())

    /// What the child's host-side needs from the daemon.
    struct ChildServices: Sendable {
        /// Answers the child's requests (`events.emit`, `storage.*`, `config.get`, ...).
        var host: any HostServices
        /// Publishes `process.*` events (best effort).
        var publish: @Sendable ([Event]) async -> Void
    }

    struct Runtime {
        var state: ProcessState = .stopped
        var desiredRunning = false
        var pid: pid_t?
        var pipes: ProcessIO.Pipes?
        var connection: RPCConnection?
        var restarts = 0
        var restartTimes: [ContinuousClock.Instant] = []
        var startedAt: Timestamp?
        var readyAt: Timestamp?
        var lastExit: ProcessExit?
        var transitions: [ProcessTransition] = []
        var log = LogRing(capacity: 1000)
        var killReason: String?
        var fatal = false
        var exitStatus: ExitStatus?
        var exitWaiter: CheckedContinuation<ExitStatus, Never>?
        var readyWaiters: [CheckedContinuation<Void, Never>] = []
        /// `exited(within:)` callers, woken by the exit (or their deadline) instead of polling.
        var exitedWaiters: [CheckedContinuation<Void, Never>] = []
        var wakeBackoff: CheckedContinuation<Void, Never>?
        var generation = 0
        var loop: Task<Void, Never>?
        var progress: @Sendable (ProgressParams) -> Void = { _ in }
    }

    init(name: String, manifestId: String, kind: String, spec: ChildSpec, program: String, arguments: [String],
         environment: [String: String], config: JSONValue, services: ChildServices, logger: Logger) {
        self.name = name; self.manifestId = manifestId; self.kind = kind; self.spec = spec; self.program = program
        self.arguments = arguments; self.environment = environment; self.config = config; self.services = services
        self.logger = logger
    }

    // MARK: Control

    /// Starts supervising (no-op when already running).
    public func start() { start(resettingRestarts: true) }

    func start(resettingRestarts: Bool) {
        let begin = state.withLock { s -> Bool in
            s.desiredRunning = true
            if s.loop != nil { return false }
            if resettingRestarts {
                s.restarts = 0
                s.restartTimes = []
            }
            s.state = .starting
            return true
        }
        guard begin else { return }
        let task = Task { await self.superviseLoop() }
        state.withLock { $0.loop = task }
    }

    /// Stops gracefully: `shutdown` → `exit` → SIGTERM to the group → SIGKILL, each after
    /// `stop_timeout_ms`. Returns when the child is gone.
    public func stop() async {
        let (loop, wake) = state.withLock { s -> (Task<Void, Never>?, CheckedContinuation<Void, Never>?) in
            s.desiredRunning = false
            defer { s.wakeBackoff = nil }
            return (s.loop, s.wakeBackoff)
        }
        wake?.resume()
        await gracefulStop()
        await loop?.value
    }

    /// Stops (gracefully) and starts again; the restart counter is kept.
    public func restart() async {
        await stop()
        state.withLock { $0.restarts += 1 }
        start(resettingRestarts: false)
    }

    /// Kills the running process with a reason (recorded with its exit); the policy decides what next.
    func kill(reason: String, fatal: Bool = false) {
        let pid = state.withLock { s -> pid_t? in
            if s.killReason == nil { s.killReason = reason }
            if fatal { s.fatal = true }
            return s.pid
        }
        if let pid { _ = lt_kill_group(pid, SIGKILL) }
    }

    /// Waits until the child is ready (or `timeout` passes); returns whether it is.
    func waitReady(timeout: Duration) async -> Bool {
        if state.withLock({ $0.state == .ready }) { return true }
        let deadline = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            self?.releaseReadyWaiters()
        }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.state == .ready || !s.desiredRunning || s.state == .failed { return true }
                s.readyWaiters.append(c)
                return false
            }
            if now { c.resume() }
        }
        deadline.cancel()
        return state.withLock { $0.state == .ready }
    }

    private func releaseReadyWaiters() {
        let ws = state.withLock { s -> [CheckedContinuation<Void, Never>] in defer { s.readyWaiters = [] }; return s.readyWaiters }
        ws.forEach { $0.resume() }
    }

    /// Sends a request to the ready child.
    /// - Throws: `WireError(.unavailable)` when it is not ready, else the child's error.
    func call(_ method: String, _ params: JSONValue?, timeout: Duration) async throws -> JSONValue {
        guard let c = state.withLock({ $0.state == .ready ? $0.connection : nil }) else {
            let st = state.withLock { $0.state }
            throw WireError(.unavailable, "\(name) is not ready (state \(st.rawValue))")
        }
        return try await c.request(method, params, timeout: timeout)
    }

    func onProgress(_ f: @escaping @Sendable (ProgressParams) -> Void) { state.withLock { $0.progress = f } }

    // MARK: Views

    public var snapshot: ProcessSnapshot {
        state.withLock { s in
            let up: Double? = s.state == .ready ? s.readyAt.map { Double(Timestamp.now().millis - $0.millis) / 1000 } : nil
            return ProcessSnapshot(name: name, manifest: manifestId, kind: kind, state: s.state, pid: s.state == .ready || s.state == .starting || s.state == .stopping ? s.pid : nil,
                                   restarts: s.restarts, startedAt: s.startedAt, readyAt: s.readyAt, uptimeSeconds: up,
                                   lastExit: s.lastExit, transitions: Array(s.transitions.suffix(20)), command: [program] + arguments,
                                   sandbox: spec.sandbox.profile.rawValue)
        }
    }

    public var currentState: ProcessState { state.withLock { $0.state } }

    public func logTail(_ limit: Int) -> [ProcessLogLine] { state.withLock { $0.log.tail(limit) } }

    // MARK: The loop

    private func superviseLoop() async {
        while state.withLock({ $0.desiredRunning }) {
            let exit = await runOnce()
            let (desired, fatal, restarts) = state.withLock { ($0.desiredRunning, $0.fatal, $0.restarts) }
            if !desired {
                transition(.stopped, detail: exit.reason)
                await publish("process.stopped", ["reason": .string("stopped by the operator (\(exit.reason))")])
                break
            }
            if fatal {
                transition(.failed, detail: exit.reason)
                await publish("process.failed", ["reason": .string(exit.reason)])
                break
            }
            guard spec.shouldRestart(after: exit.status, killedForCause: exit.killedForCause) else {
                transition(.stopped, detail: "\(spec.restart.rawValue) child not restarted after: \(exit.reason)")
                await publish("process.stopped", ["reason": .string(exit.reason)])
                break
            }
            // Restart intensity: too many restarts in the window → give up.
            let now = ContinuousClock.now
            let window = Duration.seconds(spec.intensity.withinSeconds)
            let recent = state.withLock { s -> Int in
                s.restartTimes = s.restartTimes.filter { now - $0 < window }
                return s.restartTimes.count
            }
            if recent >= spec.intensity.maxRestarts {
                let why = "restart intensity exceeded: \(recent) restarts within \(spec.intensity.withinSeconds) s (last exit: \(exit.reason))"
                transition(.failed, detail: why)
                await publish("process.failed", ["reason": .string(why), "restarts": .int(restarts)])
                break
            }
            let delay = spec.restartDelayMs(restartNumber: recent + 1)
            transition(.backoff, detail: "restart in \(delay) ms")
            await publish("process.backoff", ["delay_ms": .int(delay), "reason": .string(exit.reason)])
            if delay > 0 { await sleepInterruptibly(ms: delay) }
            state.withLock { s in
                s.restarts += 1
                s.restartTimes.append(ContinuousClock.now)
            }
        }
        // Stopped while backing off: no process ran, but the state must say so.
        if state.withLock({ !$0.desiredRunning && $0.state == .backoff }) {
            transition(.stopped, detail: "stopped by the operator while backing off")
            await publish("process.stopped", ["reason": .string("stopped by the operator while backing off")])
        }
        state.withLock { $0.loop = nil }
        releaseReadyWaiters()
    }

    private func sleepInterruptibly(ms: Int) async {
        let timer = Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(ms))
            let c = self?.state.withLock { s -> CheckedContinuation<Void, Never>? in defer { s.wakeBackoff = nil }; return s.wakeBackoff }
            c?.resume()
        }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if !s.desiredRunning { return true }
                s.wakeBackoff = c
                return false
            }
            if now { c.resume() }
        }
        timer.cancel()
    }

    struct RunResult {
        var status: ExitStatus
        var reason: String
        var killedForCause: Bool
    }

    /// Spawns, handshakes, serves until the process exits; returns how it ended.
    private func runOnce() async -> RunResult {
        let gen = state.withLock { s -> Int in
            s.generation += 1
            s.killReason = nil
            s.fatal = false
            s.exitStatus = nil
            s.startedAt = .now()
            s.readyAt = nil
            return s.generation
        }
        transition(.starting)
        await publish("process.starting", [:])
        let launched: LaunchedProcess
        let startedAt = ContinuousClock.now
        do {
            launched = try await ProcessLauncher.shared.launch(try makeLaunchSpec())
        } catch {
            let reason = "\(error)"
            // A sandbox that cannot be built will not build on the next try either.
            if (error as? LaunchError)?.sandboxSetup == true { state.withLock { $0.fatal = true } }
            recordExit(ExitStatus(code: 127), reason: reason)
            transition(.exited, detail: reason)
            await publish("process.exited", ["reason": .string(reason)])
            return RunResult(status: ExitStatus(code: 127), reason: reason, killedForCause: true)
        }
        let box = Locked<ProcessIO.Pipes?>(nil)
        let connection = makeConnection { line in box.withLock { $0 }?.write(line) ?? false }
        let bridge = IOBridge(child: self, generation: gen, connection: connection)
        // Set the pid and read the wish to run in one step: a stop() that ran while we were
        // launching found no pid to stop, so this run must end itself.
        let stoppedMeanwhile = state.withLock { s -> Bool in
            s.pid = launched.pid
            s.connection = connection
            if !s.desiredRunning, s.killReason == nil { s.killReason = "stopped while starting" }
            return !s.desiredRunning
        }
        let pipes = ProcessIO.shared.attach(launched, maxLine: spec.maxMessageBytes, delegate: bridge)
        if stoppedMeanwhile { _ = lt_kill_group(launched.pid, SIGKILL) }
        box.withLock { $0 = pipes }
        state.withLock { s in s.pipes = pipes }

        // Handshake.
        let handshake = Task { await self.handshake(connection) }
        let exitTask = Task { await self.waitExit() }
        let heartbeat = Task { await self.heartbeatLoop(connection) }
        let wallClock = startWallClock(generation: gen)
        let status = await exitTask.value
        wallClock?.cancel()
        heartbeat.cancel()
        let usage = SandboxExit.readReport(launched.report)
        connection.close("the process exited (\(status))")
        // The handshake may have just seen a refusal (-32001) the child sent before exiting:
        // let it record its verdict (fatal or not) before the policy reads it.
        await handshake.value
        // Grandchildren in the group go with it.
        _ = lt_kill_group(launched.pid, SIGKILL)
        let (killReason, stopping) = state.withLock { s -> (String?, Bool) in
            s.pid = nil; s.pipes = nil; s.connection = nil
            return (s.killReason, !s.desiredRunning)
        }
        releaseExitedWaiters()
        let reason = killReason ?? exitReason(status, usage: usage, startedAt: startedAt)
        recordExit(status, reason: reason)
        transition(.exited, detail: reason)
        await publish("process.exited", exitEventData(status, reason: reason).merging(Self.sandboxEventData(spec.sandbox, usage: usage)) { a, _ in a })
        return RunResult(status: status, reason: reason, killedForCause: killReason != nil && !stopping)
    }

    private func handshake(_ connection: RPCConnection) async {
        let params = InitializeParams(host: PeerInfo(name: "lightning", version: LightningVersion.current),
                                      child: ChildIdentity(id: manifestId, kind: kind, instance: state.withLock { $0.generation }),
                                      config: config, heartbeatIntervalMs: spec.heartbeatIntervalMs > 0 ? spec.heartbeatIntervalMs : nil,
                                      maxMessageBytes: spec.maxMessageBytes)
        do {
            let result = try await connection.request(ChildProtocol.initialize, params, as: InitializeResult.self,
                                                      timeout: .milliseconds(spec.readinessTimeoutMs))
            guard ChildProtocol.major(of: result.protocolVersion) == ChildProtocol.majorVersion else {
                kill(reason: "protocol version mismatch: host \(ChildProtocol.version), child \(result.protocolVersion)", fatal: true)
                return
            }
            connection.notify(ChildProtocol.initialized, nil)
            state.withLock { $0.readyAt = .now() }
            transition(.ready, detail: "\(result.child.name) \(result.child.version)")
            // After the state is `ready` (waitReady checks it under the same lock): no waiter is missed.
            releaseReadyWaiters()
            await publish("process.ready", ["child": .string("\(result.child.name) \(result.child.version)")])
        } catch let e as WireError where e.code == .timeout {
            kill(reason: "not ready after \(spec.readinessTimeoutMs) ms (no answer to initialize)")
        } catch let e as WireError where e.message.contains("unsupported protocol version") {
            kill(reason: "protocol version mismatch: \(e.message)", fatal: true)
        } catch is CancellationError {
        } catch let e as WireError where e.code == .unavailable || e.code == .cancelled {
            // The process exited during the handshake; its exit tells why.
        } catch {
            kill(reason: "handshake failed: \(error)")
        }
    }

    private func heartbeatLoop(_ connection: RPCConnection) async {
        guard spec.heartbeatIntervalMs > 0 else { return }
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(spec.heartbeatIntervalMs))
            if Task.isCancelled { return }
            guard state.withLock({ $0.state == .ready }) else { continue }
            do {
                _ = try await connection.request(ChildProtocol.ping, .object([:]), timeout: .milliseconds(spec.effectiveHeartbeatTimeoutMs))
            } catch let e as WireError where e.code == .timeout {
                kill(reason: "heartbeat timeout: no answer to $/ping within \(spec.effectiveHeartbeatTimeoutMs) ms")
                return
            } catch {
                return
            }
        }
    }

    private func waitExit() async -> ExitStatus {
        await withCheckedContinuation { (c: CheckedContinuation<ExitStatus, Never>) in
            let done = state.withLock { s -> ExitStatus? in
                if let st = s.exitStatus { return st }
                s.exitWaiter = c
                return nil
            }
            if let done { c.resume(returning: done) }
        }
    }

    /// Graceful stop of the running process, called by the loop's owner through `stop()`.
    func gracefulStop() async {
        guard let (pid, connection) = state.withLock({ s -> (pid_t, RPCConnection?)? in s.pid.map { ($0, s.connection) } }) else { return }
        transition(.stopping)
        let timeout = Duration.milliseconds(spec.stopTimeoutMs)
        if let connection, state.withLock({ $0.readyAt != nil }) {
            _ = try? await connection.request(ChildProtocol.shutdown, .object([:]), timeout: timeout)
            connection.notify(ChildProtocol.exit, nil)
        }
        state.withLock { $0.pipes }?.closeStdin()
        if await exited(within: timeout) { return }
        _ = lt_kill_group(pid, SIGTERM)
        if await exited(within: timeout) { return }
        state.withLock { if $0.killReason == nil { $0.killReason = "did not stop within \(2 * spec.stopTimeoutMs) ms: SIGKILL" } }
        _ = lt_kill_group(pid, SIGKILL)
    }

    /// Waits until the process is gone or `d` passes; true when it is gone. Woken by the exit
    /// itself (a stop no longer costs a 10 ms polling step; docs/benchmarks.md).
    private func exited(within d: Duration) async -> Bool {
        let deadline = ContinuousClock.now + d
        func gone() -> Bool { state.withLock { $0.pid == nil || $0.exitStatus != nil } }
        while !gone() && ContinuousClock.now < deadline {
            let timer = Task { [weak self] in
                try? await Task.sleep(until: deadline, clock: .continuous)
                self?.releaseExitedWaiters()
            }
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.pid == nil || s.exitStatus != nil { return true }
                    s.exitedWaiters.append(c)
                    return false
                }
                if now { c.resume() }
            }
            timer.cancel()
        }
        return gone()
    }

    private func releaseExitedWaiters() {
        let ws = state.withLock { s -> [CheckedContinuation<Void, Never>] in defer { s.exitedWaiters = [] }; return s.exitedWaiters }
        ws.forEach { $0.resume() }
    }

    // MARK: Bookkeeping

    func transition(_ new: ProcessState, detail: String? = nil) {
        state.withLock { s in
            s.state = new
            s.transitions.append(ProcessTransition(state: new, at: .now(), restarts: s.restarts, pid: s.pid, detail: detail))
            if s.transitions.count > 100 { s.transitions.removeFirst(s.transitions.count - 100) }
        }
        logger.info("\(name): \(new.rawValue)\(detail.map { " (\($0))" } ?? "")")
    }

    private func recordExit(_ status: ExitStatus, reason: String) {
        state.withLock { s in
            let tail = s.log.tail(20).filter { $0.stream == "stderr" }.map(\.text)
            s.lastExit = ProcessExit(status: status, reason: reason, at: .now(), stderrTail: tail)
        }
    }

    private func exitEventData(_ status: ExitStatus, reason: String) -> [String: JSONValue] {
        var d: [String: JSONValue] = ["reason": .string(reason)]
        if let c = status.code { d["code"] = .int(Int(c)) }
        if let sig = status.signal { d["signal"] = .int(Int(sig)); d["signal_name"] = .string(ExitStatus.signalName(sig)) }
        d["stderr_tail"] = .array(state.withLock { $0.lastExit?.stderrTail ?? [] }.suffix(10).map { .string($0) })
        return d
    }

    func publish(_ type: String, _ data: [String: JSONValue]) async {
        var d = data
        let (pid, restarts, st) = state.withLock { ($0.pid, $0.restarts, $0.state) }
        d["name"] = .string(name)
        d["manifest"] = .string(manifestId)
        d["state"] = .string(st.rawValue)
        d["restarts"] = .int(restarts)
        if let pid { d["pid"] = .int(Int(pid)) }
        await services.publish([Event(type: type, source: "supervisor", data: .object(d))])
    }

    func appendLog(_ stream: String, _ text: String) {
        state.withLock { $0.log.append(ProcessLogLine(at: .now(), stream: stream, text: text)) }
        if stream == "stderr" { logger.debug("\(text)", metadata: ["lt.child": "\(name)", "lt.stream": "stderr"]) }
    }

    fileprivate func exitedCallback(_ status: ExitStatus, generation: Int) {
        let waiter = state.withLock { s -> CheckedContinuation<ExitStatus, Never>? in
            guard s.generation == generation else { return nil }
            s.exitStatus = status
            defer { s.exitWaiter = nil }
            return s.exitWaiter
        }
        waiter?.resume(returning: status)
        releaseExitedWaiters()
    }
}

/// Connects the I/O thread's callbacks for one run of a child to the child and its connection.
final class IOBridge: ProcessIODelegate, @unchecked Sendable {
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
