import Foundation
import LightningPluginKit
import BusSupport
import LightningProtocol
import Synchronization

extension RedisEventBus {
    /// One event ready for the publish script.
    private struct Prepared {
        let index: Int
        let event: Event
        let body: String
    }

    static let publishChunk = 256

    /// Checks, journals and fans out events. Validity and the default TTL are applied here; the
    /// script checks, atomically per event and in this order: expiry, an id already journaled,
    /// the idempotency key within the dedup window, then fan-out (none → orphan). Chunks of 256
    /// events are pipelined on one connection; the call returns once Redis answered all of them.
    func publish(_ r: PublishRequest) async throws -> PublishResult {
        guard r.events.count <= 10_000 else {
            throw WireError(.invalidArgument, "field \"events\": at most 10000 events per publish, got \(r.events.count)")
        }
        var outcomes: [PublishOutcome?] = Array(repeating: nil, count: r.events.count)
        var ready: [Prepared] = []
        for (i, input) in r.events.enumerated() {
            var event = input
            if let problem = event.validationError() {
                outcomes[i] = PublishOutcome(id: event.id, status: .rejected, error: problem)
                continue
            }
            if event.ttlSeconds == nil, let ttl = config.defaultTTLSeconds { event.ttlSeconds = ttl }
            ready.append(Prepared(index: i, event: event, body: String(decoding: try Wire.encode(event), as: UTF8.self)))
        }
        var next = 0
        var stale = 0
        var woke = Set<String>()
        while next < ready.count {
            let snapshot = try await currentSubscriptions()
            let ranges = stride(from: next, to: ready.count, by: Self.publishChunk).map { $0..<min($0 + Self.publishChunk, ready.count) }
            var matched: [[String]] = Array(repeating: [], count: ready.count)
            let calls = ranges.map { range -> (Script, [String]) in
                var args = [snapshot.version, String(config.dedupWindowSeconds * 1000), String(config.maxOrphans),
                            String(config.retentionMaxEvents), String(config.retentionSeconds * 1000), String(range.count)]
                for k in range {
                    let e = ready[k].event
                    let subs = snapshot.subscriptions.filter { $0.accepts(e) }.map(\.name)
                    matched[k] = subs
                    args += [e.id, e.dedupKey ?? "", String(e.priority.rank), e.expiresAtMillis.map { String($0) } ?? "",
                             e.type, String(e.timestamp.millis), e.correlationId ?? "", ready[k].body, String(subs.count)]
                    args += subs
                }
                return (BusScripts.publish, args)
            }
            let replies = try await redis.runAll(calls + pruneIfDue())
            for (range, reply) in zip(ranges, replies) {
                guard let parts = reply.array, parts.first?.string == "ok" else {
                    if reply.array?.first?.string == "stale" { break }
                    throw Self.unexpected("publish", reply)
                }
                guard parts.count == 2, let results = parts[1].array, results.count == range.count else {
                    throw Self.unexpected("publish", reply)
                }
                for (k, result) in zip(range, results) {
                    let p = ready[k]
                    outcomes[p.index] = try outcome(p.event, result, subscribers: matched[k].count)
                    if outcomes[p.index]?.status == .accepted { woke.formUnion(matched[k]) }
                }
                next = range.upperBound
            }
            if next < ready.count {
                subscriptionCache.invalidate()
                stale += 1
                guard stale <= 50 else {
                    throw WireError(.unavailable, "redis \(url): subscriptions kept changing during the publish; \(next) of \(ready.count) events were published")
                }
            }
        }
        if !woke.isEmpty { waiters.notify(woke) }
        return PublishResult(results: outcomes.enumerated().map { i, o in
            o ?? PublishOutcome(id: r.events[i].id, status: .rejected, error: "internal: no outcome")
        })
    }

    private func outcome(_ event: Event, _ result: RedisValue, subscribers: Int) throws -> PublishOutcome {
        let parts = result.array ?? []
        switch parts.first?.string {
        case "accepted":
            return PublishOutcome(id: event.id, status: .accepted, subscribers: subscribers)
        case "duplicate":
            return PublishOutcome(id: event.id, status: .duplicate, duplicateOf: parts.count > 1 ? parts[1].string ?? event.id : event.id)
        case "expired":
            return PublishOutcome(id: event.id, status: .rejected,
                                  error: "event expired before it was published (timestamp \(event.timestamp), ttl_seconds \(event.ttlSeconds ?? 0))")
        default:
            throw Self.unexpected("publish", result)
        }
    }

    /// The cached subscriptions, read from Redis when missing.
    func currentSubscriptions() async throws -> SubscriptionCache.Snapshot {
        if let s = subscriptionCache.current { return s }
        return try await loadSubscriptions()
    }

    /// Reads the subscriptions (with pending counts) and refreshes the cache.
    func loadSubscriptions() async throws -> SubscriptionCache.Snapshot {
        let reply = try await redis.run(BusScripts.subscriptions, [])
        let s = try SubscriptionCache.parse(reply) { context.log(.error, "redis \(url): \($0)") }
        subscriptionCache.store(s)
        return s
    }

    /// About once a minute, a trim of the journal to `retention_seconds` (by entry id, i.e. by
    /// the time Redis journaled the event), sent along with a publish.
    private func pruneIfDue() -> [(Script, [String])] {
        let now = Timestamp.now().millis
        let due = lastPrune.withLock { last -> Bool in
            guard now - last >= 60_000 else { return false }
            last = now
            return true
        }
        guard due else { return [] }
        return [(BusScripts.trim, [String(now - Int64(config.retentionSeconds) * 1000)])]
    }
}

extension Event {
    /// When the TTL runs out (ms since 1970), or nil without a TTL.
    var expiresAtMillis: Int64? { ttlSeconds.map { timestamp.millis + Int64($0) * 1000 } }
}
