/// Hand-written JSON for the two types every boundary carries most: `Event` and its `Timestamp`.
///
/// Why: an event crosses the wire as JSON several times on its way (the API, the bus request,
/// the journal, the bus's answer, the driver call and its result), and through `Codable` each
/// crossing pays for generic containers, a coding path per member and a sort of the members
/// (`abi` and `events` profiles, docs/benchmarks.md). These write the members in their sorted
/// order directly and read them straight from the parsed tree.
///
/// They are held to the `Codable` path they replace: `FastJSONEncoder` calls `writeJSON` and
/// must produce Foundation's bytes (`EventJSONTests` compares them on random events), and
/// `JSONValueDecoder` calls `init?(wireObject:)`, which returns nil — so the `Codable` path runs
/// and produces its result or its error — for any member it does not read exactly as `Codable`
/// would.
extension Event {
    /// The event read from a parsed JSON object as `init(from:)` reads it, or nil when some
    /// member is not in the plain form (wrong type, a timestamp in seconds, an unknown priority),
    /// to be decided by `init(from:)`.
    init?(wireObject o: [String: JSONValue]) {
        guard case .string(let type)? = o["type"] else { return nil }
        func string(_ key: String) -> String?? {
            switch o[key] {
            case nil, .null?: return .some(nil)
            case .string(let s)?: return .some(s)
            default: return nil
            }
        }
        guard let id = string("id"), let source = string("source"), let correlationId = string("correlation_id"),
              let idempotencyKey = string("idempotency_key"), let userId = string("user_id"), let replyTo = string("reply_to")
        else { return nil }
        var data = JSONValue.object([:])
        switch o["data"] {
        case nil, .null?: break
        case let v?: data = v
        }
        var metadata: [String: JSONValue] = [:]
        switch o["metadata"] {
        case nil, .null?: break
        case .object(let m)?: metadata = m
        default: return nil
        }
        var timestamp: Timestamp?
        switch o["timestamp"] {
        case nil, .null?: break
        case .string(let s)?:
            guard let t = Timestamp(rfc3339: s) else { return nil }
            timestamp = t
        default: return nil
        }
        var ttlSeconds: Int?
        switch o["ttl_seconds"] {
        case nil, .null?: break
        case .int(let i)?: ttlSeconds = i
        default: return nil
        }
        var priority = Priority.normal
        switch o["priority"] {
        case nil, .null?: break
        case .string(let s)?:
            guard let p = Priority(rawValue: s) else { return nil }
            priority = p
        default: return nil
        }
        self.init(id: id ?? Event.newID(), type: type, source: source ?? "api", data: data, metadata: metadata,
                  timestamp: timestamp ?? .now(), correlationId: correlationId, idempotencyKey: idempotencyKey,
                  ttlSeconds: ttlSeconds, priority: priority, userId: userId, replyTo: replyTo)
    }

    /// A list of events read as `init?(wireObject:)` reads each, or nil when any element is
    /// not a plain event object (the `Codable` path then reads the list, and names the element).
    static func list(wireArray a: [JSONValue]) -> [Event]? {
        var events: [Event] = []
        events.reserveCapacity(a.count)
        for element in a {
            guard case .object(let o) = element, let event = Event(wireObject: o) else { return nil }
            events.append(event)
        }
        return events
    }

    /// Appends the event's JSON as the synthesized `encode(to:)` writes it with sorted keys:
    /// absent optionals are left out, `data` and `metadata` are always written.
    func writeJSON(into out: inout [UInt8]) throws {
        func key(_ k: StaticString, first: Bool = false) {
            if !first { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
            out.append(UInt8(ascii: "\""))
            out.append(UInt8(ascii: ":"))
        }
        out.append(UInt8(ascii: "{"))
        // Sorted by the keys' UTF-8 bytes, Foundation's `.sortedKeys` order on Linux.
        var first = true
        if let correlationId {
            key("correlation_id", first: true); first = false
            FastJSONEncoder.writeString(correlationId, into: &out)
        }
        key("data", first: first)
        try FastJSONEncoder.writeJSON(data, into: &out)
        key("id")
        FastJSONEncoder.writeString(id, into: &out)
        if let idempotencyKey {
            key("idempotency_key")
            FastJSONEncoder.writeString(idempotencyKey, into: &out)
        }
        key("metadata")
        try FastJSONEncoder.writeObject(metadata, into: &out)
        key("priority")
        FastJSONEncoder.writeString(priority.rawValue, into: &out)
        if let replyTo {
            key("reply_to")
            FastJSONEncoder.writeString(replyTo, into: &out)
        }
        key("source")
        FastJSONEncoder.writeString(source, into: &out)
        key("timestamp")
        timestamp.writeJSON(into: &out)
        if let ttlSeconds {
            key("ttl_seconds")
            FastJSONEncoder.writeInt(ttlSeconds, into: &out)
        }
        key("type")
        FastJSONEncoder.writeString(type, into: &out)
        if let userId {
            key("user_id")
            FastJSONEncoder.writeString(userId, into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }
}

extension Timestamp {
    /// Appends the timestamp as its JSON string: `description`, quoted, written digit by digit
    /// for instants in `valid` (civil date from the day number, no `gmtime_r` and no strings).
    func writeJSON(into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        if Self.valid.contains(millis) {
            writeRFC3339(into: &out)
        } else {
            out.append(contentsOf: description.utf8)
        }
        out.append(UInt8(ascii: "\""))
    }

    /// `YYYY-MM-DDTHH:MM:SS.fffZ` for an instant in `valid` (years 1 to 9999).
    func writeRFC3339(into out: inout [UInt8]) {
        func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : (a - b + 1) / b }
        let secs = floorDiv(millis, 1000)
        let ms = Int(millis - secs * 1000)
        let days = floorDiv(secs, 86400)
        let sod = Int(secs - days * 86400)  // seconds of the day
        // Civil from days (Howard Hinnant's algorithm), the inverse of `init?(rfc3339:)`'s.
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = Int(doy - (153 * mp + 2) / 5 + 1)
        let m = Int(mp < 10 ? mp + 3 : mp - 9)
        let y = Int(yoe + era * 400) + (m <= 2 ? 1 : 0)
        func digits(_ v: Int, _ width: Int) {
            var div = 1
            for _ in 1..<width { div *= 10 }
            var v = v
            while div > 0 {
                out.append(UInt8(ascii: "0") &+ UInt8(v / div))
                v %= div
                div /= 10
            }
        }
        digits(y, 4); out.append(UInt8(ascii: "-"))
        digits(m, 2); out.append(UInt8(ascii: "-"))
        digits(d, 2); out.append(UInt8(ascii: "T"))
        digits(sod / 3600, 2); out.append(UInt8(ascii: ":"))
        digits(sod / 60 % 60, 2); out.append(UInt8(ascii: ":"))
        digits(sod % 60, 2); out.append(UInt8(ascii: "."))
        digits(ms, 3); out.append(UInt8(ascii: "Z"))
    }
}
