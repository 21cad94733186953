public import LightningProtocol

/// Reading a bus instance's config: each problem names the field, what was expected and what
/// was found (the same messages for every bus).
public struct ConfigReader: Sendable {
    public let config: JSONValue
    public init(_ config: JSONValue) { self.config = config }

    /// An integer in `min...max`, or nil when absent or null.
    public func int(_ key: String, min: Int, max: Int = Int.max) throws -> Int? {
        guard let v = config[key], v != .null else { return nil }
        guard let i = v.intValue, i >= min, i <= max else {
            let range = max == Int.max ? "≥ \(min)" : "from \(min) to \(max)"
            throw WireError(.invalidArgument, "config field \"\(key)\": expected an integer \(range), got \(v)")
        }
        return i
    }

    /// A string, or nil when absent or null.
    public func string(_ key: String) throws -> String? {
        guard let v = config[key], v != .null else { return nil }
        guard let s = v.stringValue else {
            throw WireError(.invalidArgument, "config field \"\(key)\": expected a string, got \(v.typeDescription)")
        }
        return s
    }
}

/// Checks of request fields that every bus applies alike.
public enum BusRequests {
    /// Every pattern of `patterns` is `*`, a type, or a type followed by `.*`.
    public static func validatePatterns(_ patterns: [String]?, field: String) throws {
        for (i, p) in (patterns ?? []).enumerated() where !EventPattern.isValidPattern(p) {
            throw WireError(.invalidArgument, "field \"\(field)[\(i)]\": expected \"*\", a type, or a type followed by \".*\", got \"\(p)\"")
        }
    }

    /// A list `limit`: the default when absent, else 1...`max`.
    public static func limit(_ value: Int?, default d: Int = 100, max m: Int = 10_000) throws -> Int {
        guard let v = value else { return d }
        guard (1...m).contains(v) else { throw WireError(.invalidArgument, "field \"limit\": expected an integer from 1 to \(m), got \(v)") }
        return v
    }
}
