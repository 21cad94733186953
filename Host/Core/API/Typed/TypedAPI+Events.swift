import Foundation
import LightningAPIServer
import LightningProtocol
import OpenAPIRuntime

/// `/v1/events` but publishing, `/v1/subscriptions`: history, bus counters, replay, dead
/// letters, orphans. (`POST /v1/events`, the hot path, is registered by hand in
/// `APIServer+Events.swift`; the stream is in `TypedAPI+Stream.swift`.)
extension TypedAPI {
    private var bus: ProviderSlot { daemon.providers.eventbus }

    func listEvents(_ input: Operations.ListEvents.Input) async throws -> Operations.ListEvents.Output {
        let q = input.query
        let h = HistoryRequest(eventId: q.eventId, correlationId: q.correlationId, types: Self.patterns(q._type),
                               from: try Self.timestamp(query: "from", q.from), to: try Self.timestamp(query: "to", q.to),
                               limit: q.limit, continuation: q.continuation)
        return .ok(.init(body: .json(try .init(try await bus.call(Method.history, h, as: EventList.self)))))
    }

    func getBusStats(_ input: Operations.GetBusStats.Input) async throws -> Operations.GetBusStats.Output {
        let s = try await bus.call(Method.stats, Empty(), as: BusStats.self)
        return .ok(.init(body: .json(.init(published: s.published, duplicates: s.duplicates, delivered: s.delivered, acked: s.acked,
                                           retried: s.retried, deadLettered: s.deadLettered, orphaned: s.orphaned, expired: s.expired,
                                           pending: s.pending))))
    }

    func replayEvents(_ input: Operations.ReplayEvents.Input) async throws -> Operations.ReplayEvents.Output {
        guard case .json(let b) = input.body else { throw WireError(.invalidArgument, "request body: expected JSON") }
        let r = ReplayRequest(from: try Self.timestamp(field: "from", b.from), to: try b.to.map { try Self.timestamp(field: "to", $0) },
                              types: b.types, correlationId: b.correlationId, subscription: b.subscription)
        return .ok(.init(body: .json(.init(count: try await bus.call(Method.replay, r, as: CountResult.self).count))))
    }

    func listDeadLetters(_ input: Operations.ListDeadLetters.Input) async throws -> Operations.ListDeadLetters.Output {
        let q = input.query
        let r = ListRequest(subscription: q.subscription, types: Self.patterns(q._type), since: try Self.timestamp(query: "since", q.since),
                            before: try Self.timestamp(query: "before", q.before), limit: q.limit)
        let list = try await bus.call(Method.deadLetters, r, as: DeadLetterList.self)
        return .ok(.init(body: .json(.init(deadLetters: try list.deadLetters.map { d in
            .init(id: d.id, subscription: d.subscription, event: try .init(d.event), attempts: d.attempts, lastError: d.lastError, deadAt: d.deadAt.date)
        }))))
    }

    func reprocessDeadLetters(_ input: Operations.ReprocessDeadLetters.Input) async throws -> Operations.ReprocessDeadLetters.Output {
        guard case .json(let b) = input.body else { throw WireError(.invalidArgument, "request body: expected JSON") }
        let r = ReprocessRequest(ids: b.ids)
        return .ok(.init(body: .json(.init(count: try await bus.call(Method.deadLetterReprocess, r, as: CountResult.self).count))))
    }

    func listOrphans(_ input: Operations.ListOrphans.Input) async throws -> Operations.ListOrphans.Output {
        let q = input.query
        let r = ListRequest(types: Self.patterns(q._type), since: try Self.timestamp(query: "since", q.since),
                            before: try Self.timestamp(query: "before", q.before), limit: q.limit)
        return .ok(.init(body: .json(try .init(try await bus.call(Method.orphans, r, as: EventList.self)))))
    }

    /// Body (optional; empty or `{}` drains every orphan): `{"types"?, "before"?}`.
    func drainOrphans(_ input: Operations.DrainOrphans.Input) async throws -> Operations.DrainOrphans.Output {
        var r = DrainRequest()
        if case .json(let b)? = input.body {
            r.types = b.types
            r.before = try b.before.map { try Self.timestamp(field: "before", $0) }
        }
        return .ok(.init(body: .json(try .init(try await bus.call(Method.orphansDrain, r, as: EventList.self)))))
    }

    func listSubscriptions(_ input: Operations.ListSubscriptions.Input) async throws -> Operations.ListSubscriptions.Output {
        let list = try await bus.call(Method.subscriptions, Empty(), as: SubscriptionList.self)
        return .ok(.init(body: .json(.init(subscriptions: try list.subscriptions.map { .init(subscription: try .init($0.subscription), pending: $0.pending) }))))
    }

    /// Patterns from `type`: repeated, or comma-separated in one value (both are documented).
    static func patterns(_ values: [String]?) -> [String]? {
        let all = (values ?? []).flatMap { $0.split(separator: ",").map(String.init) }
        return all.isEmpty ? nil : all
    }

    /// A query parameter's instant: RFC 3339, or seconds since 1970. The generated layer reads
    /// the query as a form (`+` is a space); an offset sent unencoded (`…T10:00:00+01:00`, as
    /// the hand-registered routes accepted it) arrives as `… 01:00` and is read as `+01:00`.
    static func timestamp(query name: String, _ raw: String?) throws -> Timestamp? {
        guard var s = raw else { return nil }
        if s.count >= 6, s[s.index(s.endIndex, offsetBy: -6)] == " " {
            s.replaceSubrange(s.index(s.endIndex, offsetBy: -6)..<s.index(s.endIndex, offsetBy: -5), with: "+")
        }
        if let t = Timestamp(rfc3339: s) { return t }
        if let d = Double(s) {
            guard let t = Timestamp(secondsSince1970: d) else {
                throw WireError(.invalidArgument, "query parameter \"\(name)\": expected seconds since 1970 within years 1 to 9999, got \"\(s)\"")
            }
            return t
        }
        throw WireError(.invalidArgument, "query parameter \"\(name)\": expected an RFC 3339 timestamp, got \"\(s)\"")
    }

    /// A body field's instant (`TimestampInput`): an RFC 3339 string, or seconds since 1970.
    static func timestamp(field name: String, _ t: Components.Schemas.TimestampInput) throws -> Timestamp {
        switch t {
        case .case1(let s):
            guard let t = Timestamp(rfc3339: s) else { throw WireError(.invalidArgument, "request body: field \"\(name)\": expected an RFC 3339 timestamp, got \"\(s)\"") }
            return t
        case .case2(let d):
            guard let t = Timestamp(secondsSince1970: d) else {
                throw WireError(.invalidArgument, "request body: field \"\(name)\": expected seconds since 1970 within years 1 to 9999, got \(d)")
            }
            return t
        }
    }
}

extension Components.Schemas.Event {
    init(_ e: Event) throws {
        self.init(id: e.id, _type: e.type, source: e.source, data: try .init(e.data),
                  metadata: .init(additionalProperties: try e.metadata.mapValues(OpenAPIValueContainer.init)), timestamp: e.timestamp.date,
                  correlationId: e.correlationId, idempotencyKey: e.idempotencyKey, ttlSeconds: e.ttlSeconds, priority: .init(e.priority),
                  userId: e.userId, replyTo: e.replyTo)
    }
}

extension Components.Schemas.EventList {
    init(_ l: EventList) throws { self.init(events: try l.events.map(Components.Schemas.Event.init), continuation: l.continuation) }
}

extension Components.Schemas.Priority {
    init(_ p: Priority) {
        switch p {
        case .low: self = .low
        case .normal: self = .normal
        case .high: self = .high
        case .critical: self = .critical
        }
    }
}

extension Components.Schemas.Subscription {
    init(_ s: Subscription) throws {
        let filter = try s.filter.map { f in
            Components.Schemas.EventFilter(sources: f.sources, userIds: f.userIds,
                                           data: try f.data.map { .init(additionalProperties: try $0.mapValues(OpenAPIValueContainer.init)) },
                                           metadata: try f.metadata.map { .init(additionalProperties: try $0.mapValues(OpenAPIValueContainer.init)) })
        }
        self.init(name: s.name, patterns: s.patterns, filter: filter, maxAttempts: s.maxAttempts, backoffMs: s.backoffMs, maxBackoffMs: s.maxBackoffMs)
    }
}
