@testable import HostCore
import LightningProtocol
import Testing

/// The supervisor's decisions without processes: every restart type against every kind of exit,
/// intensity, backoff (cap, jitter, first restart), the handshake gate, stop escalation.
@Suite struct ChildStateMachineTests {
    static let t0 = ContinuousClock.now

    static func machine(_ restart: ChildSpec.Restart = .permanent, _ tweak: (inout ChildSpec) -> Void = { _ in }) -> ChildStateMachine {
        var spec = ChildSpec(command: "/bin/true")
        spec.restart = restart
        tweak(&spec)
        return ChildStateMachine(spec: spec)
    }

    /// A machine that was started and whose first run began.
    static func running(_ restart: ChildSpec.Restart = .permanent, _ tweak: (inout ChildSpec) -> Void = { _ in }) -> ChildStateMachine {
        var m = machine(restart, tweak)
        do { let r = m.start(resettingRestarts: true); #expect(r) }
        _ = m.runBegins()
        return m
    }

    enum ExitKind: CaseIterable { case success, failure, signal, killedForCause }

    static func exit(_ m: inout ChildStateMachine, _ kind: ExitKind, at: ContinuousClock.Instant = t0) -> ChildStateMachine.ExitDecision {
        switch kind {
        case .success: return m.exited(ExitStatus(code: 0), reason: "exited 0", at: at, random: 0)
        case .failure: return m.exited(ExitStatus(code: 3), reason: "exited 3", at: at, random: 0)
        case .signal: return m.exited(ExitStatus(signal: 9), reason: "killed by SIGKILL", at: at, random: 0)
        case .killedForCause:
            m.kill(reason: "heartbeat timeout")
            return m.exited(ExitStatus(code: 0), reason: "heartbeat timeout", at: at, random: 0)
        }
    }

    @Test(arguments: ChildSpec.Restart.allCases, ExitKind.allCases)
    func restartTypesFollowOTP(_ type: ChildSpec.Restart, _ kind: ExitKind) {
        var m = Self.running(type)
        let decision = Self.exit(&m, kind)
        let restarted: Bool
        switch type {
        case .permanent: restarted = true
        case .transient: restarted = kind != .success
        case .temporary: restarted = false
        }
        if restarted {
            #expect(decision == .restart(afterMs: 0), "first restart after a stable run is immediate")
            #expect(m.state == .backoff)
        } else {
            guard case .stop(let detail, _) = decision else { Issue.record("expected stop, got \(decision)"); return }
            #expect(detail.hasPrefix("\(type.rawValue) child not restarted after: "))
            #expect(m.state == .stopped)
        }
    }

    @Test(arguments: ExitKind.allCases)
    func anOperatorStopIsNeverRestartedWhateverTheExit(_ kind: ExitKind) {
        var m = Self.running(.permanent)
        m.stop()
        let decision = Self.exit(&m, kind)
        guard case .stop(_, let reason) = decision else { Issue.record("expected stop, got \(decision)"); return }
        #expect(reason.hasPrefix("stopped by the operator ("))
        #expect(m.state == .stopped)
        #expect(!m.killedForCause)
    }

    @Test func aFatalKillFailsWithoutRestart() {
        var m = Self.running(.permanent)
        m.kill(reason: "protocol version mismatch", fatal: true)
        let d = m.exited(ExitStatus(code: 0), reason: "protocol version mismatch", at: Self.t0, random: 0)
        #expect(d == .fail(reason: "protocol version mismatch", intensityExceeded: false))
        #expect(m.state == .failed)
    }

    @Test func theFirstKillReasonIsKept() {
        var m = Self.running()
        m.kill(reason: "protocol violation: 10 malformed messages in a row")
        m.kill(reason: "did not stop within 2000 ms: SIGKILL")
        #expect(m.killReason == "protocol violation: 10 malformed messages in a row")
        _ = m.runBegins()
        #expect(m.killReason == nil, "a new run starts clean")
    }

    @Test func intensityGivesUpAfterMaxRestartsWithinTheWindow() {
        var m = Self.running(.permanent) { $0.intensity = .init(maxRestarts: 3, withinSeconds: 10) }
        var now = Self.t0
        for n in 1...3 {
            guard case .restart = Self.exit(&m, .failure, at: now) else { Issue.record("restart \(n) expected"); return }
            do { let r = m.backoffOver(at: now); #expect(r) }
            #expect(m.restarts == n)
            _ = m.runBegins()
            now += .seconds(1)
        }
        let decision = Self.exit(&m, .failure, at: now)
        #expect(decision == .fail(reason: "restart intensity exceeded: 3 restarts within 10 s (last exit: exited 3)", intensityExceeded: true))
        #expect(m.state == .failed)
    }

    @Test func restartsOutsideTheWindowAreForgotten() {
        var m = Self.running(.permanent) { $0.intensity = .init(maxRestarts: 2, withinSeconds: 10) }
        var now = Self.t0
        for _ in 1...10 {
            guard case .restart = Self.exit(&m, .failure, at: now) else { Issue.record("restart expected at \(now)"); return }
            do { let r = m.backoffOver(at: now); #expect(r) }
            _ = m.runBegins()
            now += .seconds(6)  // at most 2 restarts in any 10 s window
        }
        #expect(m.restarts == 10)
    }

    @Test func zeroMaxRestartsGivesUpAtTheFirstExit() {
        var m = Self.running(.permanent) { $0.intensity = .init(maxRestarts: 0, withinSeconds: 60) }
        guard case .fail(_, true) = Self.exit(&m, .failure) else { Issue.record("expected intensity failure"); return }
    }

    @Test func backoffGrowsGeometricallyUpToTheCap() {
        let b = ChildSpec.Backoff(initialMs: 100, maxMs: 1000, multiplier: 2, jitter: 0, firstRestartImmediate: true)
        #expect((1...7).map { ChildStateMachine.delayMs(b, restartNumber: $0, random: 0) } == [0, 100, 200, 400, 800, 1000, 1000])
        let slow = ChildSpec.Backoff(initialMs: 100, maxMs: 1000, multiplier: 2, jitter: 0, firstRestartImmediate: false)
        #expect((1...5).map { ChildStateMachine.delayMs(slow, restartNumber: $0, random: 0) } == [100, 200, 400, 800, 1000])
    }

    @Test func jitterSpreadsWithinItsFraction() {
        let b = ChildSpec.Backoff(initialMs: 1000, maxMs: 1000, multiplier: 2, jitter: 0.1, firstRestartImmediate: false)
        #expect(ChildStateMachine.delayMs(b, restartNumber: 1, random: -1) == 900)
        #expect(ChildStateMachine.delayMs(b, restartNumber: 1, random: 1) == 1100)
        #expect(ChildStateMachine.delayMs(b, restartNumber: 1, random: 5) == 1100, "a draw out of range is clamped")
        for r in stride(from: -1.0, through: 1.0, by: 0.25) {
            #expect((900...1100).contains(ChildStateMachine.delayMs(b, restartNumber: 3, random: r)))
        }
    }

    @Test func theDelayFollowsTheRestartCountInTheWindow() {
        var m = Self.running(.permanent) {
            $0.backoff = .init(initialMs: 50, maxMs: 10_000, multiplier: 3, jitter: 0, firstRestartImmediate: true)
            $0.intensity = .init(maxRestarts: 100, withinSeconds: 60)
        }
        var delays: [Int] = []
        for _ in 1...4 {
            guard case .restart(let d) = Self.exit(&m, .signal) else { Issue.record("restart expected"); return }
            delays.append(d)
            do { let r = m.backoffOver(at: Self.t0); #expect(r) }
            _ = m.runBegins()
        }
        #expect(delays == [0, 50, 150, 450])
    }

    @Test func aStopDuringBackoffEndsStopped() {
        var m = Self.running(.permanent)
        guard case .restart = Self.exit(&m, .failure) else { Issue.record("restart expected"); return }
        m.stop()
        do { let r = m.backoffOver(at: Self.t0); #expect(!r) }
        #expect(m.state == .stopped)
        #expect(m.restarts == 0)
    }

    @Test func aHandshakeAnswerAfterAKillIsNotAnnounced() {
        var m = Self.running()
        m.kill(reason: "protocol violation: 10 malformed messages in a row")
        do { let r = m.handshakeAnswered(); #expect(!r) }
        #expect(m.state == .starting)
        #expect(!m.announced)
    }

    @Test func aHandshakeAnswerAfterAStopIsNotAnnounced() {
        var m = Self.running()
        m.stop()
        do { let r = m.handshakeAnswered(); #expect(!r) }
    }

    @Test func aHandshakeAnswerMakesTheChildReadyOnce() {
        var m = Self.running()
        do { let r = m.handshakeAnswered(); #expect(r) }
        #expect(m.state == .ready && m.announced)
        do { let r = m.handshakeAnswered(); #expect(!r, "a second answer is not a second ready") }
    }

    @Test func startTwiceRunsOneLoopAndStopLetsTheLoopEnd() {
        var m = Self.machine()
        do { let r = m.start(resettingRestarts: true); #expect(r) }
        do { let r = m.start(resettingRestarts: true); #expect(!r) }
        m.stop()
        m.loopEnded()
        #expect(m.state == .stopped, "a loop that never ran a process leaves the child stopped")
        do { let r = m.start(resettingRestarts: false); #expect(r) }
    }

    @Test func restartKeepsTheCountAndStartResetsIt() {
        var m = Self.running()
        guard case .restart = Self.exit(&m, .failure) else { Issue.record("restart expected"); return }
        do { let r = m.backoffOver(at: Self.t0); #expect(r) }
        m.stop()
        m.loopEnded()
        m.countManualRestart()
        do { let r = m.start(resettingRestarts: false); #expect(r) }
        #expect(m.restarts == 2)
        m.stop()
        m.loopEnded()
        do { let r = m.start(resettingRestarts: true); #expect(r) }
        #expect(m.restarts == 0)
    }

    @Test func operatorRestartsCountButNotTowardIntensity() {
        var m = Self.running(.permanent) { $0.intensity = .init(maxRestarts: 1, withinSeconds: 600) }
        for _ in 1...5 {
            m.stop()
            _ = m.exited(ExitStatus(code: 0), reason: "exited 0", at: Self.t0, random: 0)
            m.loopEnded()
            m.countManualRestart()
            _ = m.start(resettingRestarts: false)
            _ = m.runBegins()
        }
        #expect(m.restarts == 5)
        // The first unexpected exit is still restarted.
        let d = Self.exit(&m, .failure)
        #expect(d == .restart(afterMs: 0))
    }

    @Test func stopEscalatesFromShutdownToSIGKILL() {
        #expect(ChildStateMachine.stopSteps(answeredHandshake: true, stopTimeoutMs: 500) == [
            .requestShutdown(timeoutMs: 500), .closeStdin, .waitExit(ms: 500), .terminateGroup, .waitExit(ms: 500),
            .killGroup(reason: "did not stop within 1000 ms: SIGKILL"),
        ])
        #expect(ChildStateMachine.stopSteps(answeredHandshake: false, stopTimeoutMs: 0).first == .closeStdin,
                "no shutdown request to a child that never completed the handshake")
    }

    @Test func generationsCount() {
        var m = Self.machine()
        _ = m.start(resettingRestarts: true)
        let g1 = m.runBegins()
        let g2 = m.runBegins()
        #expect(g1 == 1 && g2 == 2)
    }
}
