@testable import HostCore
import Testing

/// The one waiter primitive: each waiter its own deadline and its own cancellation.
@Suite struct WatchedTests {
    @Test func aWaiterWhoseConditionHoldsReturnsAtOnce() async {
        let w = Watched(3)
        #expect(await w.wait(for: .seconds(60)) { $0 == 3 })
        #expect(w.waiterCount == 0)
    }

    @Test func anUpdateWakesOnlyTheWaitersWhoseConditionHolds() async {
        let w = Watched(0)
        await withTaskGroup(of: (String, Bool).self) { group in
            group.addTask { ("one", await w.wait(for: .seconds(60)) { $0 >= 1 }) }
            group.addTask { ("two", await w.wait(for: .seconds(60)) { $0 >= 2 }) }
            while w.waiterCount < 2 { await Task.yield() }
            w.update { $0 = 1 }
            let first = await group.next()
            #expect(first?.0 == "one" && first?.1 == true)
            #expect(w.waiterCount == 1, "the other waiter still waits")
            w.update { $0 = 2 }
            let second = await group.next()
            #expect(second?.0 == "two" && second?.1 == true)
        }
    }

    /// The defect of the hand-written lists: one waiter's deadline woke every waiter.
    @Test func oneWaitersDeadlineDoesNotWakeAnother() async {
        let w = Watched(false)
        await withTaskGroup(of: (String, Bool).self) { group in
            group.addTask { ("short", await w.wait(for: .milliseconds(1)) { $0 }) }
            group.addTask { ("long", await w.wait(for: .seconds(60)) { $0 }) }
            let first = await group.next()
            #expect(first?.0 == "short" && first?.1 == false)
            // The long waiter is still waiting after the short one's deadline.
            try? await Task.sleep(for: .milliseconds(50))
            while w.waiterCount < 1 { await Task.yield() }
            #expect(w.waiterCount == 1)
            w.update { $0 = true }
            let second = await group.next()
            #expect(second?.0 == "long" && second?.1 == true)
        }
    }

    @Test func cancellationEndsOnlyTheCancelledWaiter() async {
        let w = Watched(0)
        let other = Task { await w.wait { $0 == 7 } }
        let cancelled = Task { await w.wait { $0 == 7 } }
        while w.waiterCount < 2 { await Task.yield() }
        cancelled.cancel()
        #expect(await cancelled.value == false)
        #expect(w.waiterCount == 1)
        w.update { $0 = 7 }
        #expect(await other.value == true)
    }

    @Test func aTaskCancelledBeforeWaitingDoesNotSuspend() async {
        let w = Watched(0)
        let t = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await w.wait { $0 == 1 }
        }
        #expect(await t.value == false)
        #expect(w.waiterCount == 0)
    }

    @Test func waitIgnoringCancellationWaitsForTheCondition() async {
        let w = Watched(0)
        let t = Task { await w.waitIgnoringCancellation { $0 == 1 }; return w.value }
        while w.waiterCount < 1 { await Task.yield() }
        t.cancel()
        try? await Task.sleep(for: .milliseconds(20))
        #expect(w.waiterCount == 1, "still waiting after cancellation")
        w.update { $0 = 1 }
        #expect(await t.value == 1)
    }
}
