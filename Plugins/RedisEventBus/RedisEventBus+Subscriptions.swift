import Foundation
import LightningProtocol

extension RedisEventBus {
    /// Creates or updates a subscription; pending events are kept.
    func subscribe(_ s: Subscription) async throws -> SubscriptionInfo {
        if let problem = s.validationError() { throw WireError(.invalidArgument, "subscription: \(problem)") }
        let spec = String(decoding: try Wire.encode(s), as: UTF8.self)
        let reply = try await redis.run(BusScripts.subscribe, [s.name, spec, Self.policy(s)])
        subscriptionCache.invalidate()
        guard let pending = reply.int else { throw Self.unexpected("subscribe", reply) }
        return SubscriptionInfo(subscription: s, pending: Int(pending))
    }

    /// Removes a subscription and its pending deliveries (dead letters stay for inspection).
    func unsubscribe(_ r: SubscriptionName) async throws -> DeleteResult {
        let reply = try await redis.run(BusScripts.unsubscribe, [r.subscription])
        subscriptionCache.invalidate()
        guard let n = reply.int else { throw Self.unexpected("unsubscribe", reply) }
        return DeleteResult(deleted: n == 1)
    }

    func subscriptions() async throws -> SubscriptionList {
        let s = try await loadSubscriptions()
        return SubscriptionList(subscriptions: s.subscriptions.map {
            SubscriptionInfo(subscription: $0, pending: s.pending[$0.name] ?? 0)
        })
    }

    /// The retry policy the scripts read: `max_attempts|d1,…,d31`, where `dn` is
    /// `retryDelayMs(afterAttempt: n)` (from attempt 31 on the delay no longer changes), so the
    /// scripts apply exactly the contract's backoff without a second copy of the formula.
    static func policy(_ s: Subscription) -> String {
        "\(s.effectiveMaxAttempts)|" + (1...31).map { String(max(0, s.retryDelayMs(afterAttempt: $0))) }.joined(separator: ",")
    }
}
