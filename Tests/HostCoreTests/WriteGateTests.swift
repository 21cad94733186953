@testable import HostCore
import Testing

/// The write hold of a copy swap belongs to that swap (two holds no longer share one flag).
@Suite struct WriteGateTests {
    @Test func writesWaitUntilEveryHoldIsReleased() async throws {
        let gate = WriteGate()
        let first = await gate.hold()
        let second = await gate.hold()
        let entered = Locked(false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await gate.enter(); entered.withLock { $0 = true }; gate.leave() }
            first.release()
            first.release()  // a second release of the same hold changes nothing
            try await Task.sleep(for: .milliseconds(50))
            #expect(!entered.value, "a write went through while the second swap still held writes")
            #expect(gate.snapshot.holds == 1)
            second.release()
            try await group.waitForAll()
        }
        #expect(entered.value)
        #expect(gate.snapshot.holds == 0 && gate.snapshot.inFlight == 0)
    }

    @Test func aHoldWaitsForTheWritesAlreadyRunning() async throws {
        let gate = WriteGate()
        await gate.enter()
        let held = Locked(false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { let h = await gate.hold(); held.withLock { $0 = true }; h.release() }
            try await Task.sleep(for: .milliseconds(50))
            #expect(!held.value)
            gate.leave()
            try await group.waitForAll()
        }
        #expect(held.value)
    }
}
