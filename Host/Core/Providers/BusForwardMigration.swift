import LightningProtocol

/// What an event-bus swap moves from the old bus to the new one: its subscriptions before the
/// switch, its pending deliveries after.
///
/// ```
///  before switch: old.subscriptions ──▶ new.subscribe (each)
///  after switch:  repeat { for each subscription: old.receive ──▶ new.publish ──▶ old.ack }
///                 until old.stats.pending == 0, or an error, or `maxWait`
/// ```
///
/// Nothing is acknowledged on the old bus before the new bus has accepted it, so a forward that
/// stops (an error, the deadline) leaves what it did not move pending on the old bus (a received
/// batch whose publish failed returns when its lease ends). An error is never read as "nothing
/// pending": it ends the forward and is reported in `Outcome.failure`.
struct BusForwardMigration: Sendable {
    let old: any ProviderConnection
    let new: any ProviderConnection
    var maxWait: Duration = .seconds(60)
    var pause: Duration = .milliseconds(100)
    var batch = 500
    /// Lease of a forwarded batch on the old bus: if the publish to the new bus fails, the batch
    /// is pending again there after this long.
    var leaseMs = 60_000

    struct Outcome: Sendable, Equatable {
        var forwarded: Int
        /// Why the forward stopped before the old bus was empty; nil when it finished.
        var failure: String?
    }

    /// Creates every subscription of the old bus on the new one.
    /// - Returns: how many.
    static func copySubscriptions(from old: any ProviderConnection, to new: any ProviderConnection) async throws -> Int {
        let subs = try await old.call(.subscriptions).subscriptions
        for s in subs { _ = try await new.call(.subscribe, s.subscription) }
        return subs.count
    }

    /// Forwards in passes until nothing is pending on the old bus. Deliveries leased before the
    /// switch settle on the old bus; those that come back are forwarded by later passes.
    func forward() async -> Outcome {
        let deadline = ContinuousClock.now + maxWait
        var forwarded = 0
        do {
            while true {
                try await pass(counting: &forwarded)
                let pending = try await step("bus.stats") { try await old.call(.stats).pending }
                if pending == 0 { return Outcome(forwarded: forwarded) }
                if ContinuousClock.now >= deadline {
                    return Outcome(forwarded: forwarded, failure: "\(pending) deliveries still pending on \(old.label) after \(maxWait)")
                }
                try await Task.sleep(for: pause)
            }
        } catch let e as StepFailed {
            return Outcome(forwarded: forwarded, failure: e.description)
        } catch {
            return Outcome(forwarded: forwarded, failure: "forward interrupted: \(error)")
        }
    }

    private func pass(counting forwarded: inout Int) async throws {
        let subs = try await step("bus.subscriptions") { try await old.call(.subscriptions).subscriptions }
        for s in subs {
            let name = s.subscription.name
            while true {
                let deliveries = try await step("bus.receive of \(name)") {
                    try await old.call(.receive, ReceiveRequest(subscription: name, max: batch, waitMs: 0, leaseMs: leaseMs)).deliveries
                }
                if deliveries.isEmpty { break }
                _ = try await step("bus.publish of \(deliveries.count) deliveries of \(name) to \(new.label)") {
                    try await new.call(.publish, PublishRequest(events: deliveries.map(\.event)))
                }
                _ = try await step("bus.ack of \(deliveries.count) forwarded deliveries of \(name)") {
                    try await old.call(.ack, AckRequest(subscription: name, deliveryIds: deliveries.map(\.deliveryId)))
                }
                forwarded += deliveries.count
            }
        }
    }

    /// An error of one call of the forward, naming the call.
    struct StepFailed: Error, CustomStringConvertible {
        var step: String
        var underlying: any Error
        var description: String { "\(step) failed: \((underlying as? WireError)?.message ?? "\(underlying)")" }
    }

    private func step<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch { throw StepFailed(step: what, underlying: error) }
    }
}
