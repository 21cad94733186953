import Foundation
import LightningProtocol
import Synchronization

/// The subscriptions as last read from Redis, with the `subs-version` they were read at.
///
/// Publishers match events against this copy (the patterns and filters are evaluated in Swift,
/// by the same `Subscription.accepts` as every bus) and pass the version to the publish script,
/// which refuses a chunk when the version moved (another daemon, or this one, subscribed or
/// unsubscribed in between); the publisher then reloads and tries again. So fan-out is decided
/// against the subscriptions as they are when the event is journaled, atomically.
final class SubscriptionCache: Sendable {
    struct Snapshot: Sendable {
        var version: String
        /// Sorted by name.
        var subscriptions: [Subscription]
        var pending: [String: Int]
    }

    private let state = Mutex<Snapshot?>(nil)

    var current: Snapshot? { state.withLock { $0 } }

    func store(_ s: Snapshot) { state.withLock { $0 = s } }

    func invalidate() { state.withLock { $0 = nil } }

    /// Parses the reply of `BusScripts.subscriptions`: {version, {name, spec, pending}, …}.
    /// A spec that does not decode is skipped and reported through `problem`.
    static func parse(_ reply: RedisValue, problem: (String) -> Void) throws -> Snapshot {
        guard let items = reply.array, let version = items.first?.string else {
            throw WireError(.internal, "redis subscriptions: unexpected reply \(reply)")
        }
        var subs: [Subscription] = []
        var pending: [String: Int] = [:]
        for item in items.dropFirst() {
            guard let row = item.array, row.count == 3, let name = row[0].string, let spec = row[1].string else { continue }
            do {
                let s = try Wire.decode(Subscription.self, from: Data(spec.utf8), what: "stored subscription \(name)")
                subs.append(s)
                pending[name] = Int(row[2].int ?? 0)
            } catch {
                problem("\(error)")
            }
        }
        subs.sort { $0.name < $1.name }
        return Snapshot(version: version, subscriptions: subs, pending: pending)
    }
}
