import Foundation
import LightningProtocol

/// Where the Redis server is and how to log in, parsed from `redis://[user[:password]@]host[:port][/db]`.
struct RedisEndpoint: Sendable {
    var host: String
    var port: Int
    var database: Int
    var username: String?
    var password: String?
    var connectTimeoutMs: Int
    var commandTimeoutMs: Int

    /// The URL as shown in logs, errors and health: the password replaced by `<redacted>`.
    var displayURL: String {
        var auth = ""
        if let u = username { auth = u }
        if password != nil { auth += ":<redacted>" }
        if !auth.isEmpty { auth += "@" }
        let h = host.contains(":") ? "[\(host)]" : host
        return "redis://\(auth)\(h):\(port)/\(database)"
    }

    /// Parses `url`; `password` (the config field) wins over a password in the URL.
    /// - Throws: `invalid_argument` naming the `url` field, what was expected and what was found.
    init(url: String, password: String?, connectTimeoutMs: Int, commandTimeoutMs: Int) throws {
        func bad(_ why: String) -> WireError {
            let shown = url.contains("@") ? "redis://…@" + (url.split(separator: "@").last.map(String.init) ?? "") : url
            return WireError(.invalidArgument, "config field \"url\": expected redis://[user[:password]@]host[:port][/db], got \"\(shown)\" (\(why))")
        }
        guard url.hasPrefix("redis://") else {
            throw bad(url.hasPrefix("rediss://") ? "TLS is not supported" : "the scheme must be redis://")
        }
        var rest = Substring(url.dropFirst("redis://".count))
        if let q = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<q] }
        var user: String?
        var pass: String?
        if let at = rest.lastIndex(of: "@") {
            let auth = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = auth.firstIndex(of: ":") {
                user = Self.percentDecoded(auth[..<colon])
                pass = Self.percentDecoded(auth[auth.index(after: colon)...])
            } else {
                user = Self.percentDecoded(auth)
            }
            if user == "" { user = nil }
        }
        var db = 0
        if let slash = rest.firstIndex(of: "/") {
            let d = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if !d.isEmpty {
                guard let n = Int(d), n >= 0 else { throw bad("the database must be an integer ≥ 0, got \"\(d)\"") }
                db = n
            }
        }
        var host = String(rest)
        var port = 6379
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw bad("unclosed \"[\" in the host") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else { throw bad("the port must be 1 to 65535") }
                port = p
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            guard let p = Int(rest[rest.index(after: colon)...]), (1...65535).contains(p) else { throw bad("the port must be 1 to 65535") }
            port = p
        }
        guard !host.isEmpty else { throw bad("the host is missing") }
        self.host = host
        self.port = port
        self.database = db
        self.username = user
        self.password = password ?? pass
        self.connectTimeoutMs = connectTimeoutMs
        self.commandTimeoutMs = commandTimeoutMs
    }

    private static func percentDecoded(_ s: Substring) -> String {
        String(s).removingPercentEncoding ?? String(s)
    }
}
