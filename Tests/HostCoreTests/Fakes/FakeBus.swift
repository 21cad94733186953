import Foundation
@testable import HostCore
import LightningProtocol

/// An in-memory event bus behind `ProviderConnection`: subscriptions that accept every event,
/// ready and leased deliveries, and failures the test sets.
actor FakeBus: ProviderConnection {
    nonisolated let label: String
    private(set) var subscriptions: [Subscription] = []
    private(set) var ready: [String: [Delivery]] = [:]
    private(set) var leased: [String: (subscription: String, delivery: Delivery)] = [:]
    private(set) var published: [Event] = []
    /// Nacked deliveries' events with their error, and those dead-lettered (no retry, or attempts used up).
    private(set) var nacked: [(event: String, error: String)] = []
    private(set) var deadLettered: [String] = []
    private(set) var closed = false
    private var healthy = true
    private var calls: [String: Int] = [:]
    private var failures: [String: Int] = [:]
    private var nextId = 0

    init(_ label: String) { self.label = label }

    func setHealthy(_ h: Bool) { healthy = h }
    /// How many times `method` was called.
    func callCount(_ method: String) -> Int { calls[method] ?? 0 }
    func fail(_ method: String, onCall n: Int) { failures[method] = n }

    /// Adds a subscription with `count` pending events.
    func seed(subscription name: String, pending count: Int) {
        subscriptions.append(Subscription(name: name, patterns: ["*"]))
        for i in 0..<count { enqueue(Event(id: "\(name)-\(i)", type: "t", source: "test"), to: name) }
    }

    /// Every event id not acknowledged on this bus (ready or leased), by subscription.
    func unacknowledged() -> Set<String> {
        Set(ready.values.flatMap { $0.map(\.event.id) } + leased.values.map(\.delivery.event.id))
    }

    private func enqueue(_ e: Event, to sub: String) {
        nextId += 1
        ready[sub, default: []].append(Delivery(deliveryId: "d\(nextId)", attempt: 1, event: e))
    }

    func call(_ method: String, _ params: Data) async throws -> Data {
        guard !closed else { throw WireError(.unavailable, "\(label) is closed") }
        calls[method, default: 0] += 1
        if failures[method] == calls[method] { throw WireError(.unavailable, "\(label): injected failure of \(method) (call \(calls[method]!))") }
        switch method {
        case Method.health:
            return try Wire.encode(HealthReport(status: healthy ? .healthy : .unhealthy, latencyMs: 0))
        case Method.subscriptions:
            return try Wire.encode(SubscriptionList(subscriptions: subscriptions.map {
                SubscriptionInfo(subscription: $0, pending: (ready[$0.name]?.count ?? 0))
            }))
        case Method.subscribe:
            let s = try Wire.decode(Subscription.self, from: params)
            if !subscriptions.contains(where: { $0.name == s.name }) { subscriptions.append(s) }
            return try Wire.encode(SubscriptionInfo(subscription: s, pending: 0))
        case Method.publish:
            let r = try Wire.decode(PublishRequest.self, from: params)
            published += r.events
            for e in r.events { for s in subscriptions where EventPattern.matchesAny(s.patterns, e.type) { enqueue(e, to: s.name) } }
            return try Wire.encode(PublishResult(results: r.events.map { PublishOutcome(id: $0.id, status: .accepted) }))
        case Method.receive:
            let r = try Wire.decode(ReceiveRequest.self, from: params)
            // A long poll, as real buses do: up to `wait_ms` (at most 1 s) for a first delivery.
            let until = ContinuousClock.now + .milliseconds(min(1000, r.waitMs))
            while (ready[r.subscription] ?? []).isEmpty, ContinuousClock.now < until, !closed {
                try await Task.sleep(for: .milliseconds(5))
            }
            let batch = Array((ready[r.subscription] ?? []).prefix(r.max))
            ready[r.subscription]?.removeFirst(batch.count)
            for d in batch { leased[d.deliveryId] = (r.subscription, d) }
            return try Wire.encode(ReceiveResult(deliveries: batch))
        case Method.ack:
            let r = try Wire.decode(AckRequest.self, from: params)
            for id in r.deliveryIds { leased[id] = nil }
            return try Wire.encode(AckResult(settled: r.deliveryIds.count))
        case Method.nack:
            let r = try Wire.decode(NackRequest.self, from: params)
            guard let (sub, d) = leased.removeValue(forKey: r.deliveryId) else { return try Wire.encode(NackResult(outcome: .unknown)) }
            nacked.append((d.event.id, r.error))
            let max = subscriptions.first { $0.name == sub }?.maxAttempts ?? 1
            if r.retry == false || d.attempt >= max {
                deadLettered.append(d.event.id)
                return try Wire.encode(NackResult(outcome: .deadLettered))
            }
            nextId += 1
            ready[sub, default: []].append(Delivery(deliveryId: "d\(nextId)", attempt: d.attempt + 1, event: d.event))
            return try Wire.encode(NackResult(outcome: .retrying))
        case Method.stats:
            return try Wire.encode(BusStats(published: published.count, pending: ready.values.map(\.count).reduce(0, +) + leased.count))
        default:
            throw WireError(.unsupported, "\(label): \(method) is not faked")
        }
    }

    func close() async { closed = true }
}
