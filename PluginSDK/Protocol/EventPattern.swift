/// Event-type patterns: `*` matches every type; `user.*` matches every type that starts with
/// `user.` (any depth); anything else matches exactly. Used by bus subscriptions and driver
/// capabilities alike.
public enum EventPattern {
    public static func matches(_ pattern: String, _ type: String) -> Bool {
        if pattern == "*" { return true }
        if pattern.hasSuffix(".*") {
            let prefix = pattern.dropLast(1)  // keep the dot
            return type.hasPrefix(prefix) && type.count > prefix.count
        }
        return pattern == type
    }

    public static func matchesAny(_ patterns: [String], _ type: String) -> Bool {
        patterns.contains { matches($0, type) }
    }

    /// A valid event type: 1 to 200 bytes of `[A-Za-z0-9_-]` segments separated by single dots.
    public static func isValidType(_ type: String) -> Bool {
        guard !type.isEmpty, type.utf8.count <= 200 else { return false }
        var prevDot = true
        for b in type.utf8 {
            if b == 46 { if prevDot { return false }; prevDot = true; continue }
            prevDot = false
            let ok = (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 || b == 45
            if !ok { return false }
        }
        return !prevDot
    }

    /// A valid pattern: `*`, a valid type, or a valid type followed by `.*`.
    public static func isValidPattern(_ pattern: String) -> Bool {
        if pattern == "*" { return true }
        if pattern.hasSuffix(".*") { return isValidType(String(pattern.dropLast(2))) }
        return isValidType(pattern)
    }
}

/// A subscription filter; every given field must hold (AND). Lists match when they contain the
/// event's value; `data` and `metadata` map dotted paths to values compared for equality.
public struct EventFilter: Codable, Sendable, Hashable {
    public var sources: [String]?
    public var userIds: [String]?
    public var data: [String: JSONValue]?
    public var metadata: [String: JSONValue]?

    public init(sources: [String]? = nil, userIds: [String]? = nil, data: [String: JSONValue]? = nil,
                metadata: [String: JSONValue]? = nil) {
        self.sources = sources; self.userIds = userIds; self.data = data; self.metadata = metadata
    }

    enum CodingKeys: String, CodingKey { case sources, data, metadata, userIds = "user_ids" }

    public func matches(_ e: Event) -> Bool {
        if let s = sources, !s.contains(e.source) { return false }
        if let u = userIds, !u.contains(e.userId ?? "") { return false }
        if let d = data {
            for (path, want) in d where e.data.value(atPath: path) != want { return false }
        }
        if let m = metadata {
            let meta = JSONValue.object(e.metadata)
            // A key that itself contains dots (`lt.hops`) matches as is; otherwise a dotted path.
            for (path, want) in m where (e.metadata[path] ?? meta.value(atPath: path)) != want { return false }
        }
        return true
    }
}
