import Foundation
@testable import HostCore
import LightningProtocol
import Testing

/// Defects of the hand-written supervisor (issue 11), each against a real child.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct SupervisionDefectTests {
    /// One waiter's short deadline used to wake every waiter: a delivery that waited with the
    /// full readiness timeout failed "not ready" because another gave up after 1 ms.
    @Test func aShortReadyDeadlineDoesNotFailAnotherWaiter() async throws {
        let c = TestChildren.make(["slow-ready", "3000"]) { $0.restart = .temporary }
        c.start()
        let patient = Task { await c.waitReady(timeout: .seconds(60)) }
        // (Or the child is ready already: a loaded machine can take the 3 s before the waiter registers.)
        await eventually("the patient waiter waits") { c.runtime.waiterCount >= 1 || c.currentState == .ready }
        let impatient = await c.waitReady(timeout: .milliseconds(1))
        // (Ready within 1 ms only if this machine stalled for the whole 3 s.)
        #expect(impatient == (c.currentState == .ready))
        #expect(await patient.value == true)
        #expect(c.currentState == .ready)
        await c.stop()
    }

    /// Garbage before the handshake answer, read in one go with the answer: the kill for the
    /// garbage is decided first, so the run is never announced ready.
    @Test func garbageBeforeTheHandshakeIsNeverAnnouncedReady() async throws {
        let host = RecordingHost()
        let c = TestChildren.make(["garbage-before-init", "10"], host: host) { $0.restart = .temporary }
        c.start()
        await eventually("stopped") { c.snapshot.state == .stopped }
        let s = c.snapshot
        #expect(s.lastExit?.reason.hasPrefix("protocol violation: 10 malformed messages in a row") == true)
        #expect(!s.transitions.map(\.state).contains(.ready))
        #expect(host.processEvents("process.ready").isEmpty)
        #expect(s.malformedLines == 10)
    }

    /// Fewer stray lines than the limit: the child keeps running, and each line is in its log and counted.
    @Test func strayStdoutLinesAreLoggedAndCounted() async throws {
        let c = TestChildren.make(["some-garbage", "3"])
        c.start()
        #expect(await c.waitReady(timeout: .seconds(60)))
        await eventually("three stray lines") { c.snapshot.malformedLines == 3 }
        let lines = c.logTail(100).filter { $0.stream == "stdout" }.map(\.text)
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { $0.hasPrefix("not JSON-RPC (") })
        #expect(lines.last?.hasSuffix(": stray line 3") == true)
        #expect(c.currentState == .ready)
        let json = try Wire.decode(JSONValue.self, from: Wire.encode(c.snapshot))
        #expect(json["malformed_lines"] == 3)
        await c.stop()
    }
}

/// Operator commands (issue 18): never hang, one at a time per child, and an operator's stop or
/// restart never counts toward restart intensity.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct OperatorCommandTests {
    @Test func concurrentCommandsAllAnswerAndOverlappingOnesAreRefused() async throws {
        let c = TestChildren.make(["well"])
        c.start()
        #expect(await c.waitReady(timeout: .seconds(60)))
        let commands: [SupervisedChild.OperatorCommand] = [.restart, .stop, .start, .restart, .stop, .start, .restart, .start, .stop, .restart, .start, .stop]
        let outcomes = await withTaskGroup(of: String.self) { group -> [String] in
            for cmd in commands {
                group.addTask {
                    do { try await c.operate(cmd); return "done" } catch let e as WireError {
                        return e.code == .conflict && e.message.hasPrefix("t: a ") && e.message.hasSuffix(" is in progress; try again when it ends") ? "refused" : "\(e)"
                    } catch { return "\(error)" }
                }
            }
            var out: [String] = []
            for await o in group { out.append(o) }
            return out
        }
        // Every call answered, each either done or refused as a conflict.
        #expect(outcomes.count == commands.count)
        #expect(outcomes.allSatisfy { $0 == "done" || $0 == "refused" }, "\(outcomes)")
        #expect(outcomes.contains("done"))
        // And the child is usable afterwards.
        try await c.operate(.start)
        #expect(c.currentState == .ready)
        await c.stop()
    }

    @Test func aStopSupersededByAStartReturns() async throws {
        let c = TestChildren.make(["well"])
        c.start()
        #expect(await c.waitReady(timeout: .seconds(60)))
        let stopping = Task { await c.stop() }
        await eventually("stopping") { c.currentState == .stopping || c.currentState == .exited || c.currentState == .stopped }
        c.start()
        await stopping.value
        #expect(await c.waitReady(timeout: .seconds(60)))
        await c.stop()
        #expect(c.currentState == .stopped)
    }

    @Test func operatorRestartsDoNotCountTowardIntensity() async throws {
        let c = TestChildren.make(["well"]) { $0.intensity.maxRestarts = 1; $0.intensity.withinSeconds = 600 }
        c.start()
        #expect(await c.waitReady(timeout: .seconds(60)))
        for _ in 0..<3 { try await c.operate(.restart) }
        #expect(c.currentState == .ready)
        #expect(c.snapshot.restarts == 3)
        // A crash now is still restarted: the operator's restarts did not use up the intensity.
        c.kill(reason: "test kill")
        await eventually("restarted after the kill") { c.snapshot.restarts == 4 && c.currentState == .ready }
        await c.stop()
    }
}
