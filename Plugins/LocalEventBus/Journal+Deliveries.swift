import Foundation
import BusSupport
import LightningProtocol
import SQLiteSupport

extension Journal {
    // MARK: Subscriptions

    func subscribe(_ s: Subscription, now: Int64) throws -> SubscriptionInfo {
        if let problem = s.validationError() { throw WireError(.invalidArgument, "subscription: \(problem)") }
        let spec = String(decoding: try Wire.encode(s), as: UTF8.self)
        try db.run("""
            INSERT INTO subscriptions(name, spec, created_at) VALUES (?, ?, ?)
            ON CONFLICT(name) DO UPDATE SET spec = excluded.spec
            """, [.text(s.name), .text(spec), .int(now)])
        memory.subscriptions[s.name] = s
        return SubscriptionInfo(subscription: s, pending: try pending(s.name))
    }

    /// Removes a subscription and its pending deliveries (dead letters stay for inspection).
    func unsubscribe(_ name: String) throws -> DeleteResult {
        guard memory.subscriptions[name] != nil else { return DeleteResult(deleted: false) }
        try db.run("DELETE FROM deliveries WHERE subscription = ?", [.text(name)])
        try db.run("DELETE FROM subscriptions WHERE name = ?", [.text(name)])
        memory.subscriptions[name] = nil
        return DeleteResult(deleted: true)
    }

    func pending(_ name: String) throws -> Int {
        Int(try db.first("SELECT COUNT(*) FROM deliveries WHERE subscription = ?", [.text(name)], map: { $0.int(0) }) ?? 0)
    }

    // MARK: Leases

    /// Leases up to `max` deliveries that are visible now, highest priority first, then in
    /// publish order. A lease that expired unacknowledged counts as a failed attempt: it is
    /// leased again, or dead-lettered when attempts are used up. Expired events (TTL) are dropped.
    /// Returns the deliveries, each event as the JSON it was journaled as (not decoded: the
    /// answer splices it, `ReceiveResult.json`), and when the next delivery of this subscription
    /// becomes visible.
    func lease(_ r: ReceiveRequest, now: Int64) throws -> (deliveries: [EncodedDelivery], nextVisible: Int64?) {
        let sub = try subscription(r.subscription)
        guard (1...1000).contains(r.max) else {
            throw WireError(.invalidArgument, "field \"max\": expected an integer from 1 to 1000, got \(r.max)")
        }
        guard (1...3_600_000).contains(r.leaseMs) else {
            throw WireError(.invalidArgument, "field \"lease_ms\": expected an integer from 1 to 3600000, got \(r.leaseMs)")
        }
        var out: [EncodedDelivery] = []
        while out.count < r.max {
            // `INDEXED BY deliveries_order`: walk the subscription's deliveries in delivery order
            // and stop after `max` visible ones. Left to itself SQLite chose `deliveries_visible`
            // for the `visible_at` range and sorted every visible delivery (reading each one's
            // event body) on every lease: the cost of a lease grew with the backlog, and the
            // router drained a backlog of 30,000 events at 1.7k events/s (docs/benchmarks.md).
            // Now a lease reads the rows it returns plus those still leased or waiting for a
            // retry ahead of them.
            let rows = try db.all("""
                SELECT d.id, d.attempt, d.token, d.last_error, e.body, e.expires_at
                FROM deliveries d INDEXED BY deliveries_order JOIN events e ON e.seq = d.event_seq
                WHERE d.subscription = ? AND d.visible_at <= ?
                ORDER BY d.priority DESC, d.event_seq LIMIT ?
                """, [.text(r.subscription), .int(now), .int(Int64(r.max - out.count))]) { row in
                (id: row.int(0), attempt: Int(row.int(1)), leased: !row.isNull(2), lastError: row.optionalText(3),
                 body: row.text(4), expiresAt: row.isNull(5) ? nil : row.int(5))
            }
            if rows.isEmpty { break }
            for row in rows {
                if let exp = row.expiresAt, exp <= now {
                    try db.run("DELETE FROM deliveries WHERE id = ?", [.int(row.id)])
                    memory.counters.expired += 1
                    continue
                }
                if row.leased {
                    memory.counters.retried += 1
                    if row.attempt >= sub.effectiveMaxAttempts {
                        let err = row.lastError ?? "lease expired without acknowledgement (attempt \(row.attempt))"
                        try deadLetter(deliveryId: row.id, attempts: row.attempt, error: err, now: now)
                        continue
                    }
                }
                let token = Self.token()
                try db.run("UPDATE deliveries SET token = ?, visible_at = ?, attempt = attempt + 1, last_error = COALESCE(last_error, ?) WHERE id = ?",
                           [.text(token), .int(now + Int64(r.leaseMs)), row.leased ? .text("lease expired without acknowledgement") : .null, .int(row.id)])
                out.append(EncodedDelivery(deliveryId: "\(row.id):\(token)", attempt: row.attempt + 1, event: Data(row.body.utf8)))
            }
        }
        memory.counters.delivered += out.count
        let next = try db.first("SELECT MIN(visible_at) FROM deliveries WHERE subscription = ? AND visible_at > ?",
                                [.text(r.subscription), .int(now)]) { $0.isNull(0) ? nil : $0.int(0) } ?? nil
        return (out, next)
    }

    /// Settles leased deliveries; ids whose lease was lost (expired and re-granted) don't count.
    func ack(_ r: AckRequest) throws -> AckResult {
        _ = try subscription(r.subscription)
        var settled = 0
        for id in r.deliveryIds {
            guard let (row, token) = Self.parseDeliveryId(id) else {
                throw WireError(.invalidArgument, "field \"delivery_ids\": \"\(id)\" is not a delivery id from bus.receive")
            }
            settled += try db.run("DELETE FROM deliveries WHERE id = ? AND subscription = ? AND token = ?",
                                  [.int(row), .text(r.subscription), .text(token)])
        }
        memory.counters.acked += settled
        return AckResult(settled: settled)
    }

    /// A failed delivery: retried after the subscription's backoff, or dead-lettered when its
    /// attempts are used up or `retry` is false.
    func nack(_ r: NackRequest, now: Int64) throws -> NackResult {
        let sub = try subscription(r.subscription)
        guard let (row, token) = Self.parseDeliveryId(r.deliveryId) else {
            throw WireError(.invalidArgument, "field \"delivery_id\": \"\(r.deliveryId)\" is not a delivery id from bus.receive")
        }
        guard let attempt = try db.first("SELECT attempt FROM deliveries WHERE id = ? AND subscription = ? AND token = ?",
                                         [.int(row), .text(r.subscription), .text(token)], map: { Int($0.int(0)) }) else {
            return NackResult(outcome: .unknown)
        }
        let error = String(r.error.prefix(4096))
        if r.retry == false || attempt >= sub.effectiveMaxAttempts {
            try deadLetter(deliveryId: row, attempts: attempt, error: error, now: now)
            return NackResult(outcome: .deadLettered)
        }
        let at = now + Int64(sub.retryDelayMs(afterAttempt: attempt))
        try db.run("UPDATE deliveries SET token = NULL, visible_at = ?, last_error = ? WHERE id = ?", [.int(at), .text(error), .int(row)])
        memory.counters.retried += 1
        memory.notify.insert(r.subscription)
        return NackResult(outcome: .retrying, retryAt: Timestamp(millis: at))
    }

    private func deadLetter(deliveryId: Int64, attempts: Int, error: String, now: Int64) throws {
        try db.run("""
            INSERT INTO dead_letters(subscription, event_seq, attempts, last_error, dead_at)
            SELECT subscription, event_seq, ?, ?, ? FROM deliveries WHERE id = ?
            """, [.int(Int64(attempts)), .text(error), .int(now), .int(deliveryId)])
        try db.run("DELETE FROM deliveries WHERE id = ?", [.int(deliveryId)])
        memory.counters.deadLettered += 1
    }

    static func parseDeliveryId(_ id: String) -> (Int64, String)? {
        let parts = id.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let row = Int64(parts[0]), !parts[1].isEmpty else { return nil }
        return (row, String(parts[1]))
    }

    // MARK: Second chances

    /// Puts dead letters back on their subscriptions as fresh deliveries (attempts start over).
    /// Ids that don't exist, or whose subscription is gone, are skipped.
    func reprocess(_ r: ReprocessRequest, now: Int64) throws -> CountResult {
        var count = 0
        for id in r.ids {
            guard let row = Int64(id) else {
                throw WireError(.invalidArgument, "field \"ids\": \"\(id)\" is not a dead-letter id from bus.deadletters.list")
            }
            guard let (sub, seq, prio) = try db.first("""
                SELECT l.subscription, l.event_seq, e.priority FROM dead_letters l JOIN events e ON e.seq = l.event_seq WHERE l.id = ?
                """, [.int(row)], map: { ($0.text(0), $0.int(1), Int($0.int(2))) }),
                memory.subscriptions[sub] != nil
            else { continue }
            try enqueue(seq: seq, priority: Priority.allCases[min(max(prio, 0), 3)], subscription: sub, now: now)
            try db.run("DELETE FROM dead_letters WHERE id = ?", [.int(row)])
            count += 1
        }
        return CountResult(count: count)
    }

    /// Queues journaled events again: those in [from, to) matching types and correlation id,
    /// for one subscription or for every subscription that accepts them. Expired events are skipped.
    func replay(_ r: ReplayRequest, now: Int64) throws -> CountResult {
        try BusRequests.validatePatterns(r.types, field: "types")
        let targets: [Subscription]
        if let name = r.subscription { targets = [try subscription(name)] } else {
            targets = memory.subscriptions.values.sorted { $0.name < $1.name }
        }
        var sql = "SELECT e.seq, e.body FROM events e WHERE e.ts >= ? AND (e.expires_at IS NULL OR e.expires_at > ?)"
        var params: [SQLiteValue] = [.int(r.from.millis), .int(now)]
        if let to = r.to { sql += " AND e.ts < ?"; params.append(.int(to.millis)) }
        if let c = r.correlationId { sql += " AND e.correlation_id = ?"; params.append(.text(c)) }
        if let t = Self.typeFilter(r.types) { sql += " AND " + t.sql; params += t.params }
        sql += " ORDER BY e.seq"
        let rows = try db.all(sql, params) { ($0.int(0), $0.text(1)) }
        var count = 0
        for (seq, body) in rows {
            let event = try decodeEvent(body)
            for sub in targets where sub.accepts(event) {
                try enqueue(seq: seq, priority: event.priority, subscription: sub.name, now: now)
                count += 1
            }
        }
        return CountResult(count: count)
    }
}
