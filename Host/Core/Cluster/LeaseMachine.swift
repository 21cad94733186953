/// A singleton lease kept in shared storage (docs/cluster.md#leases): one document per lease,
/// written with compare-and-swap on its ETag, carrying a fencing token that grows by one at
/// every change of holder.
///
/// ```
///        observed(nil | expired)         wrote(ok)
///  ┌──────────┐ ─────────────► ┌───────────┐ ────────► ┌─────────┐ ──observed(mine), renewal due──► renew
///  │ following│                │ acquiring │           │ holding │
///  └──────────┘ ◄───────────── └───────────┘ ◄──────── └─────────┘ ──now ≥ expiry − margin──► following (lost)
///     ▲   observed(other, live)  writeRejected        writeRejected / observed(other)
/// ```
///
/// Pure: the caller (a service) reads the lease document, feeds it here, performs the write
/// this returns with `if_match`, and reports the outcome; the machine never does I/O and never
/// reads a clock. Times are milliseconds since 1970. Safety does not rest on clocks alone: a
/// holder counts itself lost `safetyMargin` before the expiry it wrote, and every write is
/// conditioned on the ETag it read, so two holders can never both write a successor.
public struct LeaseMachine: Sendable, Equatable {
    /// A lease document's data.
    public struct Record: Sendable, Equatable, Codable {
        public var holder: String
        /// Fencing token: strictly increasing across holders; stays the same across renewals.
        public var token: Int64
        /// Until when the holder may act (writer's clock, ms since 1970).
        public var expiresAt: Int64
        /// The ledger of singleton work done under the lease: for each schedule id, the time
        /// (ms since 1970) of the last fire committed (`commit`). Carried over by every renewal
        /// and takeover, so a new holder never repeats a fire its predecessor committed.
        public var fired: [String: Int64]?

        public init(holder: String, token: Int64, expiresAt: Int64, fired: [String: Int64]? = nil) {
            self.holder = holder; self.token = token; self.expiresAt = expiresAt; self.fired = fired
        }
    }

    /// What the caller must do next.
    public enum Action: Sendable, Equatable {
        /// Create the lease document (none exists).
        case create(Record)
        /// Replace the lease document if its ETag is still `ifMatch`.
        case replace(Record, ifMatch: String)
        /// Nothing to write; read the lease again at `until`.
        case wait(until: Int64)
    }

    /// A lease this node holds and the ETag of its document.
    public struct Held: Sendable, Equatable {
        public var record: Record
        public var etag: String
    }

    public enum State: Sendable, Equatable {
        /// Not holding; `observed` is the last lease seen (nil before the first read or when none exists).
        case following(observed: Record?)
        /// A write of `record` is in flight; `renewing` is the hold it renews (nil when taking the lease).
        case acquiring(Record, renewing: Held?)
        /// Holding `record`; its document has ETag `etag`.
        case holding(Record, etag: String)
    }

    public let me: String
    /// How long a written lease lasts.
    public let ttl: Int64
    /// A holder renews when less than this remains.
    public let renewBefore: Int64
    /// A holder counts itself lost this long before its lease's expiry (clock skew, pauses).
    public let safetyMargin: Int64
    public private(set) var state: State = .following(observed: nil)

    /// - Precondition: `0 ≤ safetyMargin < renewBefore < ttl`.
    public init(me: String, ttl: Int64, renewBefore: Int64, safetyMargin: Int64) {
        precondition(safetyMargin >= 0 && safetyMargin < renewBefore && renewBefore < ttl,
                     "LeaseMachine: expected 0 ≤ safetyMargin < renewBefore < ttl")
        self.me = me; self.ttl = ttl; self.renewBefore = renewBefore; self.safetyMargin = safetyMargin
    }

    /// The fencing token when this node holds the lease at `now`, else nil. Work done under the
    /// lease carries this token so that stores can refuse a stale holder's writes.
    /// While a renewal is in flight, the hold it renews still counts.
    public func token(at now: Int64) -> Int64? {
        let held: Record
        switch state {
        case .holding(let r, _): held = r
        case .acquiring(_, let renewing?): held = renewing.record
        default: return nil
        }
        return now < held.expiresAt - safetyMargin ? held.token : nil
    }

    /// The lease document as just read (`nil` when absent) with its ETag; returns what to do.
    public mutating func observed(_ current: (record: Record, etag: String)?, now: Int64) -> Action {
        guard let (record, etag) = current else {
            // No lease: create it. A previous hold of ours is gone with the document.
            let new = Record(holder: me, token: 1, expiresAt: now + ttl)
            state = .acquiring(new, renewing: nil)
            return .create(new)
        }
        if case .holding(let held, _) = state, record.holder == me, record.token == held.token {
            // Still ours: renew when due, and only while it has not run out.
            guard now < held.expiresAt - safetyMargin else { return takeOver(record, etag, now) }
            state = .holding(record, etag: etag)
            let due = record.expiresAt - renewBefore
            guard now >= due else { return .wait(until: due) }
            let renewed = Record(holder: me, token: record.token, expiresAt: now + ttl, fired: record.fired)
            state = .acquiring(renewed, renewing: Held(record: record, etag: etag))
            return .replace(renewed, ifMatch: etag)
        }
        if now < record.expiresAt {
            // Someone else's live lease (or an old one of ours with another token): follow it.
            state = .following(observed: record)
            return .wait(until: record.expiresAt)
        }
        return takeOver(record, etag, now)
    }

    private mutating func takeOver(_ record: Record, _ etag: String, _ now: Int64) -> Action {
        let new = Record(holder: me, token: record.token + 1, expiresAt: now + ttl, fired: record.fired)
        state = .acquiring(new, renewing: nil)
        return .replace(new, ifMatch: etag)
    }

    /// The ledger of the hold this node has at `now` (`Record.fired`), nil when not holding.
    public func ledger(at now: Int64) -> [String: Int64]? {
        guard token(at: now) != nil else { return nil }
        switch state {
        case .holding(let r, _): return r.fired ?? [:]
        case .acquiring(_, let renewing?): return renewing.record.fired ?? [:]
        default: return nil
        }
    }

    /// Commits singleton work before it is done (a schedule's fire): the lease document is
    /// replaced, conditioned on the ETag of this node's hold, by a renewal whose ledger records
    /// `fires` (schedule id → fire time; the later time is kept). This write is the fencing
    /// check: it succeeds only if nobody took the lease over since this node last wrote it, so
    /// a node paused past its lease cannot commit (the takeover changed the ETag). The work may
    /// be done only after `wrote(etag:)`; `writeRejected` means lost, `writeFailed` unknown
    /// (do not do it: at most once).
    /// - Parameters:
    ///   - keeping: when given, ledger entries of other ids are dropped (deleted schedules).
    /// - Returns: the write to perform; nil when this node does not hold the lease at `now`
    ///   (including within the safety margin before expiry) or a write is already in flight.
    public mutating func commit(_ fires: [String: Int64], keeping: Set<String>? = nil, now: Int64) -> Action? {
        guard case .holding(let held, let etag) = state, now < held.expiresAt - safetyMargin else { return nil }
        var ledger = held.fired ?? [:]
        if let keeping { ledger = ledger.filter { keeping.contains($0.key) } }
        for (id, at) in fires { ledger[id] = max(ledger[id] ?? at, at) }
        let new = Record(holder: me, token: held.token, expiresAt: now + ttl, fired: ledger)
        state = .acquiring(new, renewing: Held(record: held, etag: etag))
        return .replace(new, ifMatch: etag)
    }

    /// The write returned by the last `observed` succeeded; the document now has `etag`.
    /// Returns when to look again (the renewal time). Ignored (read again now) when no write
    /// was in flight.
    public mutating func wrote(etag: String) -> Action {
        guard case .acquiring(let r, _) = state else { return .wait(until: 0) }
        state = .holding(r, etag: etag)
        return .wait(until: r.expiresAt - renewBefore)
    }

    /// The write was refused (the ETag changed or the document appeared or vanished): someone
    /// else wrote first. Not holding; read again now.
    public mutating func writeRejected(now: Int64) -> Action {
        state = .following(observed: nil)
        return .wait(until: now)
    }

    /// The write failed for another reason (storage unavailable, timeout): its outcome is
    /// unknown. A renewal keeps the hold it renewed, which runs out at its old expiry minus the
    /// margin (`token(at:)`); taking the lease did not happen as far as this node knows. Read
    /// again at `retryAt`.
    public mutating func writeFailed(retryAt: Int64) -> Action {
        if case .acquiring(_, let renewing?) = state {
            state = .holding(renewing.record, etag: renewing.etag)
        } else {
            state = .following(observed: nil)
        }
        return .wait(until: retryAt)
    }
}
