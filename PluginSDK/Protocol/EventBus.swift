public import Foundation

/// `bus.publish` params: events to make durable. The call completes only after every accepted
/// event is durable (journaled); that completion is the acknowledgement clients get.
public struct PublishRequest: Codable, Sendable {
    public var events: [Event]
    public init(events: [Event]) { self.events = events }
}

public struct PublishOutcome: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable { case accepted, duplicate, rejected }
    public var id: String
    public var status: Status
    /// For `duplicate`: the id of the event first published with the same idempotency key.
    public var duplicateOf: String?
    /// For `rejected`: why.
    public var error: String?
    /// How many subscriptions the event was queued for (0 = kept as an orphan).
    public var subscribers: Int?
    public init(id: String, status: Status, duplicateOf: String? = nil, error: String? = nil, subscribers: Int? = nil) {
        self.id = id; self.status = status; self.duplicateOf = duplicateOf; self.error = error; self.subscribers = subscribers
    }
    enum CodingKeys: String, CodingKey { case id, status, error, subscribers, duplicateOf = "duplicate_of" }
}

public struct PublishResult: Codable, Sendable {
    public var results: [PublishOutcome]
    public init(results: [PublishOutcome]) { self.results = results }
}

/// A durable, named subscription (a consumer group). `bus.subscribe` is idempotent: subscribing
/// again with the same name updates patterns, filter and retry policy and keeps pending events.
public struct Subscription: Codable, Sendable, Hashable {
    public var name: String
    public var patterns: [String]
    public var filter: EventFilter?
    /// Deliveries before an event is dead-lettered (default 4: the first try and 3 retries).
    public var maxAttempts: Int?
    /// First retry delay in ms (default 100), doubled per attempt up to `max_backoff_ms` (default 30000).
    public var backoffMs: Int?
    public var maxBackoffMs: Int?

    public init(name: String, patterns: [String], filter: EventFilter? = nil, maxAttempts: Int? = nil,
                backoffMs: Int? = nil, maxBackoffMs: Int? = nil) {
        self.name = name; self.patterns = patterns; self.filter = filter; self.maxAttempts = maxAttempts
        self.backoffMs = backoffMs; self.maxBackoffMs = maxBackoffMs
    }
    enum CodingKeys: String, CodingKey {
        case name, patterns, filter
        case maxAttempts = "max_attempts", backoffMs = "backoff_ms", maxBackoffMs = "max_backoff_ms"
    }

    public var effectiveMaxAttempts: Int { max(1, maxAttempts ?? 4) }

    /// Delay before attempt `attempt + 1`, after `attempt` failed deliveries (1-based).
    public func retryDelayMs(afterAttempt attempt: Int) -> Int {
        let base = max(0, backoffMs ?? 100)
        let cap = max(base, maxBackoffMs ?? 30_000)
        let shift = min(max(0, attempt - 1), 30)
        return min(cap, base << shift)
    }

    public func accepts(_ e: Event) -> Bool {
        EventPattern.matchesAny(patterns, e.type) && (filter?.matches(e) ?? true)
    }

    /// Problems with this subscription, or nil.
    public func validationError() -> String? {
        if name.isEmpty || name.utf8.count > 200 { return "field \"name\": expected 1 to 200 bytes" }
        if patterns.isEmpty { return "field \"patterns\": expected at least one pattern" }
        for (i, p) in patterns.enumerated() where !EventPattern.isValidPattern(p) {
            return "field \"patterns[\(i)]\": expected \"*\", a type, or a type followed by \".*\", got \"\(p)\""
        }
        if let m = maxAttempts, m < 1 { return "field \"max_attempts\": expected an integer ≥ 1, got \(m)" }
        return nil
    }
}

public struct SubscriptionName: Codable, Sendable {
    public var subscription: String
    public init(subscription: String) { self.subscription = subscription }
}

public struct SubscriptionList: Codable, Sendable {
    public var subscriptions: [SubscriptionInfo]
    public init(subscriptions: [SubscriptionInfo]) { self.subscriptions = subscriptions }
}

public struct SubscriptionInfo: Codable, Sendable {
    public var subscription: Subscription
    /// Events waiting (ready or leased, not yet acknowledged).
    public var pending: Int
    public init(subscription: Subscription, pending: Int) { self.subscription = subscription; self.pending = pending }
}

/// `bus.receive` params: lease up to `max` ready events of a subscription for `lease_ms`; wait up
/// to `wait_ms` for the first one. A lease that expires without ack makes the event ready again
/// (counted as a failed attempt).
public struct ReceiveRequest: Codable, Sendable {
    public var subscription: String
    public var max: Int
    public var waitMs: Int
    public var leaseMs: Int
    public init(subscription: String, max: Int = 32, waitMs: Int = 0, leaseMs: Int = 30_000) {
        self.subscription = subscription; self.max = max; self.waitMs = waitMs; self.leaseMs = leaseMs
    }
    enum CodingKeys: String, CodingKey { case subscription, max, waitMs = "wait_ms", leaseMs = "lease_ms" }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        subscription = try c.decode(String.self, forKey: .subscription)
        max = try c.decodeIfPresent(Int.self, forKey: .max) ?? 32
        waitMs = try c.decodeIfPresent(Int.self, forKey: .waitMs) ?? 0
        leaseMs = try c.decodeIfPresent(Int.self, forKey: .leaseMs) ?? 30_000
    }
}

public struct Delivery: Codable, Sendable, Hashable {
    /// Opaque token naming this lease; pass it to `bus.ack` / `bus.nack`.
    public var deliveryId: String
    /// 1 for the first delivery, 2 for the first retry, ...
    public var attempt: Int
    public var event: Event
    public init(deliveryId: String, attempt: Int, event: Event) {
        self.deliveryId = deliveryId; self.attempt = attempt; self.event = event
    }
    enum CodingKeys: String, CodingKey { case attempt, event, deliveryId = "delivery_id" }
}

public struct ReceiveResult: Codable, Sendable {
    public var deliveries: [Delivery]
    public init(deliveries: [Delivery]) { self.deliveries = deliveries }

    /// The JSON of a `ReceiveResult` whose events are already JSON (a bus that keeps each
    /// event's encoding, like the local journal, splices it in instead of decoding the event and
    /// encoding it again). Each `event` must be the JSON object of one `Event`.
    public static func json(_ deliveries: [EncodedDelivery]) -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(deliveries.reduce(16) { $0 + $1.event.count + $1.deliveryId.utf8.count + 48 })
        out.append(contentsOf: #"{"deliveries":["#.utf8)
        for (i, d) in deliveries.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"attempt":"#.utf8)
            out.append(contentsOf: String(d.attempt).utf8)
            out.append(contentsOf: #","delivery_id":"#.utf8)
            FastJSONEncoder.writeString(d.deliveryId, into: &out)
            out.append(contentsOf: #","event":"#.utf8)
            out.append(contentsOf: d.event)
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: "]}".utf8)
        return Data(out)
    }
}

/// A delivery whose event is kept as its JSON (`ReceiveResult.json`).
public struct EncodedDelivery: Sendable {
    public var deliveryId: String
    public var attempt: Int
    /// The event's JSON object.
    public var event: Data
    public init(deliveryId: String, attempt: Int, event: Data) {
        self.deliveryId = deliveryId; self.attempt = attempt; self.event = event
    }
}

public struct AckRequest: Codable, Sendable {
    public var subscription: String
    public var deliveryIds: [String]
    public init(subscription: String, deliveryIds: [String]) { self.subscription = subscription; self.deliveryIds = deliveryIds }
    enum CodingKeys: String, CodingKey { case subscription, deliveryIds = "delivery_ids" }
}

public struct AckResult: Codable, Sendable, Equatable {
    /// How many of the ids were still leased and are now settled.
    public var settled: Int
    public init(settled: Int) { self.settled = settled }
}

/// `bus.nack`: the handler failed. With `retry` (default true) the event is retried after the
/// subscription's backoff, or dead-lettered when attempts are used up; without, dead-lettered now.
public struct NackRequest: Codable, Sendable {
    public var subscription: String
    public var deliveryId: String
    public var error: String
    public var retry: Bool?
    public init(subscription: String, deliveryId: String, error: String, retry: Bool? = nil) {
        self.subscription = subscription; self.deliveryId = deliveryId; self.error = error; self.retry = retry
    }
    enum CodingKeys: String, CodingKey { case subscription, error, retry, deliveryId = "delivery_id" }
}

public struct NackResult: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable { case retrying, deadLettered = "dead_lettered", unknown }
    public var outcome: Outcome
    public var retryAt: Timestamp?
    public init(outcome: Outcome, retryAt: Timestamp? = nil) { self.outcome = outcome; self.retryAt = retryAt }
    enum CodingKeys: String, CodingKey { case outcome, retryAt = "retry_at" }
}

public struct DeadLetter: Codable, Sendable, Hashable {
    public var id: String
    public var subscription: String
    public var event: Event
    public var attempts: Int
    public var lastError: String
    public var deadAt: Timestamp
    public init(id: String, subscription: String, event: Event, attempts: Int, lastError: String, deadAt: Timestamp) {
        self.id = id; self.subscription = subscription; self.event = event; self.attempts = attempts
        self.lastError = lastError; self.deadAt = deadAt
    }
    enum CodingKeys: String, CodingKey { case id, subscription, event, attempts, lastError = "last_error", deadAt = "dead_at" }
}

/// `bus.deadletters.list` / `bus.orphans.list` params.
public struct ListRequest: Codable, Sendable {
    public var subscription: String?
    public var types: [String]?
    public var since: Timestamp?
    public var before: Timestamp?
    public var limit: Int?
    public init(subscription: String? = nil, types: [String]? = nil, since: Timestamp? = nil, before: Timestamp? = nil, limit: Int? = nil) {
        self.subscription = subscription; self.types = types; self.since = since; self.before = before; self.limit = limit
    }
}

public struct DeadLetterList: Codable, Sendable {
    public var deadLetters: [DeadLetter]
    public init(deadLetters: [DeadLetter]) { self.deadLetters = deadLetters }
    enum CodingKeys: String, CodingKey { case deadLetters = "dead_letters" }
}

/// `bus.deadletters.reprocess`: put dead letters back on their subscription as fresh deliveries.
public struct ReprocessRequest: Codable, Sendable {
    public var ids: [String]
    public init(ids: [String]) { self.ids = ids }
}

public struct CountResult: Codable, Sendable, Equatable {
    public var count: Int
    public init(count: Int) { self.count = count }
}

public struct EventList: Codable, Sendable {
    public var events: [Event]
    /// `bus.history` only: present when older events may follow; pass it back as
    /// `HistoryRequest.continuation` for the next page. Opaque.
    public var continuation: String?
    public init(events: [Event], continuation: String? = nil) { self.events = events; self.continuation = continuation }
}

/// `bus.orphans.drain`: remove orphans (optionally only these types / older than `before`) and
/// return them.
public struct DrainRequest: Codable, Sendable {
    public var types: [String]?
    public var before: Timestamp?
    public init(types: [String]? = nil, before: Timestamp? = nil) { self.types = types; self.before = before }
}

/// `bus.history` params: the journal, newest first, filtered.
public struct HistoryRequest: Codable, Sendable {
    public var eventId: String?
    public var correlationId: String?
    public var types: [String]?
    public var from: Timestamp?
    public var to: Timestamp?
    public var limit: Int?
    /// The `continuation` of the previous page: only events older (in journal order) than its
    /// last one. Opaque; a token from another bus is refused with `invalid_argument`.
    public var continuation: String?
    public init(eventId: String? = nil, correlationId: String? = nil, types: [String]? = nil,
                from: Timestamp? = nil, to: Timestamp? = nil, limit: Int? = nil, continuation: String? = nil) {
        self.eventId = eventId; self.correlationId = correlationId; self.types = types
        self.from = from; self.to = to; self.limit = limit; self.continuation = continuation
    }
    enum CodingKeys: String, CodingKey { case types, from, to, limit, continuation, eventId = "event_id", correlationId = "correlation_id" }
}

/// `bus.replay`: re-deliver journaled events with timestamps in [from, to) whose type matches
/// `types` (patterns), to `subscription` only or to every matching subscription.
public struct ReplayRequest: Codable, Sendable {
    public var from: Timestamp
    public var to: Timestamp?
    public var types: [String]?
    public var correlationId: String?
    public var subscription: String?
    public init(from: Timestamp, to: Timestamp? = nil, types: [String]? = nil, correlationId: String? = nil, subscription: String? = nil) {
        self.from = from; self.to = to; self.types = types; self.correlationId = correlationId; self.subscription = subscription
    }
    enum CodingKeys: String, CodingKey { case from, to, types, subscription, correlationId = "correlation_id" }
}

public struct BusStats: Codable, Sendable, Equatable {
    public var published: Int
    public var duplicates: Int
    public var delivered: Int
    public var acked: Int
    public var retried: Int
    public var deadLettered: Int
    public var orphaned: Int
    public var expired: Int
    public var pending: Int
    public init(published: Int = 0, duplicates: Int = 0, delivered: Int = 0, acked: Int = 0, retried: Int = 0,
                deadLettered: Int = 0, orphaned: Int = 0, expired: Int = 0, pending: Int = 0) {
        self.published = published; self.duplicates = duplicates; self.delivered = delivered; self.acked = acked
        self.retried = retried; self.deadLettered = deadLettered; self.orphaned = orphaned; self.expired = expired
        self.pending = pending
    }
    enum CodingKeys: String, CodingKey {
        case published, duplicates, delivered, acked, retried, orphaned, expired, pending
        case deadLettered = "dead_lettered"
    }
}

/// `bus.owner` result: the name under which this bus instance records its leases. Daemons
/// publish it in their cluster heartbeat so that, when one is gone, another can ask the bus
/// to release its leases (`bus.release_owner`). A new name per instance (process run).
public struct BusOwner: Codable, Sendable, Equatable {
    public var owner: String
    public init(owner: String) { self.owner = owner }
}

/// `bus.release_owner` params: the owner (from that instance's `bus.owner`) whose leased
/// deliveries are to be made due now. Idempotent: releasing again, or releasing an owner that
/// holds nothing, changes nothing; a delivery already leased again (to any owner) is untouched.
/// Each released delivery counts as a failed attempt, as an expired lease does (dead-lettered
/// when its attempts are used up). Result: `CountResult` (deliveries made due).
public struct ReleaseOwnerRequest: Codable, Sendable {
    public var owner: String
    public init(owner: String) { self.owner = owner }
}
