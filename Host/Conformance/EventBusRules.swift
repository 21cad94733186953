import Foundation
import HostCore
import LightningProtocol

/// The core of the event-bus contract (docs/events.md#delivery-semantics-of-the-bus-contract,
/// docs/plugin-abi.md#eventbus): what every bus keeps, Service Bus included. The features a
/// service may lack (history, orphans, priorities; docs/servicebus-eventbus.md#conformance) are
/// checked for the shipped buses by `EventBusConformanceTests`, not here.
public enum EventBusRules {
    static let abi = "docs/plugin-abi.md"
    static let semantics = "docs/events.md#delivery-semantics-of-the-bus-contract"

    public static var all: [ConformanceRule] { [patterns, filters, dedup, rejectOneByOne, ackSettlesOnce, retryThenDeadLetter, unknownSubscription, unsubscribe, health, releaseOwner] }

    static func rule(_ id: String, _ section: String, _ summary: String,
                     _ body: @escaping @Sendable (ConformanceCheck) async throws -> Void) -> ConformanceRule {
        ConformanceRule("eventbus.\(id)", .eventbus, section: section, summary, body: body)
    }

    static let patterns = rule("patterns", "docs/events.md#patterns-and-filters", "exact types, `prefix.*` and `*` select subscribers; `user.*` does not match `user`") { s in
        try await s.subscribe("users", ["user.*"])
        try await s.subscribe("all", ["*"])
        try await s.subscribe("created", ["user.created"])
        let out = try await s.publish([Event(type: "user.created"), Event(type: "user.profile.updated"), Event(type: "order.placed")])
        s.expectEqual(out.map(\.status.rawValue), ["accepted", "accepted", "accepted"], "publish statuses")
        s.expectEqual(out.map(\.subscribers), [3, 2, 1], "subscribers per event")
        s.expectEqual(try await s.receive("users").map(\.event.type), ["user.created", "user.profile.updated"], "user.*")
        s.expectEqual(try await s.receive("all").map(\.event.type), ["user.created", "user.profile.updated", "order.placed"], "*")
        s.expectEqual(try await s.receive("created").map(\.event.type), ["user.created"], "user.created")
        s.expectEqual(try await s.publish([Event(type: "user")]).first?.subscribers, 1, "subscribers of type user")
    }

    static let filters = rule("filters", "docs/events.md#patterns-and-filters", "a subscription's filter on sources, user ids and nested data holds for every event it gets") { s in
        try await s.subscribe("oslo", ["order.*"], filter: EventFilter(sources: ["shop"], userIds: ["u1"], data: ["address.city": "Oslo"]))
        let out = try await s.publish([
            Event(type: "order.placed", source: "shop", data: ["address": ["city": "Oslo"]], userId: "u1"),
            Event(type: "order.placed", source: "shop", data: ["address": ["city": "Bergen"]], userId: "u1"),
            Event(type: "order.placed", source: "api", data: ["address": ["city": "Oslo"]], userId: "u1"),
            Event(type: "order.placed", source: "shop", data: ["address": ["city": "Oslo"]], userId: "u2"),
        ])
        s.expectEqual(out.map(\.subscribers), [1, 0, 0, 0], "subscribers per event")
        s.expectEqual(try await s.receive("oslo").map(\.event.id), [out[0].id], "delivered")
    }

    static let dedup = rule("dedup", semantics, "an idempotency key or an id seen before makes a duplicate of the first event, delivered once") { s in
        try await s.subscribe("s", ["*"])
        let first = try await s.publish([Event(id: "a", type: "pay.requested", idempotencyKey: "k1")])
        let again = try await s.publish([Event(id: "b", type: "pay.requested", idempotencyKey: "k1"), Event(id: "a", type: "pay.requested")])
        s.expectEqual(first.first?.status.rawValue, "accepted", "first publish")
        s.expectEqual(again.map(\.status.rawValue), ["duplicate", "duplicate"], "publishing again")
        s.expectEqual(again.map(\.duplicateOf), ["a", "a"], "duplicate_of")
        s.expectEqual(try await s.receive("s").count, 1, "deliveries")
    }

    static let rejectOneByOne = rule("reject-one-by-one", "\(abi)#buspublish", "invalid events are rejected one by one with a reason; the rest of the batch is accepted") { s in
        let out = try await s.publish([Event(type: "ok.one"), Event(type: "bad type"), Event(type: "ok.two", ttlSeconds: 0)])
        s.expectEqual(out.map(\.status.rawValue), ["accepted", "rejected", "rejected"], "statuses")
        s.expect(out.count == 3 && out[1].error?.hasPrefix("field \"type\"") == true, "rejected type: error must start with field \"type\", got \(out.count > 1 ? out[1].error ?? "none" : "none")")
        s.expect(out.count == 3 && out[2].error?.isEmpty == false, "rejected ttl_seconds 0: expected a reason")
    }

    static let ackSettlesOnce = rule("ack", "\(abi)#busack", "ack settles a leased delivery once; acknowledged events are not delivered again") { s in
        try await s.subscribe("s", ["*"])
        try await s.publish([Event(type: "a.b"), Event(type: "a.c")])
        let got = try await s.receive("s")
        s.expectEqual(got.map(\.attempt), [1, 1], "attempts of the first delivery")
        s.expectEqual(try await s.ack("s", got), 2, "settled by the first ack")
        s.expectEqual(try await s.ack("s", got), 0, "settled by a second ack")
        s.expectEqual(try await s.receive("s", waitMs: 200).count, 0, "deliveries after the ack")
    }

    static let retryThenDeadLetter = rule("retry-dead-letter", "\(abi)#busnack", "a nacked event is retried with attempt + 1, dead-lettered after max_attempts, and can be reprocessed") { s in
        try await s.subscribe("s", ["job.*"], maxAttempts: 3, backoffMs: 20)
        try await s.publish([Event(id: "j1", type: "job.run")])
        var outcomes: [String] = []
        for attempt in 1...3 {
            let d = try await s.receive("s", waitMs: 5000)
            s.expectEqual(d.map(\.attempt), [attempt], "attempt \(attempt)")
            guard let first = d.first else { break }
            outcomes.append(try await s.call(Method.nack, NackRequest(subscription: "s", deliveryId: first.deliveryId, error: "boom \(attempt)"),
                                             as: NackResult.self).outcome.rawValue)
        }
        s.expectEqual(outcomes, ["retrying", "retrying", "dead_lettered"], "nack outcomes")
        let dead = try await s.call(Method.deadLetters, ListRequest(subscription: "s"), as: DeadLetterList.self).deadLetters
        s.expectEqual(dead.map(\.event.id), ["j1"], "dead letters")
        s.expectEqual(dead.first?.attempts, 3, "attempts of the dead letter")
        let count = try await s.call(Method.deadLetterReprocess, ReprocessRequest(ids: dead.map(\.id)), as: CountResult.self).count
        s.expectEqual(count, 1, "reprocessed")
        let again = try await s.receive("s", waitMs: 5000)
        s.expectEqual(again.map(\.attempt), [1], "attempt after reprocessing")
        s.expectEqual(try await s.ack("s", again), 1, "settled after reprocessing")
    }

    static let unknownSubscription = rule("unknown-subscription", "\(abi)#busreceive", "receive from a subscription that does not exist is not_found") { s in
        await s.expectError(Method.receive, ReceiveRequest(subscription: "nobody", max: 1, waitMs: 0, leaseMs: 1000), .notFound)
    }

    static let unsubscribe = rule("unsubscribe", "\(abi)#busunsubscribe", "unsubscribe answers deleted true, then false; the subscription is gone from the list") { s in
        try await s.subscribe("s", ["*"])
        s.expectEqual(try await s.call(Method.subscriptions, Empty(), as: SubscriptionList.self).subscriptions.map(\.subscription.name), ["s"], "subscriptions")
        s.expectEqual(try await s.raw(Method.unsubscribe, #"{"subscription":"s"}"#), ["deleted": true], "first unsubscribe")
        s.expectEqual(try await s.raw(Method.unsubscribe, #"{"subscription":"s"}"#), ["deleted": false], "second unsubscribe")
        s.expectEqual(try await s.call(Method.subscriptions, Empty(), as: SubscriptionList.self).subscriptions.count, 0, "subscriptions after unsubscribing")
    }

    /// Optional part of the contract (docs/cluster.md#failover-of-deliveries): a bus that answers
    /// `bus.owner` declares `bus.release_owner`; one answering `unsupported` passes (its leases
    /// expire instead, e.g. Service Bus's lock expiry).
    static let releaseOwner = rule("release-owner", "docs/cluster.md#failover-of-deliveries",
                                   "a bus that answers bus.owner makes that owner's leased deliveries due at once with bus.release_owner, each counted as an attempt; other owners' are untouched") { s in
        let owner: String
        do { owner = try await s.call(Method.owner, Empty(), as: BusOwner.self).owner } catch let e as WireError where e.code == .unsupported {
            return  // not declared: lock or lease expiry is the bus's failover
        }
        s.expect(!owner.isEmpty, "bus.owner: expected a non-empty owner")
        try await s.subscribe("s", ["job.*"], maxAttempts: 2, backoffMs: 20)
        try await s.publish([Event(id: "r1", type: "job.run"), Event(id: "r2", type: "job.run")])
        let first = try await s.receive("s", max: 1, leaseMs: 600_000)
        s.expectEqual(first.map(\.attempt), [1], "attempts of the first lease")
        s.expectEqual(try await s.call(Method.releaseOwner, ReleaseOwnerRequest(owner: "no-such-owner/1"), as: CountResult.self).count, 0,
                      "bus.release_owner of an owner holding nothing")
        s.expectEqual(try await s.receive("s", max: 2, waitMs: 0, leaseMs: 600_000).map(\.event.id), ["r2"],
                      "deliveries after releasing another owner (r1 stays leased for 10 minutes)")
        s.expectEqual(try await s.call(Method.releaseOwner, ReleaseOwnerRequest(owner: owner), as: CountResult.self).count, 2,
                      "bus.release_owner of this instance's owner (2 leased)")
        // Due now, not after the 10-minute lease: leased again at once, as a second attempt.
        let again = try await s.receive("s", max: 2, waitMs: 5000, leaseMs: 600_000)
        s.expectEqual(Set(again.map(\.event.id)), ["r1", "r2"], "deliveries right after bus.release_owner")
        s.expectEqual(again.map(\.attempt), [2, 2], "attempts after bus.release_owner (each counted)")
        s.expectEqual(try await s.ack("s", first), 0, "ack with the released lease's id after it was leased again")
        // The last attempt released: dead-lettered, as an expired lease on its last attempt is.
        _ = try await s.call(Method.releaseOwner, ReleaseOwnerRequest(owner: owner), as: CountResult.self)
        s.expectEqual(try await s.receive("s", max: 2, waitMs: 200).count, 0, "deliveries after releasing the last attempt")
        let dead = try await s.call(Method.deadLetters, ListRequest(subscription: "s"), as: DeadLetterList.self).deadLetters
        s.expectEqual(Set(dead.map(\.event.id)), ["r1", "r2"], "dead letters after releasing the last attempt")
    }

    static let health = rule("health", "\(abi)#health", "health answers healthy with a latency") { s in
        let report = try await s.call(Method.health, Empty(), as: HealthReport.self)
        s.expectEqual(report.status, .healthy, "status")
        s.expect(report.latencyMs >= 0, "latency_ms: expected ≥ 0, got \(report.latencyMs)")
    }
}

extension ConformanceCheck {
    @discardableResult
    func publish(_ events: [Event]) async throws -> [PublishOutcome] {
        try await call(Method.publish, PublishRequest(events: events), as: PublishResult.self).results
    }

    func subscribe(_ name: String, _ patterns: [String], filter: EventFilter? = nil, maxAttempts: Int? = nil, backoffMs: Int? = nil) async throws {
        _ = try await call(Method.subscribe, Subscription(name: name, patterns: patterns, filter: filter, maxAttempts: maxAttempts, backoffMs: backoffMs),
                           as: SubscriptionInfo.self)
    }

    func receive(_ sub: String, max: Int = 32, waitMs: Int = 0, leaseMs: Int = 30_000) async throws -> [Delivery] {
        try await call(Method.receive, ReceiveRequest(subscription: sub, max: max, waitMs: waitMs, leaseMs: leaseMs), as: ReceiveResult.self).deliveries
    }

    func ack(_ sub: String, _ ds: [Delivery]) async throws -> Int {
        try await call(Method.ack, AckRequest(subscription: sub, deliveryIds: ds.map(\.deliveryId)), as: AckResult.self).settled
    }
}
