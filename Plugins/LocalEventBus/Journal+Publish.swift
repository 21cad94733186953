import Foundation
import LightningProtocol
import SQLiteSupport

extension Journal {
    /// Journals one event and queues it for every subscription that accepts it; runs inside the
    /// batch transaction of `JournalQueue`. Order of checks: validity, expiry, duplicate id,
    /// idempotency key, then fan-out (none → orphan).
    func publish(_ input: Event, now: Int64) throws -> PublishOutcome {
        var event = input
        if let problem = event.validationError() {
            return PublishOutcome(id: event.id, status: .rejected, error: problem)
        }
        if event.ttlSeconds == nil, let ttl = config.defaultTTLSeconds { event.ttlSeconds = ttl }
        if event.isExpired(at: Timestamp(millis: now)) {
            memory.counters.expired += 1
            return PublishOutcome(id: event.id, status: .rejected,
                                  error: "event expired before it was published (timestamp \(event.timestamp), ttl_seconds \(event.ttlSeconds ?? 0))")
        }
        if try db.first("SELECT 1 FROM events WHERE id = ?", [.text(event.id)], map: { _ in true }) == true {
            memory.counters.duplicates += 1
            return PublishOutcome(id: event.id, status: .duplicate, duplicateOf: event.id)
        }
        if let key = event.dedupKey, config.dedupWindowSeconds > 0 {
            if let first = try db.first("SELECT event_id FROM dedup WHERE key = ? AND expires_at > ?", [.text(key), .int(now)], map: { $0.text(0) }) {
                memory.counters.duplicates += 1
                return PublishOutcome(id: event.id, status: .duplicate, duplicateOf: first)
            }
            try db.run("INSERT OR REPLACE INTO dedup(key, event_id, expires_at) VALUES (?, ?, ?)",
                       [.text(key), .text(event.id), .int(now + Int64(config.dedupWindowSeconds) * 1000)])
        }
        let body = String(decoding: try Wire.encode(event), as: UTF8.self)
        let expires: SQLiteValue = event.ttlSeconds.map { .int(event.timestamp.millis + Int64($0) * 1000) } ?? .null
        try db.run("INSERT INTO events(id, type, correlation_id, ts, expires_at, priority, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   [.text(event.id), .text(event.type), event.correlationId.map { .text($0) } ?? .null,
                    .int(event.timestamp.millis), expires, .int(Int64(event.priority.rank)), .text(body)])
        let seq = db.lastInsertRowID
        var subscribers = 0
        for (name, sub) in memory.subscriptions.sorted(by: { $0.key < $1.key }) where sub.accepts(event) {
            try enqueue(seq: seq, priority: event.priority, subscription: name, now: now)
            subscribers += 1
        }
        if subscribers == 0 { try keepOrphan(seq: seq, ts: event.timestamp.millis) }
        memory.counters.published += 1
        return PublishOutcome(id: event.id, status: .accepted, subscribers: subscribers)
    }

    /// Keeps an event no subscription accepted; beyond `max_orphans` the oldest are forgotten.
    private func keepOrphan(seq: Int64, ts: Int64) throws {
        memory.counters.orphaned += 1
        guard config.maxOrphans > 0 else { return }
        let added = try db.run("INSERT OR IGNORE INTO orphans(event_seq, ts) VALUES (?, ?)", [.int(seq), .int(ts)])
        var count: Int64
        if let known = memory.orphanCount {
            count = known + Int64(added)
        } else {
            count = try db.first("SELECT COUNT(*) FROM orphans", map: { $0.int(0) }) ?? 0
        }
        if count > Int64(config.maxOrphans) {
            count -= Int64(try db.run("DELETE FROM orphans WHERE event_seq IN (SELECT event_seq FROM orphans ORDER BY event_seq LIMIT ?)",
                                      [.int(count - Int64(config.maxOrphans))]))
        }
        memory.orphanCount = count
    }

    /// Forgets what is past retention: events older than `retention_seconds` with nothing
    /// pending, dead-lettered or orphaned, and expired dedup keys. At most once a minute.
    func pruneIfDue(now: Int64) throws {
        guard now - memory.lastPrune >= 60_000 else { return }
        memory.lastPrune = now
        try db.run("DELETE FROM dedup WHERE expires_at <= ?", [.int(now)])
        let cutoff = now - Int64(config.retentionSeconds) * 1000
        // `seq NOT IN (SELECT event_seq FROM deliveries)`: SQLite reads the pending event numbers
        // once into a temporary index ("LIST SUBQUERY" in the plan), as `deliveries` keeps no
        // index on `event_seq` for the hot path's sake (`event_seq` is NOT NULL, so NOT IN means
        // what it says).
        try db.run("""
            DELETE FROM events WHERE ts < ?
              AND seq NOT IN (SELECT event_seq FROM deliveries)
              AND NOT EXISTS (SELECT 1 FROM dead_letters l WHERE l.event_seq = events.seq)
              AND NOT EXISTS (SELECT 1 FROM orphans o WHERE o.event_seq = events.seq)
            """, [.int(cutoff)])
    }
}
