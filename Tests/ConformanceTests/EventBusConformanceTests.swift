import Foundation
import LightningProtocol
import Testing

/// The event-bus contract (docs/events.md), run through the real loader and C ABI against the
/// local bus library. Every test opens a fresh journal.
@Suite(.timeLimit(.minutes(2)))
struct EventBusConformanceTests {
    static func openBus(dataDir: URL? = nil, _ config: [String: JSONValue] = [:]) throws -> PluginUnderTest {
        try PluginUnderTest.open(product: "LightningLocalEventBus", id: "local-eventbus", config: config, dataDir: dataDir)
    }

    @discardableResult
    static func publish(_ bus: PluginUnderTest, _ events: [Event]) async throws -> [PublishOutcome] {
        try await bus.call(Method.publish, PublishRequest(events: events), as: PublishResult.self).results
    }

    static func subscribe(_ bus: PluginUnderTest, _ name: String, _ patterns: [String], filter: EventFilter? = nil,
                          maxAttempts: Int? = nil, backoffMs: Int? = nil) async throws {
        _ = try await bus.call(Method.subscribe, Subscription(name: name, patterns: patterns, filter: filter,
                                                               maxAttempts: maxAttempts, backoffMs: backoffMs), as: SubscriptionInfo.self)
    }

    static func receive(_ bus: PluginUnderTest, _ sub: String, max: Int = 32, waitMs: Int = 0, leaseMs: Int = 30_000) async throws -> [Delivery] {
        try await bus.call(Method.receive, ReceiveRequest(subscription: sub, max: max, waitMs: waitMs, leaseMs: leaseMs), as: ReceiveResult.self).deliveries
    }

    static func ack(_ bus: PluginUnderTest, _ sub: String, _ ds: [Delivery]) async throws -> Int {
        try await bus.call(Method.ack, AckRequest(subscription: sub, deliveryIds: ds.map(\.deliveryId)), as: AckResult.self).settled
    }

    @Test func wildcardsAndExactPatternsSelectSubscribers() async throws {
        let bus = try Self.openBus()
        try await Self.subscribe(bus, "users", ["user.*"])
        try await Self.subscribe(bus, "all", ["*"])
        try await Self.subscribe(bus, "created", ["user.created"])
        let out = try await Self.publish(bus, [Event(type: "user.created"), Event(type: "user.profile.updated"), Event(type: "order.placed")])
        #expect(out.map(\.status) == [.accepted, .accepted, .accepted])
        #expect(out.map(\.subscribers) == [3, 2, 1])
        #expect(try await Self.receive(bus, "users").map(\.event.type) == ["user.created", "user.profile.updated"])
        #expect(try await Self.receive(bus, "all").map(\.event.type) == ["user.created", "user.profile.updated", "order.placed"])
        #expect(try await Self.receive(bus, "created").map(\.event.type) == ["user.created"])
        // `user.*` does not match `user` itself.
        #expect(try await Self.publish(bus, [Event(type: "user")]).first?.subscribers == 1)
        await bus.close()
    }

    @Test func filtersOnSourceUserAndNestedData() async throws {
        let bus = try Self.openBus()
        try await Self.subscribe(bus, "oslo", ["order.*"], filter: EventFilter(sources: ["shop"], userIds: ["u1"], data: ["address.city": "Oslo"]))
        let out = try await Self.publish(bus, [
            Event(type: "order.placed", source: "shop", data: ["address": ["city": "Oslo"]], userId: "u1"),
            Event(type: "order.placed", source: "shop", data: ["address": ["city": "Bergen"]], userId: "u1"),
            Event(type: "order.placed", source: "api", data: ["address": ["city": "Oslo"]], userId: "u1"),
            Event(type: "order.placed", source: "shop", data: ["address": ["city": "Oslo"]], userId: "u2"),
        ])
        #expect(out.map(\.subscribers) == [1, 0, 0, 0])
        let got = try await Self.receive(bus, "oslo")
        #expect(got.count == 1)
        #expect(got.first?.event.id == out[0].id)
        await bus.close()
    }

    @Test func eventsWithoutSubscribersAreKeptAsOrphansAndCanBeDrained() async throws {
        let bus = try Self.openBus()
        try await Self.publish(bus, [Event(type: "nobody.listens"), Event(type: "other.thing")])
        let orphans = try await bus.call(Method.orphans, ListRequest(), as: EventList.self).events
        #expect(orphans.map(\.type) == ["nobody.listens", "other.thing"])
        let drained = try await bus.call(Method.orphansDrain, DrainRequest(types: ["nobody.*"]), as: EventList.self).events
        #expect(drained.map(\.type) == ["nobody.listens"])
        #expect(try await bus.call(Method.orphans, ListRequest(), as: EventList.self).events.map(\.type) == ["other.thing"])
        #expect(try await bus.call(Method.stats, Empty(), as: BusStats.self).orphaned == 2)
        await bus.close()
    }

    @Test func idempotencyKeysAndEventIdsDeduplicate() async throws {
        let bus = try Self.openBus()
        try await Self.subscribe(bus, "s", ["*"])
        let first = try await Self.publish(bus, [Event(id: "a", type: "pay.requested", idempotencyKey: "k1")])
        let again = try await Self.publish(bus, [Event(id: "b", type: "pay.requested", idempotencyKey: "k1"),
                                                 Event(id: "a", type: "pay.requested")])
        #expect(first.first?.status == .accepted)
        #expect(again.map(\.status) == [.duplicate, .duplicate])
        #expect(again.map(\.duplicateOf) == ["a", "a"])
        #expect(try await Self.receive(bus, "s").count == 1)
        #expect(try await bus.call(Method.stats, Empty(), as: BusStats.self).duplicates == 2)
        await bus.close()
    }

    @Test func aZeroDedupWindowTurnsKeyDedupOff() async throws {
        let bus = try Self.openBus(["dedup_window_seconds": 0])
        let out = try await Self.publish(bus, [Event(type: "x.y", idempotencyKey: "k"), Event(type: "x.y", idempotencyKey: "k")])
        #expect(out.map(\.status) == [.accepted, .accepted])
        await bus.close()
    }

    @Test func expiredEventsAreRefusedOrNeverDelivered() async throws {
        let bus = try Self.openBus()
        try await Self.subscribe(bus, "s", ["*"])
        let old = Event(type: "x.y", timestamp: Timestamp(millis: Timestamp.now().millis - 10_000), ttlSeconds: 5)
        let refused = try await Self.publish(bus, [old])
        #expect(refused.first?.status == .rejected)
        #expect(refused.first?.error?.hasPrefix("event expired before it was published") == true)
        // Alive when published, expired before anyone receives it.
        let soon = Event(type: "x.y", timestamp: Timestamp(millis: Timestamp.now().millis - 4_500), ttlSeconds: 5)
        #expect(try await Self.publish(bus, [soon]).first?.status == .accepted)
        try await Task.sleep(for: .milliseconds(700))
        #expect(try await Self.receive(bus, "s").isEmpty)
        #expect(try await bus.call(Method.stats, Empty(), as: BusStats.self).expired == 2)
        await bus.close()
    }

    @Test func invalidEventsAreRejectedOneByOneNotTheBatch() async throws {
        let bus = try Self.openBus()
        let out = try await Self.publish(bus, [Event(type: "ok.one"), Event(type: "bad type"), Event(type: "ok.two", ttlSeconds: 0)])
        #expect(out.map(\.status) == [.accepted, .rejected, .rejected])
        #expect(out[1].error?.hasPrefix("field \"type\"") == true)
        #expect(out[2].error == "field \"ttl_seconds\": expected a positive integer, got 0")
        #expect(try await bus.call(Method.history, HistoryRequest(), as: EventList.self).events.map(\.type) == ["ok.one"])
        await bus.close()
    }

    @Test func failedDeliveriesRetryWithBackoffThenDeadLetterAndCanBeReprocessed() async throws {
        let bus = try Self.openBus()
        try await Self.subscribe(bus, "s", ["job.*"], maxAttempts: 3, backoffMs: 20)
        try await Self.publish(bus, [Event(id: "j1", type: "job.run")])
        var outcomes: [NackResult.Outcome] = []
        for attempt in 1...3 {
            let d = try await Self.receive(bus, "s", waitMs: 5000)
            #expect(d.map(\.attempt) == [attempt])
            guard let first = d.first else { break }
            outcomes.append(try await bus.call(Method.nack, NackRequest(subscription: "s", deliveryId: first.deliveryId, error: "boom \(attempt)"),
                                               as: NackResult.self).outcome)
        }
        #expect(outcomes == [.retrying, .retrying, .deadLettered])
        #expect(try await Self.receive(bus, "s").isEmpty)
        let dead = try await bus.call(Method.deadLetters, ListRequest(subscription: "s"), as: DeadLetterList.self).deadLetters
        #expect(dead.count == 1)
        #expect(dead.first?.event.id == "j1")
        #expect(dead.first?.attempts == 3)
        #expect(dead.first?.lastError == "boom 3")
        let count = try await bus.call(Method.deadLetterReprocess, ReprocessRequest(ids: dead.map(\.id)), as: CountResult.self).count
        #expect(count == 1)
        let again = try await Self.receive(bus, "s")
        #expect(again.map(\.attempt) == [1])
        #expect(try await Self.ack(bus, "s", again) == 1)
        #expect(try await bus.call(Method.deadLetters, ListRequest(), as: DeadLetterList.self).deadLetters.isEmpty)
        let stats = try await bus.call(Method.stats, Empty(), as: BusStats.self)
        #expect(stats.retried == 2 && stats.deadLettered == 1 && stats.acked == 1 && stats.pending == 0)
        await bus.close()
    }

    @Test func nackWithoutRetryDeadLettersAtOnce() async throws {
        let bus = try Self.openBus()
        try await Self.subscribe(bus, "s", ["*"])
        try await Self.publish(bus, [Event(type: "a.b")])
        let d = try #require(try await Self.receive(bus, "s").first)
        let r = try await bus.call(Method.nack, NackRequest(subscription: "s", deliveryId: d.deliveryId, error: "poison", retry: false), as: NackResult.self)
        #expect(r.outcome == .deadLettered)
        await bus.close()
    }

    @Test func anExpiredLeaseIsRedeliveredAndItsOldTokenNoLongerSettles() async throws {
        let bus = try Self.openBus()
        try await Self.subscribe(bus, "s", ["*"], maxAttempts: 5)
        try await Self.publish(bus, [Event(type: "a.b")])
        let first = try await Self.receive(bus, "s", leaseMs: 50)
        #expect(first.map(\.attempt) == [1])
        let second = try await Self.receive(bus, "s", waitMs: 5000)
        #expect(second.map(\.attempt) == [2])
        #expect(second.first?.event.id == first.first?.event.id)
        #expect(try await Self.ack(bus, "s", first) == 0)
        #expect(try await Self.ack(bus, "s", second) == 1)
        #expect(try await Self.ack(bus, "s", second) == 0)
        await bus.close()
    }

    @Test func higherPrioritiesAreDeliveredFirst() async throws {
        let bus = try Self.openBus()
        try await Self.subscribe(bus, "s", ["*"])
        try await Self.publish(bus, [Event(id: "low", type: "t.x", priority: .low), Event(id: "n", type: "t.x"),
                                     Event(id: "crit", type: "t.x", priority: .critical), Event(id: "hi", type: "t.x", priority: .high)])
        #expect(try await Self.receive(bus, "s").map(\.event.id) == ["crit", "hi", "n", "low"])
        await bus.close()
    }

    @Test func aLongPollWakesWhenAnEventArrives() async throws {
        let bus = try Self.openBus()
        try await Self.subscribe(bus, "s", ["*"])
        async let got = Self.receive(bus, "s", waitMs: 30_000)
        try await Task.sleep(for: .milliseconds(100))
        try await Self.publish(bus, [Event(id: "late", type: "t.x")])
        #expect(try await got.map(\.event.id) == ["late"])
        await bus.close()
    }

    @Test func historyFiltersAndReplayRequeues() async throws {
        let bus = try Self.openBus()
        let t0 = Timestamp.now()
        try await Self.publish(bus, [Event(id: "e1", type: "user.created"), Event(id: "e2", type: "user.deleted", correlationId: "c1"),
                                     Event(id: "e3", type: "order.placed", correlationId: "c1")])
        let all = try await bus.call(Method.history, HistoryRequest(), as: EventList.self).events
        #expect(all.map(\.id) == ["e3", "e2", "e1"])
        #expect(try await bus.call(Method.history, HistoryRequest(types: ["user.*"]), as: EventList.self).events.map(\.id) == ["e2", "e1"])
        #expect(try await bus.call(Method.history, HistoryRequest(correlationId: "c1"), as: EventList.self).events.map(\.id) == ["e3", "e2"])
        #expect(try await bus.call(Method.history, HistoryRequest(limit: 1), as: EventList.self).events.map(\.id) == ["e3"])
        #expect(try await bus.call(Method.history, HistoryRequest(to: t0.adding(seconds: -1)), as: EventList.self).events.isEmpty)
        await bus.expectError(Method.history, HistoryRequest(types: ["bad pattern"]), .invalidArgument)

        try await Self.subscribe(bus, "late", ["user.*"])
        let n = try await bus.call(Method.replay, ReplayRequest(from: t0.adding(seconds: -1), types: ["user.*"]), as: CountResult.self).count
        #expect(n == 2)
        #expect(try await Self.receive(bus, "late").map(\.event.id) == ["e1", "e2"])
        let byCorrelation = try await bus.call(Method.replay, ReplayRequest(from: t0.adding(seconds: -1), correlationId: "c1", subscription: "late"),
                                               as: CountResult.self).count
        #expect(byCorrelation == 1)
        await bus.expectError(Method.replay, ReplayRequest(from: t0, subscription: "ghost"), .notFound)
        await bus.close()
    }

    @Test func badRequestsNameTheField() async throws {
        let bus = try Self.openBus()
        let m = await bus.expectError(Method.subscribe, Subscription(name: "s", patterns: ["ok", "no spaces"]), .invalidArgument)
        #expect(m == "subscription: field \"patterns[1]\": expected \"*\", a type, or a type followed by \".*\", got \"no spaces\"")
        await bus.expectError(Method.receive, ReceiveRequest(subscription: "ghost"), .notFound)
        try await Self.subscribe(bus, "s", ["*"])
        #expect(await bus.expectError(Method.receive, ReceiveRequest(subscription: "s", max: 0), .invalidArgument)
                == "field \"max\": expected an integer from 1 to 1000, got 0")
        #expect(await bus.expectError(Method.ack, AckRequest(subscription: "s", deliveryIds: ["nonsense"]), .invalidArgument)?
                .contains("\"nonsense\" is not a delivery id") == true)
        await bus.expectError(Method.publish, ["events": "not a list"] as JSONValue, .invalidArgument)
        await bus.expectError("bus.teleport", Empty(), .unsupported)
        await bus.close()
    }

    @Test func configErrorsNameTheField() async throws {
        #expect(throws: (any Error).self) { try Self.openBus(["durability": "eventually"]) }
        do { _ = try Self.openBus(["dedup_window_seconds": -1]) } catch {
            #expect("\(error)".contains("config field \"dedup_window_seconds\": expected an integer ≥ 0, got -1"))
        }
    }

    @Test func subscriptionsAreListedWithPendingCountsAndCanBeRemoved() async throws {
        let bus = try Self.openBus()
        try await Self.subscribe(bus, "b", ["x.*"])
        try await Self.subscribe(bus, "a", ["*"])
        try await Self.publish(bus, [Event(type: "x.y"), Event(type: "z.z")])
        let list = try await bus.call(Method.subscriptions, Empty(), as: SubscriptionList.self).subscriptions
        #expect(list.map(\.subscription.name) == ["a", "b"])
        #expect(list.map(\.pending) == [2, 1])
        #expect(try await bus.call(Method.unsubscribe, SubscriptionName(subscription: "b"), as: DeleteResult.self).deleted)
        #expect(try await bus.call(Method.unsubscribe, SubscriptionName(subscription: "b"), as: DeleteResult.self).deleted == false)
        #expect(try await bus.call(Method.stats, Empty(), as: BusStats.self).pending == 2)
        await bus.close()
    }

    @Test func acknowledgedPublishesSurviveReopeningAndLeasesAreReturned() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lt-bus-\(UUID().uuidString.prefix(8))")
        let bus = try Self.openBus(dataDir: dir)
        try await Self.subscribe(bus, "s", ["*"])
        try await Self.publish(bus, (0..<10).map { Event(id: "e\($0)", type: "t.x") })
        let leased = try await Self.receive(bus, "s", max: 4)
        #expect(leased.count == 4)
        await bus.close()

        let reopened = try Self.openBus(dataDir: dir)
        let all = try await Self.receive(reopened, "s", max: 100)
        #expect(all.map(\.event.id) == (0..<10).map { "e\($0)" })
        // The interrupted lease did not count as an attempt.
        #expect(all.allSatisfy { $0.attempt == 1 })
        #expect(try await Self.ack(reopened, "s", all) == 10)
        #expect(try await reopened.call(Method.history, HistoryRequest(), as: EventList.self).events.count == 10)
        await reopened.close()
    }

    @Test func concurrentPublishesAreAllJournaled() async throws {
        let bus = try Self.openBus()
        try await Self.subscribe(bus, "s", ["*"])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<400 {
                group.addTask { try await Self.publish(bus, [Event(id: "c\(i)", type: "load.test")]) }
            }
            try await group.waitForAll()
        }
        let stats = try await bus.call(Method.stats, Empty(), as: BusStats.self)
        #expect(stats.published == 400)
        #expect(stats.pending == 400)
        var seen = Set<String>()
        while true {
            let batch = try await Self.receive(bus, "s", max: 128)
            if batch.isEmpty { break }
            batch.forEach { seen.insert($0.event.id) }
            _ = try await Self.ack(bus, "s", batch)
        }
        #expect(seen.count == 400)
        await bus.close()
    }

    @Test func healthReportsTheJournal() async throws {
        let bus = try Self.openBus()
        let h = try await bus.call(Method.health, Empty(), as: HealthReport.self)
        #expect(h.status == .healthy)
        #expect(h.details?["durability"] == "full")
        await bus.close()
    }
}
