@testable import HostCore
import LightningProtocol
import Testing

/// The forward of an event-bus swap against in-memory buses: errors are errors, and nothing is
/// acknowledged on the old bus before the new one has it.
@Suite struct BusForwardMigrationTests {
    @Test func forwardsEveryPendingDeliveryAndEmptiesTheOldBus() async throws {
        let old = FakeBus("old"), new = FakeBus("new")
        await old.seed(subscription: "driver:echo", pending: 1200)
        let outcome = await BusForwardMigration(old: old, new: new).forward()
        #expect(outcome == .init(forwarded: 1200, failure: nil))
        #expect(await old.unacknowledged().isEmpty)
        #expect(await new.published.count == 1200)
    }

    @Test func aForwardThatFailsHalfwayReportsItAndLosesNothing() async throws {
        let old = FakeBus("old"), new = FakeBus("new")
        await old.seed(subscription: "driver:echo", pending: 1200)
        await new.fail(Method.publish, onCall: 2)  // the second batch of 500
        let outcome = await BusForwardMigration(old: old, new: new).forward()
        #expect(outcome.forwarded == 500)
        #expect(outcome.failure == "bus.publish of 500 deliveries of driver:echo to new failed: new: injected failure of bus.publish (call 2)")
        // Every event is on the new bus or still unacknowledged on the old one.
        let moved = Set(await new.published.map(\.id))
        let left = await old.unacknowledged()
        #expect(moved.count == 500 && left.count == 700)
        #expect(moved.union(left).count == 1200)
    }

    @Test func anErrorReadingWhatIsPendingIsAFailureNotNothingPending() async throws {
        let old = FakeBus("old"), new = FakeBus("new")
        await old.seed(subscription: "s", pending: 3)
        await old.fail(Method.stats, onCall: 1)
        let outcome = await BusForwardMigration(old: old, new: new).forward()
        #expect(outcome.forwarded == 3)
        #expect(outcome.failure?.hasPrefix("bus.stats failed: old: injected failure") == true)
    }

    @Test func anErrorReceivingIsAFailureNotTheEndOfTheQueue() async throws {
        let old = FakeBus("old"), new = FakeBus("new")
        await old.seed(subscription: "s", pending: 3)
        await old.fail(Method.receive, onCall: 1)
        let outcome = await BusForwardMigration(old: old, new: new).forward()
        #expect(outcome.forwarded == 0)
        #expect(outcome.failure?.hasPrefix("bus.receive of s failed") == true)
        #expect(await old.unacknowledged().count == 3)
    }

    @Test func copiesEverySubscription() async throws {
        let old = FakeBus("old"), new = FakeBus("new")
        await old.seed(subscription: "a", pending: 0)
        await old.seed(subscription: "b", pending: 0)
        #expect(try await BusForwardMigration.copySubscriptions(from: old, to: new) == 2)
        #expect(await new.subscriptions.map(\.name) == ["a", "b"])
    }
}
