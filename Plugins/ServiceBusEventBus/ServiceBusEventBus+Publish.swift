import AzureSupport
import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LightningPluginKit
import LightningProtocol
import Synchronization

extension ServiceBusEventBus {
    /// A message of a batch send: `{"Body", "BrokerProperties", "UserProperties"}`.
    struct BatchMessage: Encodable {
        let body: String
        let brokerProperties: [String: JSONValue]
        let userProperties: [String: JSONValue]
        enum CodingKeys: String, CodingKey { case body = "Body", brokerProperties = "BrokerProperties", userProperties = "UserProperties" }
    }

    static let batchCount = 100
    static let batchBytes = 192 * 1024

    /// The MessageId Service Bus deduplicates on: the idempotency key when given (and dedup is
    /// on), else the event id; longer than Service Bus's 128 characters → `sha256:<hex>`.
    func messageId(_ e: Event) -> String {
        let raw = (config.dedupWindowSeconds > 0 ? e.idempotencyKey : nil) ?? e.id
        guard raw.utf8.count > 128 else { return raw }
        return "sha256:" + SHA256.hash(data: Data(raw.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Checks each event (validity, default TTL, expiry, duplicates seen by this instance within
    /// the window), counts the subscriptions whose patterns and filter accept it, and sends the
    /// accepted ones to the topic in batches. Completes once Service Bus answered 201 for every
    /// batch (Service Bus has stored them). Duplicates sent by other daemons are dropped by
    /// the broker's duplicate detection (same MessageId) and reported here as accepted.
    func publish(_ r: PublishRequest) async throws -> PublishResult {
        guard r.events.count <= 10_000 else {
            throw WireError(.invalidArgument, "field \"events\": at most 10000 events per publish, got \(r.events.count)")
        }
        var outcomes: [PublishOutcome?] = Array(repeating: nil, count: r.events.count)
        var checked: [(index: Int, event: Event)] = []
        let now = Date()
        var seenHere: [String: String] = [:]
        for (i, input) in r.events.enumerated() {
            var event = input
            if let problem = event.validationError() {
                outcomes[i] = PublishOutcome(id: event.id, status: .rejected, error: problem)
                continue
            }
            if event.ttlSeconds == nil, let ttl = config.defaultTTLSeconds { event.ttlSeconds = ttl }
            if event.isExpired() {
                outcomes[i] = PublishOutcome(id: event.id, status: .rejected,
                                             error: "event expired before it was published (timestamp \(event.timestamp), ttl_seconds \(event.ttlSeconds ?? 0))")
                count { $0.expired += 1 }
                continue
            }
            let keys = dedupKeys(event)
            if let first = keys.lazy.compactMap({ seenHere[$0] ?? self.knownDuplicate($0, now: now) }).first {
                outcomes[i] = PublishOutcome(id: event.id, status: .duplicate, duplicateOf: first)
                count { $0.duplicates += 1 }
                continue
            }
            keys.forEach { seenHere[$0] = event.id }
            checked.append((i, event))
        }
        // Expiry is judged above, before any round trip to Service Bus.
        try await ensureTopic()
        let subs = try await listSubscriptions(fresh: false)
        let ready = try checked.map { item in
            (index: item.index, event: item.event, message: try message(item.event),
             subscribers: subs.filter { $0.subscription.accepts(item.event) }.count)
        }
        var start = 0
        while start < ready.count {
            var end = start
            var bytes = 0
            while end < ready.count, end - start < Self.batchCount {
                let size = ready[end].message.body.utf8.count + 512
                if end > start, bytes + size > Self.batchBytes { break }
                bytes += size
                end += 1
            }
            let body = try Wire.encode(ready[start..<end].map(\.message))
            let u = url(topicPath + "/messages")
            try await expect([200, 201], "POST", u, body: body, contentType: "application/vnd.microsoft.servicebus.json")
            let until = Date().addingTimeInterval(TimeInterval(config.dedupWindowSeconds))
            for item in ready[start..<end] {
                outcomes[item.index] = PublishOutcome(id: item.event.id, status: .accepted, subscribers: item.subscribers)
                if config.dedupWindowSeconds > 0 {
                    let keys = dedupKeys(item.event)
                    dedup.withLock { d in keys.forEach { d[$0] = (item.event.id, until) } }
                }
                count {
                    $0.published += 1
                    if item.subscribers == 0 { $0.orphaned += 1 }
                }
            }
            start = end
        }
        pruneDedup(now: now)
        return PublishResult(results: outcomes.enumerated().map { i, o in
            o ?? PublishOutcome(id: r.events[i].id, status: .rejected, error: "not sent")
        })
    }

    /// The keys this instance remembers an event by: its id, and its idempotency key when dedup is on.
    func dedupKeys(_ e: Event) -> [String] {
        var keys = ["id:" + e.id]
        if config.dedupWindowSeconds > 0, let k = e.idempotencyKey { keys.append("key:" + k) }
        return keys
    }

    func knownDuplicate(_ key: String, now: Date) -> String? {
        dedup.withLock { d in
            guard let hit = d[key], hit.until > now else { return nil }
            return hit.firstId
        }
    }

    func pruneDedup(now: Date) {
        dedup.withLock { d in
            if d.count > 100_000 || Int.random(in: 0..<64) == 0 { d = d.filter { $0.value.until > now } }
        }
    }

    /// The Service Bus message for an event: the event's JSON as the body, MessageId, Label =
    /// type, TimeToLive = what is left of `ttl_seconds`, CorrelationId, ReplyTo; priority,
    /// idempotency key, source and user id as user properties.
    func message(_ e: Event) throws -> BatchMessage {
        var broker: [String: JSONValue] = ["MessageId": .string(messageId(e)), "Label": .string(e.type),
                                           "ContentType": "application/json"]
        if let ttl = e.ttlSeconds {
            let left = Double(e.timestamp.millis + Int64(ttl) * 1000 - Timestamp.now().millis) / 1000
            broker["TimeToLive"] = .double(max(0.001, left))
        }
        if let c = e.correlationId { broker["CorrelationId"] = .string(String(c.prefix(128))) }
        if let r = e.replyTo { broker["ReplyTo"] = .string(String(r.prefix(128))) }
        var user: [String: JSONValue] = ["lt_priority": .string(e.priority.rawValue), "lt_event_id": .string(e.id),
                                         "lt_source": .string(e.source)]
        if let k = e.idempotencyKey { user["lt_idempotency_key"] = .string(k) }
        if let u = e.userId { user["lt_user_id"] = .string(u) }
        return BatchMessage(body: String(decoding: try Wire.encode(e), as: UTF8.self), brokerProperties: broker, userProperties: user)
    }
}
