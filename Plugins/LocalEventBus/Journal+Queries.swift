import Foundation
import BusSupport
import LightningProtocol
import SQLiteSupport

extension Journal {
    /// The journal, newest first, filtered.
    func history(_ r: HistoryRequest) throws -> EventList {
        try BusRequests.validatePatterns(r.types, field: "types")
        let after = try HistoryCursor.decode(r.continuation, kind: "l").map { p -> Int64 in
            guard let seq = Int64(p) else { throw WireError(.invalidArgument, "field \"continuation\": expected the token of an earlier page of this bus's history, got \"\(r.continuation ?? "")\"") }
            return seq
        }
        var sql = "SELECT e.seq, e.body FROM events e WHERE 1"
        var params: [SQLiteValue] = []
        if let after { sql += " AND e.seq < ?"; params.append(.int(after)) }
        if let id = r.eventId { sql += " AND e.id = ?"; params.append(.text(id)) }
        if let c = r.correlationId { sql += " AND e.correlation_id = ?"; params.append(.text(c)) }
        if let from = r.from { sql += " AND e.ts >= ?"; params.append(.int(from.millis)) }
        if let to = r.to { sql += " AND e.ts < ?"; params.append(.int(to.millis)) }
        if let t = Self.typeFilter(r.types) { sql += " AND " + t.sql; params += t.params }
        // One row more than the page: its presence says whether a continuation is due.
        let limit = try BusRequests.limit(r.limit)
        sql += " ORDER BY e.seq DESC LIMIT ?"
        params.append(.int(Int64(limit + 1)))
        var rows = try db.all(sql, params) { (seq: $0.int(0), event: try decodeEvent($0.text(1))) }
        let more = rows.count > limit
        if more { rows.removeLast() }
        return EventList(events: rows.map(\.event), continuation: more ? rows.last.map { HistoryCursor.encode(kind: "l", position: String($0.seq)) } : nil)
    }

    func deadLetters(_ r: ListRequest) throws -> DeadLetterList {
        try BusRequests.validatePatterns(r.types, field: "types")
        var sql = """
            SELECT l.id, l.subscription, l.attempts, l.last_error, l.dead_at, e.body
            FROM dead_letters l JOIN events e ON e.seq = l.event_seq WHERE 1
            """
        var params: [SQLiteValue] = []
        if let s = r.subscription { sql += " AND l.subscription = ?"; params.append(.text(s)) }
        if let since = r.since { sql += " AND l.dead_at >= ?"; params.append(.int(since.millis)) }
        if let before = r.before { sql += " AND l.dead_at < ?"; params.append(.int(before.millis)) }
        if let t = Self.typeFilter(r.types) { sql += " AND " + t.sql; params += t.params }
        sql += " ORDER BY l.id LIMIT ?"
        params.append(.int(Int64(try BusRequests.limit(r.limit))))
        return DeadLetterList(deadLetters: try db.all(sql, params) { row in
            DeadLetter(id: String(row.int(0)), subscription: row.text(1), event: try decodeEvent(row.text(5)),
                       attempts: Int(row.int(2)), lastError: row.text(3), deadAt: Timestamp(millis: row.int(4)))
        })
    }

    /// Orphans, oldest first.
    func orphans(_ r: ListRequest) throws -> EventList {
        EventList(events: try orphanRows(types: r.types, since: r.since, before: r.before, limit: try BusRequests.limit(r.limit)).map(\.event))
    }

    /// Removes orphans (optionally of these types / older than `before`) and returns them.
    func drainOrphans(_ r: DrainRequest) throws -> EventList {
        let rows = try orphanRows(types: r.types, since: nil, before: r.before, limit: 10_000)
        var removed: Int64 = 0
        for row in rows { removed += Int64(try db.run("DELETE FROM orphans WHERE event_seq = ?", [.int(row.seq)])) }
        memory.orphanCount = memory.orphanCount.map { $0 - removed }
        return EventList(events: rows.map(\.event))
    }

    private func orphanRows(types: [String]?, since: Timestamp?, before: Timestamp?, limit: Int) throws -> [(seq: Int64, event: Event)] {
        try BusRequests.validatePatterns(types, field: "types")
        var sql = "SELECT o.event_seq, e.body FROM orphans o JOIN events e ON e.seq = o.event_seq WHERE 1"
        var params: [SQLiteValue] = []
        if let since { sql += " AND o.ts >= ?"; params.append(.int(since.millis)) }
        if let before { sql += " AND o.ts < ?"; params.append(.int(before.millis)) }
        if let t = Self.typeFilter(types) { sql += " AND " + t.sql; params += t.params }
        sql += " ORDER BY o.event_seq LIMIT ?"
        params.append(.int(Int64(limit)))
        return try db.all(sql, params) { (seq: $0.int(0), event: try decodeEvent($0.text(1))) }
    }

    func subscriptionList() throws -> SubscriptionList {
        var counts: [String: Int] = [:]
        try db.query("SELECT subscription, COUNT(*) FROM deliveries GROUP BY subscription") { counts[$0.text(0)] = Int($0.int(1)) }
        return SubscriptionList(subscriptions: memory.subscriptions.values.sorted { $0.name < $1.name }.map {
            SubscriptionInfo(subscription: $0, pending: counts[$0.name] ?? 0)
        })
    }

    /// Counters since this instance opened; `pending` is what the journal holds now.
    func stats() throws -> BusStats {
        var s = memory.counters
        s.pending = Int(try db.first("SELECT COUNT(*) FROM deliveries", map: { $0.int(0) }) ?? 0)
        return s
    }
}
