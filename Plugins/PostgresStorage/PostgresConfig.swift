import Foundation
import LightningProtocol

/// The instance configuration of the PostgreSQL storage plugin (manifests/postgres-storage.json).
///
/// Where to connect comes from `url` (`postgres://user:password@host:port/database?sslmode=…`,
/// also `postgresql://`) or from the separate fields `host`, `port`, `user`, `password`,
/// `database`; a separate field overrides the same part of `url`. `password` and `url` are
/// secrets: no message of this plugin quotes them (`redactedURL` is what messages show).
///
/// - `schema`: the PostgreSQL schema holding the plugin's two tables (default `lightning`), so
///   several independent stores can share one database.
/// - `tls`: `disable` (default; loopback and private networks) or `require` (TLS, the server's
///   certificate verified against the system's trust roots and the host name). A `sslmode` in
///   `url` sets it the same way (`disable`, `require`, `verify-full`).
/// - `max_connections`: the pool's size (default 10).
/// - `connect_timeout_seconds` (default 5) and `request_timeout_seconds` (default 30): how long a
///   new connection and one operation (including the wait for a pooled connection) may take
///   before the call fails with `unavailable`.
struct PostgresConfig: Sendable, Equatable {
    enum TLSMode: String, Sendable { case disable, require }

    var host: String
    var port: Int
    var user: String
    var password: String?
    var database: String
    var schema: String
    var tls: TLSMode
    var maxConnections: Int
    var connectTimeout: Duration
    var requestTimeout: Duration

    /// Reads and checks the config object.
    /// - Throws: `WireError(.invalidArgument)` naming the field, what was expected and what was
    ///   found (never the password or the URL's password).
    init(_ config: JSONValue) throws {
        guard case .object = config else {
            throw WireError(.invalidArgument, "config: expected an object, got \(config.typeDescription)")
        }
        var host = "127.0.0.1", port = 5432, user = "lightning", database = "lightning"
        var password: String? = nil
        var tls = TLSMode.disable
        if let url = try Self.string(config, "url") {
            let parts = try Self.parse(url: url)
            host = parts.host ?? host
            port = parts.port ?? port
            user = parts.user ?? user
            password = parts.password
            database = parts.database ?? database
            tls = parts.tls ?? tls
        }
        if let h = try Self.string(config, "host") {
            guard !h.isEmpty else { throw WireError(.invalidArgument, "config field \"host\": expected a host name or address, got \"\"") }
            host = h
        }
        if let p = config["port"], p != .null {
            guard let i = p.intValue, (1...65535).contains(i) else {
                throw WireError(.invalidArgument, "config field \"port\": expected an integer from 1 to 65535, got \(p)")
            }
            port = i
        }
        if let u = try Self.string(config, "user") {
            guard !u.isEmpty else { throw WireError(.invalidArgument, "config field \"user\": expected a role name, got \"\"") }
            user = u
        }
        if let pw = try Self.string(config, "password") { password = pw }
        if let d = try Self.string(config, "database") {
            guard !d.isEmpty else { throw WireError(.invalidArgument, "config field \"database\": expected a database name, got \"\"") }
            database = d
        }
        if let t = try Self.string(config, "tls") {
            guard let mode = TLSMode(rawValue: t) else {
                throw WireError(.invalidArgument, "config field \"tls\": expected \"disable\" or \"require\", got \(JSONValue.string(t))")
            }
            tls = mode
        }
        let schema = try Self.string(config, "schema") ?? "lightning"
        guard Self.isIdentifier(schema) else {
            throw WireError(.invalidArgument,
                            "config field \"schema\": expected 1 to 63 lowercase letters, digits or '_', starting with a letter or '_', got \(JSONValue.string(schema))")
        }
        self.host = host; self.port = port; self.user = user; self.password = password
        self.database = database; self.schema = schema; self.tls = tls
        maxConnections = try Self.int(config, "max_connections", 1...1000) ?? 10
        connectTimeout = .seconds(try Self.int(config, "connect_timeout_seconds", 1...600) ?? 5)
        requestTimeout = .seconds(try Self.int(config, "request_timeout_seconds", 1...3600) ?? 30)
    }

    /// `postgres://user@host:port/database` without the password, for messages and health.
    var redactedURL: String { "postgres://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)" }

    /// The schema name as an SQL identifier (it is checked to need no escaping).
    var quotedSchema: String { "\"\(schema)\"" }

    // MARK: Parsing

    struct URLParts {
        var host: String?, port: Int?, user: String?, password: String?, database: String?, tls: TLSMode?
    }

    /// - Throws: `WireError(.invalidArgument)` naming the field `url` and what part is wrong,
    ///   never quoting the URL (it may hold the password).
    static func parse(url: String) throws -> URLParts {
        func bad(_ why: String) -> WireError {
            WireError(.invalidArgument, "config field \"url\": expected postgres://user:password@host:port/database, \(why)")
        }
        guard let c = URLComponents(string: url) else { throw bad("but it is not a URL") }
        guard let scheme = c.scheme, ["postgres", "postgresql"].contains(scheme.lowercased()) else {
            throw bad("but the scheme is \(JSONValue.string(c.scheme ?? ""))")
        }
        var parts = URLParts()
        if let h = c.host, !h.isEmpty { parts.host = h.hasPrefix("[") && h.hasSuffix("]") ? String(h.dropFirst().dropLast()) : h }
        if let p = c.port {
            guard (1...65535).contains(p) else { throw bad("but the port is \(p)") }
            parts.port = p
        }
        if let u = c.user, !u.isEmpty { parts.user = u.removingPercentEncoding ?? u }
        if let pw = c.password { parts.password = pw.removingPercentEncoding ?? pw }
        let path = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
        if !path.isEmpty { parts.database = path.removingPercentEncoding ?? path }
        for item in c.queryItems ?? [] {
            switch (item.name, item.value ?? "") {
            case ("sslmode", "disable"), ("sslmode", "allow"), ("sslmode", "prefer"): parts.tls = .disable
            case ("sslmode", "require"), ("sslmode", "verify-ca"), ("sslmode", "verify-full"): parts.tls = .require
            case ("sslmode", let v): throw bad("but sslmode is \(JSONValue.string(v)) (disable, require or verify-full)")
            case (let name, _): throw bad("but it has the parameter \(JSONValue.string(name)) (only sslmode is understood)")
            }
        }
        return parts
    }

    private static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.utf8.first, (1...63).contains(s.utf8.count), first == 0x5f || (first >= 0x61 && first <= 0x7a) else { return false }
        return s.utf8.allSatisfy { c in c == 0x5f || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) }
    }

    private static func string(_ config: JSONValue, _ key: String) throws -> String? {
        guard let v = config[key], v != .null else { return nil }
        guard let s = v.stringValue else {
            throw WireError(.invalidArgument, "config field \"\(key)\": expected a string, got \(v.typeDescription)")
        }
        return s
    }

    private static func int(_ config: JSONValue, _ key: String, _ range: ClosedRange<Int>) throws -> Int? {
        guard let v = config[key], v != .null else { return nil }
        guard let i = v.intValue, range.contains(i) else {
            throw WireError(.invalidArgument,
                            "config field \"\(key)\": expected an integer from \(range.lowerBound) to \(range.upperBound), got \(v)")
        }
        return i
    }
}
