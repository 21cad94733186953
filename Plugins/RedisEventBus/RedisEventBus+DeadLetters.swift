import Foundation
import BusSupport
import LightningProtocol

extension RedisEventBus {
    /// Dead letters (stream `<p>dead`), oldest first, filtered by subscription, event type and
    /// time of death. A dead letter's id is its stream entry id.
    func deadLetters(_ r: ListRequest) async throws -> DeadLetterList {
        try BusRequests.validatePatterns(r.types, field: "types")
        let limit = try BusRequests.limit(r.limit)
        var out: [DeadLetter] = []
        try await scan(config.keyPrefix + "dead") { e in
            let at = e["at"].flatMap { Int64($0) } ?? 0
            guard r.subscription.map({ e["sub"] == $0 }) ?? true, Self.typeMatches(r.types, e["t"]),
                  r.since.map({ at >= $0.millis }) ?? true, r.before.map({ at < $0.millis }) ?? true,
                  let sub = e["sub"], let body = e["b"] else { return true }
            out.append(DeadLetter(id: e.id, subscription: sub, event: try Self.decodeEvent(body),
                                  attempts: Int(e["attempts"] ?? "") ?? 0, lastError: e["err"] ?? "",
                                  deadAt: Timestamp(millis: at)))
            return out.count < limit
        }
        return DeadLetterList(deadLetters: out)
    }

    /// Puts dead letters back on their subscriptions as fresh deliveries (attempts start over).
    /// Ids that don't exist, or whose subscription is gone, are skipped.
    func reprocess(_ r: ReprocessRequest) async throws -> CountResult {
        for id in r.ids where !Self.isEntryId(id) {
            throw WireError(.invalidArgument, "field \"ids\": \"\(id)\" is not a dead-letter id from bus.deadletters.list")
        }
        guard !r.ids.isEmpty else { return CountResult(count: 0) }
        let reply = try await redis.run(BusScripts.reprocess, r.ids)
        guard let n = reply.int else { throw Self.unexpected("reprocess", reply) }
        subscriptionCache.invalidate()
        if n > 0 { waiters.notifyAll() }
        return CountResult(count: Int(n))
    }

    /// Orphans, oldest first, filtered by type and event timestamp.
    func orphans(_ r: ListRequest) async throws -> EventList {
        let rows = try await orphanRows(types: r.types, since: r.since, before: r.before, limit: try BusRequests.limit(r.limit))
        return EventList(events: rows.map(\.event))
    }

    /// Removes orphans (optionally of these types / older than `before`, at most 10000) and
    /// returns them. Each orphan is returned by the one drain that deleted it (`XDEL` answers 1),
    /// so concurrent drains in several daemons never hand out the same orphan twice.
    func drainOrphans(_ r: DrainRequest) async throws -> EventList {
        let rows = try await orphanRows(types: r.types, since: nil, before: r.before, limit: 10_000)
        guard !rows.isEmpty else { return EventList(events: []) }
        let key = config.keyPrefix + "orphans"
        let replies = try await pool.send(rows.map { ["XDEL", key, $0.id] })
        return EventList(events: zip(rows, replies).compactMap { row, reply in reply.int == 1 ? row.event : nil })
    }

    private func orphanRows(types: [String]?, since: Timestamp?, before: Timestamp?, limit: Int) async throws -> [(id: String, event: Event)] {
        try BusRequests.validatePatterns(types, field: "types")
        var out: [(id: String, event: Event)] = []
        try await scan(config.keyPrefix + "orphans") { e in
            let ts = e["ts"].flatMap { Int64($0) } ?? 0
            guard Self.typeMatches(types, e["type"]), since.map({ ts >= $0.millis }) ?? true,
                  before.map({ ts < $0.millis }) ?? true, let body = e["b"] else { return true }
            out.append((e.id, try Self.decodeEvent(body)))
            return out.count < limit
        }
        return out
    }

    /// `<ms>-<seq>`: the shape of a stream entry id.
    static func isEntryId(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { p in !p.isEmpty && p.utf8.count <= 20 && p.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }
    }
}
