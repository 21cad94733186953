import Foundation
@testable import HostCore
import LightningProtocol
import Logging
import Testing

/// The supervisor against real child processes (`lt-test-child`): handshake, calls both ways,
/// restarts by policy, intensity, graceful and forced stops, process groups.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct SupervisedChildTests {
    @Test func handshakeThenCallsInBothDirectionsAtOnce() async throws {
        let host = RecordingHost()
        let c = TestChildren.make(["well"], host: host)
        c.start()
        #expect(await c.waitReady(timeout: .seconds(60)))
        #expect(c.snapshot.state == .ready)
        #expect(c.snapshot.pid != nil)
        // The child calls storage on the host while our request is in flight, 20 times at once.
        try await withThrowingTaskGroup(of: [Event].self) { group in
            for i in 0..<20 { group.addTask { try await c.event("test.store", ["i": .int(i)]) } }
            for try await out in group { #expect(out.map(\.type) == ["test.stored"]) }
        }
        let upserts = host.calls.withLock { $0.filter { $0.0 == Method.documentUpsert } }
        #expect(upserts.count == 20)
        #expect(try await c.event("test.echo", ["x": 1]).first?.data == ["x": 1])
        do { _ = try await c.event("test.fail"); Issue.record("expected an error") } catch let e as WireError {
            #expect(e.code == .internal)
            #expect(e.message == "asked to fail")
        }
        await c.stop()
        #expect(c.snapshot.state == .stopped)
        #expect(c.snapshot.lastExit?.status == ExitStatus(code: 0))
        #expect(host.processEvents("process.ready").count == 1)
    }

    @Test func aProtocolMajorMismatchFailsWithoutRestarting() async throws {
        let host = RecordingHost()
        let c = TestChildren.make(["version2"], host: host)
        c.start()
        await eventually("failed") { c.snapshot.state == .failed }
        #expect(c.snapshot.lastExit?.reason.hasPrefix("protocol version mismatch: host 1.0, child 2.0") == true)
        #expect(c.snapshot.restarts == 0)
        #expect(host.processEvents("process.failed").count == 1)
    }

    @Test func aCrashIsRestartedAfterBackoffAndTheExitIsRecorded() async throws {
        let host = RecordingHost()
        // 3 s of life from its start: it is ready first unless the machine is so loaded that the
        // handshake takes longer; then that run ends before ready, and a later one gets there.
        let c = TestChildren.make(["crash-after", "3000"], host: host) { $0.intensity.maxRestarts = 100 }
        c.start()
        await eventually("two restarts, one run ready", timeout: .seconds(120)) {
            c.snapshot.restarts >= 2 && !host.processEvents("process.ready").isEmpty
        }
        let s = c.snapshot
        #expect(s.lastExit?.status == ExitStatus(code: 3))
        #expect(s.lastExit?.reason == "exited with code 3")
        let states = s.transitions.map(\.state)
        #expect(states.contains(.backoff) && states.contains(.exited))
        let exited = host.processEvents("process.exited")
        #expect(exited.first?.data["code"] == 3)
        await c.stop()
        #expect(c.snapshot.state == .stopped)
    }

    @Test func exceedingTheRestartIntensityMarksTheChildFailed() async throws {
        let host = RecordingHost()
        let c = TestChildren.make(["exit-on-init", "5"], host: host) { $0.intensity = .init(maxRestarts: 3, withinSeconds: 60) }
        c.start()
        // Four starts with backoff between them: a loaded machine needs more than the default 15 s.
        await eventually("failed", timeout: .seconds(60)) { c.snapshot.state == .failed }
        let s = c.snapshot
        #expect(s.restarts == 3)
        #expect(s.transitions.last?.detail?.hasPrefix("restart intensity exceeded: 3 restarts within 60 s") == true)
        #expect(host.processEvents("process.failed").first?.data["reason"]?.stringValue?.contains("restart intensity exceeded") == true)
    }

    @Test func stoppingDuringBackoffEndsStoppedAndRestartKeepsTheCount() async throws {
        let host = RecordingHost()
        let c = TestChildren.make(["exit-on-init", "4"], host: host) { $0.backoff = .init(initialMs: 5000, maxMs: 5000, multiplier: 1, jitter: 0, firstRestartImmediate: false) }
        c.start()
        await eventually("backing off") { c.snapshot.state == .backoff }
        await c.stop()
        #expect(c.snapshot.state == .stopped)
        #expect(host.processEvents("process.stopped").count == 1)
        let w = TestChildren.make(["well"])
        w.start()
        #expect(await w.waitReady(timeout: .seconds(60)))
        await w.restart()
        #expect(await w.waitReady(timeout: .seconds(60)))
        #expect(w.snapshot.restarts == 1)
        await w.stop()
    }

    @Test func temporaryChildrenAreNotRestarted() async throws {
        let c = TestChildren.make(["crash-after", "100"]) { $0.restart = .temporary }
        c.start()
        await eventually("stopped") { c.snapshot.state == .stopped }
        #expect(c.snapshot.restarts == 0)
    }

    @Test func aChildThatIgnoresSIGTERMIsKilled() async throws {
        let c = TestChildren.make(["ignore-term"]) { $0.stopTimeoutMs = 200 }
        c.start()
        #expect(await c.waitReady(timeout: .seconds(60)))
        await c.stop()
        let s = c.snapshot
        #expect(s.state == .stopped)
        #expect(s.lastExit?.status.signal == SIGKILL)
        #expect(s.lastExit?.reason == "did not stop within 400 ms: SIGKILL")
    }

    @Test func grandchildrenDieWithTheChild() async throws {
        let pidfile = FileManager.default.temporaryDirectory.appendingPathComponent("lt-gc-\(UUID().uuidString)").path
        let c = TestChildren.make(["grandchild", pidfile])
        c.start()
        #expect(await c.waitReady(timeout: .seconds(60)))
        var gc: Int32 = 0
        await eventually("pidfile") {
            gc = Int32((try? String(contentsOfFile: pidfile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
            return gc > 0
        }
        #expect(!processIsGone(gc))
        c.kill(reason: "test kill")
        await eventually("grandchild gone") { processIsGone(gc) }
        await c.stop()
    }

    @Test func garbageOnStdoutIsAProtocolViolation() async throws {
        let c = TestChildren.make(["garbage"]) { $0.restart = .temporary }
        c.start()
        await eventually("stopped") { c.snapshot.state == .stopped }
        #expect(c.snapshot.lastExit?.reason.hasPrefix("protocol violation: 10 malformed messages in a row") == true)
    }

    @Test func anOversizeMessageIsAProtocolViolation() async throws {
        let c = TestChildren.make(["oversize"]) { $0.restart = .temporary; $0.maxMessageBytes = 1 << 20 }
        c.start()
        await eventually("stopped") { c.snapshot.state == .stopped }
        #expect(c.snapshot.lastExit?.reason == "protocol violation: message over max_message_bytes (1048576 bytes)")
    }

    @Test func floodingStdoutIsStopped() async throws {
        let c = TestChildren.make(["flood"]) { $0.restart = .temporary }
        c.start()
        await eventually("stopped") { c.snapshot.state == .stopped }
        #expect(c.snapshot.lastExit?.reason.hasPrefix("flooding stdout") == true)
    }

    @Test func aChildThatStopsReadingItsStdinIsKilled() async throws {
        let c = TestChildren.make(["no-read"]) { $0.restart = .temporary }
        c.start()
        #expect(await c.waitReady(timeout: .seconds(60)))
        let big: JSONValue = ["blob": .string(String(repeating: "x", count: 1 << 20))]
        for _ in 0..<24 {
            Task { _ = try? await c.call(ChildProtocol.handleEvent, ["event": ["type": "test.echo", "data": big]], timeout: .seconds(30)) }
        }
        await eventually("stopped") { c.snapshot.state == .stopped }
        #expect(c.snapshot.lastExit?.reason.hasPrefix("stopped reading its stdin") == true)
    }

    @Test func aHungChildFailsItsHeartbeat() async throws {
        let c = TestChildren.make(["hang"]) { $0.restart = .temporary; $0.heartbeatIntervalMs = 100; $0.heartbeatTimeoutMs = 300 }
        c.start()
        #expect(await c.waitReady(timeout: .seconds(60)))
        do { _ = try await c.call("health", [:], timeout: .milliseconds(200)); Issue.record("expected a timeout") } catch let e as WireError {
            #expect(e.code == .timeout)
        }
        await eventually("stopped") { c.snapshot.state == .stopped }
        #expect(c.snapshot.lastExit?.reason == "heartbeat timeout: no answer to $/ping within 300 ms")
    }

    @Test func aChildThatNeverAnswersInitializeIsKilledAtTheReadinessTimeout() async throws {
        let c = TestChildren.make(["never-ready"]) { $0.restart = .temporary; $0.readinessTimeoutMs = 300 }
        c.start()
        await eventually("stopped") { c.snapshot.state == .stopped }
        #expect(c.snapshot.lastExit?.reason == "not ready after 300 ms (no answer to initialize)")
    }

    @Test func stderrIsCapturedInABoundedLog() async throws {
        let c = TestChildren.make(["stderr-spam"])
        c.start()
        #expect(await c.waitReady(timeout: .seconds(60)))
        await eventually("last spam line") { c.logTail(1).last?.text == "spam line 5000" }
        #expect(c.logTail(5000).count == 1000)
        await c.stop()
    }

    @Test func aMissingProgramIsReportedAsTheExitReason() async throws {
        let host = RecordingHost()
        var s = TestChildren.spec(["well"])
        s.restart = .temporary
        let c = SupervisedChild(name: "ghost", manifestId: "ghost", kind: "agent", spec: s, program: "/nonexistent/prog", arguments: [],
                                environment: [:], config: [:], services: .init(host: host, publish: { host.published($0) }), logger: .init(label: "t"))
        c.start()
        await eventually("stopped") { c.snapshot.state == .stopped }
        #expect(c.snapshot.lastExit?.reason == "cannot start /nonexistent/prog: execve failed: No such file or directory")
    }
}
