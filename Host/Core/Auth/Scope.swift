import LightningProtocol

/// What a token may do (docs/security.md). `admin` includes every other scope; `read` and
/// `events:write` are independent (a publisher need not read, a dashboard need not publish).
public enum Scope: String, Sendable, Codable, CaseIterable, Comparable {
    /// Every `GET` that shows state: events, processes, functions, storage documents, metrics.
    case read
    /// Publishing events (`POST /v1/events`, within the token's event patterns) and invoking functions.
    case eventsWrite = "events:write"
    /// Everything: providers, processes, function deployment, containers, storage writes,
    /// replay and dead letters, the config, tokens.
    case admin

    /// True when a token holding `self` may call a route that needs `needed`.
    public func grants(_ needed: Scope) -> Bool { self == .admin || self == needed }

    public static func < (a: Scope, b: Scope) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Parses a list such as `["read", "events:write"]`.
    /// - Throws: `WireError(.invalidArgument)` naming `field` and the bad value.
    static func parse(_ names: [String], field: String) throws -> [Scope] {
        try names.map { n in
            guard let s = Scope(rawValue: n) else {
                throw WireError(.invalidArgument,
                                "field \"\(field)\": expected \(allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), got \"\(n)\"")
            }
            return s
        }
    }
}
