import Foundation
import BusSupport
import LightningProtocol

extension RedisEventBus {
    /// The journal, newest first, filtered (`from` inclusive, `to` exclusive, on the event's
    /// timestamp). By id: one lookup (`eid:<id>` → entry); otherwise a scan from the newest entry.
    func history(_ r: HistoryRequest) async throws -> EventList {
        try BusRequests.validatePatterns(r.types, field: "types")
        let limit = try BusRequests.limit(r.limit)
        func keep(_ e: StreamEntry) -> Bool {
            if let id = r.eventId, e["id"] != id { return false }
            if let c = r.correlationId, e["cid"] != c { return false }
            let ts = e["ts"].flatMap { Int64($0) } ?? 0
            if let from = r.from, ts < from.millis { return false }
            if let to = r.to, ts >= to.millis { return false }
            return Self.typeMatches(r.types, e["type"])
        }
        let after = try HistoryCursor.decode(r.continuation, kind: "r")
        if let after, !Self.isStreamId(after) {
            throw WireError(.invalidArgument, "field \"continuation\": expected the token of an earlier page of this bus's history, got \"\(r.continuation ?? "")\"")
        }
        var out: [Event] = []
        if let id = r.eventId {
            let keys = config.keyPrefix
            let sid = try await pool.send([["GET", keys + "eid:" + id]])[0]
            guard let sid = sid.string, sid.contains("-") else { return EventList(events: []) }
            let rows = try await pool.send([["XRANGE", keys + "events", sid, sid]])[0].array ?? []
            for row in rows {
                if let e = StreamEntry(row), keep(e), let b = e["b"] { out.append(try Self.decodeEvent(b)) }
            }
            return EventList(events: out)
        }
        // One entry more than the page: its presence says whether a continuation is due.
        var ids: [String] = []
        try await scan(config.keyPrefix + "events", newestFirst: true, after: after) { e in
            if keep(e), let b = e["b"] { out.append(try Self.decodeEvent(b)); ids.append(e.id) }
            return out.count <= limit
        }
        guard out.count > limit else { return EventList(events: out) }
        out.removeLast()
        return EventList(events: out, continuation: HistoryCursor.encode(kind: "r", position: ids[limit - 1]))
    }

    /// `<ms>-<seq>`, as Redis stream entry ids are.
    static func isStreamId(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
    }

    /// Queues journaled events again: those in [from, to) (event timestamps) matching types and
    /// correlation id and not expired, for one subscription or every subscription accepting them.
    func replay(_ r: ReplayRequest) async throws -> CountResult {
        try BusRequests.validatePatterns(r.types, field: "types")
        let snapshot = try await loadSubscriptions()
        let targets: [Subscription]
        if let name = r.subscription {
            guard let s = snapshot.subscriptions.first(where: { $0.name == name }) else { throw Self.noSubscription(name) }
            targets = [s]
        } else {
            targets = snapshot.subscriptions
        }
        let now = try await redisTimeMillis()
        var batch: [String] = []
        var count = 0
        var woke = Set<String>()
        try await scan(config.keyPrefix + "events") { e in
            let ts = e["ts"].flatMap { Int64($0) } ?? 0
            guard ts >= r.from.millis, r.to.map({ ts < $0.millis }) ?? true,
                  r.correlationId.map({ e["cid"] == $0 }) ?? true, Self.typeMatches(r.types, e["type"]),
                  (e["exp"].flatMap { Int64($0) }.map { $0 > now } ?? true), let body = e["b"] else { return true }
            let event = try Self.decodeEvent(body)
            for sub in targets where sub.accepts(event) {
                batch += [sub.name, String(event.priority.rank), e.id, e["exp"] ?? "", event.type, body]
                woke.insert(sub.name)
            }
            return true
        }
        // Enqueued in chunks of 500 deliveries, each chunk atomic.
        let per = 6 * 500
        for start in stride(from: 0, to: batch.count, by: per) {
            let reply = try await redis.run(BusScripts.enqueue, Array(batch[start..<min(start + per, batch.count)]))
            guard let n = reply.int else { throw Self.unexpected("replay", reply) }
            count += Int(n)
        }
        if !woke.isEmpty { waiters.notify(woke) }
        return CountResult(count: count)
    }

    /// Counters since the bus's keys were created (shared by every daemon on this prefix);
    /// `pending` is what the subscriptions' streams hold now.
    func stats() async throws -> BusStats {
        let reply = try await redis.run(BusScripts.stats, [])
        guard let a = reply.array, a.count >= 2, let pending = a[0].int else { throw Self.unexpected("stats", reply) }
        var c: [String: Int] = [:]
        var i = 2
        while i + 1 < a.count {
            if let k = a[i].string, let v = a[i + 1].int { c[k] = Int(v) }
            i += 2
        }
        return BusStats(published: c["published"] ?? 0, duplicates: c["duplicates"] ?? 0, delivered: c["delivered"] ?? 0,
                        acked: c["acked"] ?? 0, retried: c["retried"] ?? 0, deadLettered: c["dead_lettered"] ?? 0,
                        orphaned: c["orphaned"] ?? 0, expired: c["expired"] ?? 0, pending: Int(pending))
    }

    /// Redis's clock (`TIME`), the one the scripts use for expiry, in ms since 1970.
    func redisTimeMillis() async throws -> Int64 {
        let reply = try await pool.send([["TIME"]])[0]
        guard let a = reply.array, a.count == 2, let s = a[0].int, let us = a[1].int else { throw Self.unexpected("TIME", reply) }
        return s * 1000 + us / 1000
    }
}
