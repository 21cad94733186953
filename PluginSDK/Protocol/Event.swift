public import Foundation

/// Delivery priority of an event. Higher priorities are delivered first by buses that order.
public enum Priority: String, Codable, Sendable, Hashable, CaseIterable, Comparable {
    case low, normal, high, critical

    public var rank: Int { Priority.allCases.firstIndex(of: self)! }
    public static func < (a: Priority, b: Priority) -> Bool { a.rank < b.rank }
}

/// An event: the unit that flows between clients, the bus, the router, drivers and agents.
///
/// Wire form (JSON, snake_case):
/// `{"id","type","source","data","metadata","timestamp","correlation_id","idempotency_key",
///   "ttl_seconds","priority","user_id","reply_to"}`. Only `type` is required on input; the host
/// fills `id` (UUID), `source` ("api"), `timestamp` (now), `priority` ("normal").
public struct Event: Codable, Sendable, Hashable {
    public var id: String
    public var type: String
    public var source: String
    public var data: JSONValue
    public var metadata: [String: JSONValue]
    public var timestamp: Timestamp
    public var correlationId: String?
    public var idempotencyKey: String?
    public var ttlSeconds: Int?
    public var priority: Priority
    public var userId: String?
    public var replyTo: String?

    public init(
        id: String = Event.newID(), type: String, source: String = "api",
        data: JSONValue = .object([:]), metadata: [String: JSONValue] = [:], timestamp: Timestamp = .now(),
        correlationId: String? = nil, idempotencyKey: String? = nil, ttlSeconds: Int? = nil,
        priority: Priority = .normal, userId: String? = nil, replyTo: String? = nil
    ) {
        self.id = id; self.type = type; self.source = source; self.data = data; self.metadata = metadata
        self.timestamp = timestamp; self.correlationId = correlationId; self.idempotencyKey = idempotencyKey
        self.ttlSeconds = ttlSeconds; self.priority = priority; self.userId = userId; self.replyTo = replyTo
    }

    enum CodingKeys: String, CodingKey {
        case id, type, source, data, metadata, timestamp, priority
        case correlationId = "correlation_id", idempotencyKey = "idempotency_key", ttlSeconds = "ttl_seconds"
        case userId = "user_id", replyTo = "reply_to"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decode(String.self, forKey: .type)
        id = try c.decodeIfPresent(String.self, forKey: .id) ?? Event.newID()
        source = try c.decodeIfPresent(String.self, forKey: .source) ?? "api"
        data = try c.decodeIfPresent(JSONValue.self, forKey: .data) ?? .object([:])
        metadata = try c.decodeIfPresent([String: JSONValue].self, forKey: .metadata) ?? [:]
        timestamp = try c.decodeIfPresent(Timestamp.self, forKey: .timestamp) ?? .now()
        correlationId = try c.decodeIfPresent(String.self, forKey: .correlationId)
        idempotencyKey = try c.decodeIfPresent(String.self, forKey: .idempotencyKey)
        ttlSeconds = try c.decodeIfPresent(Int.self, forKey: .ttlSeconds)
        priority = try c.decodeIfPresent(Priority.self, forKey: .priority) ?? .normal
        userId = try c.decodeIfPresent(String.self, forKey: .userId)
        replyTo = try c.decodeIfPresent(String.self, forKey: .replyTo)
    }

    /// A new event id: a time-ordered (version 7, RFC 9562) UUID, lower case: 48 bits of Unix
    /// milliseconds, then 74 random bits from the system's random source (`getrandom`).
    ///
    /// Time-ordered because every journal indexes events by id (the duplicate check) and replies
    /// by `correlation_id`: random (version 4) ids put each new event on a random page of those
    /// indexes, so every commit wrote and fsynced a page per event; ids that grow with time land
    /// on the last page, which the commit writes anyway (docs/benchmarks.md). Ids made within
    /// the same millisecond are unordered among themselves; nothing relies on their order.
    /// Foundation's `UUID()` is not used: it opens, reads and closes `/dev/urandom` for each one
    /// on Linux.
    public static func newID(now: Timestamp = .now()) -> String {
        var g = SystemRandomNumberGenerator()
        let random: UInt64 = g.next(), more: UInt16 = g.next()
        let ms = UInt64(clamping: now.millis) & 0xFFFF_FFFF_FFFF  // before 1970: 0
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: ms >> (8 * (5 - i))) }
        bytes[6] = 0x70 | UInt8(truncatingIfNeeded: more >> 12)  // version 7, 4 bits of rand_a
        bytes[7] = UInt8(truncatingIfNeeded: more)  // 8 more bits of rand_a
        for i in 0..<8 { bytes[8 + i] = UInt8(truncatingIfNeeded: random >> (8 * i)) }
        bytes[8] = (bytes[8] & 0x3f) | 0x80  // RFC 9562 variant (10xx)
        let hex = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(36)
        for (i, b) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Problems that make this event unacceptable, or nil. Checked by every bus on publish.
    public func validationError() -> String? {
        if id.isEmpty || id.utf8.count > 256 { return "field \"id\": expected 1 to 256 bytes, got \(id.utf8.count)" }
        if !EventPattern.isValidType(type) {
            return "field \"type\": expected dot-separated segments of letters, digits, '_' or '-', got \"\(type)\""
        }
        if let ttl = ttlSeconds, ttl <= 0 || ttl > Self.maxTTLSeconds {
            return "field \"ttl_seconds\": expected an integer from 1 to \(Self.maxTTLSeconds) (100 years), got \(ttl)"
        }
        return nil
    }

    /// The longest `ttl_seconds` an event may carry.
    public static let maxTTLSeconds = 3_153_600_000

    /// True when the TTL has passed at `now` (never, for a TTL too large to add: no trap).
    public func isExpired(at now: Timestamp = .now()) -> Bool {
        guard let ttl = ttlSeconds else { return false }
        let (ttlMillis, overflow) = Int64(clamping: ttl).multipliedReportingOverflow(by: 1000)
        guard !overflow else { return false }
        let (deadline, past) = timestamp.millis.addingReportingOverflow(ttlMillis)
        return !past && now.millis > deadline
    }

    /// The deduplication key: the idempotency key when given, else nil (no dedup).
    public var dedupKey: String? { idempotencyKey }
}

/// Metadata keys the host sets on events it routes.
public enum EventMetadataKey {
    /// How many routing hops produced this event (0 for an event from a client).
    public static let hops = "lt.hops"
    /// The driver or agent that emitted this event.
    public static let emittedBy = "lt.emitted_by"
}
