import LightningProtocol

/// Every decision about one supervised child, without I/O: what state it is in, what the
/// operator wants (runsv's `state` vs `want`), whether an exit is restarted, after what delay,
/// and when it is given up (OTP restart types and intensity), whether a handshake answer may be
/// announced, and the steps of a graceful stop. `SupervisedChild` feeds it inputs and carries
/// out what it returns (spawn, signals, events); tests drive it with no process at all.
///
/// ```
///  start ─▶ runBegins ─▶ starting ─handshakeAnswered─▶ ready ─exited─▶ decide ─┬─ restart(after:) ─▶ backoff ─backoffOver─▶ runBegins
///                          │  kill(reason) before the answer: never ready        ├─ stop ─▶ stopped
///                          └──────────────── stop ─▶ want down ─▶ stopping       └─ fail ─▶ failed
/// ```
struct ChildStateMachine: Sendable, Equatable {
    enum Want: Sendable, Equatable { case up, down }

    /// What follows an exit.
    enum ExitDecision: Sendable, Equatable {
        /// Not restarted: `detail` for the transition to `stopped`, `reason` for `process.stopped`.
        case stop(detail: String, reason: String)
        /// Given up: the transition to `failed` and `process.failed` carry `reason`.
        case fail(reason: String, intensityExceeded: Bool)
        /// Restarted after the delay (state `backoff`).
        case restart(afterMs: Int)
    }

    /// One step of a graceful stop; the caller stops at the first step after which the process is gone.
    enum StopStep: Sendable, Equatable {
        /// The `shutdown` request (answered within the timeout or not), then the `exit` notification.
        case requestShutdown(timeoutMs: Int)
        case closeStdin
        case waitExit(ms: Int)
        case terminateGroup
        /// SIGKILL to the group, recording `reason` unless a reason is already recorded.
        case killGroup(reason: String)
    }

    let restartType: ChildSpec.Restart
    let backoff: ChildSpec.Backoff
    let intensity: ChildSpec.Intensity
    let stopTimeoutMs: Int

    private(set) var state: ProcessState = .stopped
    private(set) var want: Want = .down
    /// A supervise loop runs (from a `start` that returned true to `loopEnded`).
    private(set) var looping = false
    private(set) var restarts = 0
    private(set) var restartTimes: [ContinuousClock.Instant] = []
    /// The run being supervised (1 for the first).
    private(set) var generation = 0
    /// The first reason the current run was killed for; it becomes the exit's reason.
    private(set) var killReason: String?
    /// The current run must not be restarted (protocol mismatch, a sandbox that cannot be built).
    private(set) var fatal = false
    /// The current run answered `initialize` and was announced ready.
    private(set) var announced = false

    init(spec: ChildSpec) {
        restartType = spec.restart; backoff = spec.backoff; intensity = spec.intensity; stopTimeoutMs = spec.stopTimeoutMs
    }

    // MARK: Operator

    /// The operator wants the child up. Returns true when the caller must start the supervise loop
    /// (none runs yet); false when one runs already (it keeps going with the new wish).
    mutating func start(resettingRestarts: Bool) -> Bool {
        want = .up
        guard !looping else { return false }
        looping = true
        if resettingRestarts {
            restarts = 0
            restartTimes = []
        }
        state = .starting
        return true
    }

    /// The operator wants the child down; a running process is stopped by the caller with
    /// `stopSteps`, a backoff ends at once (waiters watch `want`).
    mutating func stop() { want = .down }

    /// `restart`: the count goes on from where it was.
    mutating func countManualRestart() { restarts += 1 }

    /// A graceful stop of a live process begins.
    mutating func stopping() { state = .stopping }

    /// The steps of a graceful stop: `shutdown` (only to a child that completed the handshake),
    /// stdin closed, SIGTERM to the group, SIGKILL, each after `stop_timeout_ms`.
    static func stopSteps(answeredHandshake: Bool, stopTimeoutMs: Int) -> [StopStep] {
        var steps: [StopStep] = []
        if answeredHandshake { steps.append(.requestShutdown(timeoutMs: stopTimeoutMs)) }
        steps += [.closeStdin, .waitExit(ms: stopTimeoutMs), .terminateGroup, .waitExit(ms: stopTimeoutMs),
                  .killGroup(reason: "did not stop within \(2 * stopTimeoutMs) ms: SIGKILL")]
        return steps
    }

    // MARK: One run

    /// A new run begins (state `starting`); returns its generation.
    mutating func runBegins() -> Int {
        generation += 1
        killReason = nil
        fatal = false
        announced = false
        state = .starting
        return generation
    }

    /// The run is killed for `reason` (the first reason is kept); `fatal` forbids a restart.
    mutating func kill(reason: String, fatal: Bool = false) {
        if killReason == nil { killReason = reason }
        if fatal { self.fatal = true }
    }

    /// The child answered `initialize` with a compatible version. Returns whether to announce it
    /// ready: not when a kill is already on its way (garbage before the answer, a stop).
    mutating func handshakeAnswered() -> Bool {
        guard killReason == nil, want == .up, state == .starting else { return false }
        announced = true
        state = .ready
        return true
    }

    /// Whether the current exit was caused by a kill for cause (not an operator's stop).
    var killedForCause: Bool { killReason != nil && want == .up }

    /// The process of the current run is gone; `reason` is the kill reason or the exit in words.
    /// Decides by the operator's wish, `fatal`, the restart type and the intensity window.
    /// - Parameter random: in -1...1, the jitter's draw (injected so tests are exact).
    mutating func exited(_ status: ExitStatus, reason: String, at now: ContinuousClock.Instant, random: Double) -> ExitDecision {
        state = .exited
        if want == .down {
            state = .stopped
            return .stop(detail: reason, reason: "stopped by the operator (\(reason))")
        }
        if fatal {
            state = .failed
            return .fail(reason: reason, intensityExceeded: false)
        }
        guard Self.shouldRestart(restartType, after: status, killedForCause: killReason != nil) else {
            state = .stopped
            return .stop(detail: "\(restartType.rawValue) child not restarted after: \(reason)", reason: reason)
        }
        let window = Duration.seconds(intensity.withinSeconds)
        restartTimes = restartTimes.filter { now - $0 < window }
        let recent = restartTimes.count
        if recent >= intensity.maxRestarts {
            state = .failed
            return .fail(reason: "restart intensity exceeded: \(recent) restarts within \(intensity.withinSeconds) s (last exit: \(reason))",
                         intensityExceeded: true)
        }
        state = .backoff
        return .restart(afterMs: Self.delayMs(backoff, restartNumber: recent + 1, random: random))
    }

    /// The backoff delay is over (or cut short by a stop). Returns true to run again.
    mutating func backoffOver(at now: ContinuousClock.Instant) -> Bool {
        guard want == .up else {
            state = .stopped
            return false
        }
        restarts += 1
        restartTimes.append(now)
        return true
    }

    /// The process of the current run is gone (state `exited` until `exited(_:reason:at:random:)` decides).
    mutating func markExited() { state = .exited }

    /// The supervise loop ended (stopped, failed or not restarted). A loop that ended before its
    /// first run (stopped at once) leaves the child `stopped`, not `starting`.
    mutating func loopEnded() {
        looping = false
        if state == .starting { state = .stopped }
    }

    // MARK: Policy

    /// OTP: `permanent` always, `transient` after an abnormal exit (non-zero, a signal, a kill
    /// for cause), `temporary` never.
    static func shouldRestart(_ type: ChildSpec.Restart, after status: ExitStatus, killedForCause: Bool) -> Bool {
        switch type {
        case .permanent: return true
        case .transient: return killedForCause || !status.isSuccess
        case .temporary: return false
        }
    }

    /// The delay before restart number `n` within the intensity window (1-based): at once for the
    /// first when `first_restart_immediate`, then `initial_ms × multiplier^k` capped at `max_ms`,
    /// spread by ±`jitter`.
    static func delayMs(_ b: ChildSpec.Backoff, restartNumber n: Int, random: Double) -> Int {
        if n <= 1 && b.firstRestartImmediate { return 0 }
        let exponent = Double(max(0, b.firstRestartImmediate ? n - 2 : n - 1))
        let base = min(Double(b.maxMs), Double(b.initialMs) * pow(b.multiplier, exponent))
        let r = min(1, max(-1, random))
        return max(0, Int((base * (1 + b.jitter * r)).rounded()))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
