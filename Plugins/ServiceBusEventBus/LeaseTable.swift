import Foundation
import Synchronization

/// The leases this instance holds: one per peek-locked message, keyed by its delivery id (the
/// lock URL). Service Bus locks a message for the subscription's LockDuration; the contract's
/// lease is `lease_ms` per receive, so a timer per lease renews the lock until the lease ends
/// and then abandons it (a failed attempt, as a lease expiry is). A nack keeps the lock until
/// its backoff has passed, then abandons it: the broker has no delayed redelivery over REST.
final class LeaseTable: Sendable {
    struct Lease: Sendable {
        let subscription: String
        let attempt: Int
        let maxAttempts: Int
        /// When the lease (or, after a nack, the backoff) ends and the lock is abandoned.
        var deadline: Date
        /// When the broker's lock ends unless renewed.
        var lockedUntil: Date
        let lockDuration: TimeInterval
        /// Settled by a nack: an ack no longer counts, the timer abandons at `deadline`.
        var nacked = false
        /// Bumped on every reschedule; a timer that finds another generation does nothing.
        var generation: UInt64 = 0
    }

    private let table = Mutex<[String: Lease]>([:])

    func insert(_ id: String, _ lease: Lease) { table.withLock { $0[id] = lease } }
    func get(_ id: String) -> Lease? { table.withLock { $0[id] } }
    @discardableResult func remove(_ id: String) -> Lease? { table.withLock { $0.removeValue(forKey: id) } }

    /// Changes a lease and returns it with a new generation, or nil when it is gone.
    func update(_ id: String, _ change: (inout Lease) -> Void) -> Lease? {
        table.withLock { t in
            guard var l = t[id] else { return nil }
            change(&l)
            l.generation &+= 1
            t[id] = l
            return l
        }
    }

    /// Removes and returns every delivery id (shutdown).
    func removeAll() -> [String] {
        table.withLock { t in
            let ids = Array(t.keys)
            t = [:]
            return ids
        }
    }

    /// When the timer should next look at `lease`: the deadline, or a quarter of the lock
    /// duration before the lock ends, whichever comes first.
    static func nextCheck(_ lease: Lease) -> Date {
        min(lease.deadline, lease.lockedUntil.addingTimeInterval(-max(0.5, lease.lockDuration / 4)))
    }
}
