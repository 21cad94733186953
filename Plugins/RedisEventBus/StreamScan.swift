import LightningProtocol

/// One entry of a Redis stream: its id and its fields.
struct StreamEntry: Sendable {
    let id: String
    let fields: [String: String]

    subscript(_ key: String) -> String? { fields[key] }

    /// Parses `[id, [field, value, …]]`.
    init?(_ v: RedisValue) {
        guard let a = v.array, a.count == 2, let id = a[0].string, let list = a[1].array else { return nil }
        var f: [String: String] = [:]
        var i = 0
        while i + 1 < list.count {
            if let k = list[i].string, let value = list[i + 1].string { f[k] = value }
            i += 2
        }
        self.id = id
        self.fields = f
    }
}

extension RedisEventBus {
    static let scanChunk = 500

    /// Reads the stream `key` in chunks of 500 entries, oldest first (`XRANGE`) or newest first
    /// (`XREVRANGE`), until `visit` returns false or the stream ends. Entries added meanwhile may or
    /// may not be seen. With `after`, the scan starts just past that entry id (exclusive).
    func scan(_ key: String, newestFirst: Bool = false, after: String? = nil, _ visit: (StreamEntry) throws -> Bool) async throws {
        var cursor = after.map { "(" + $0 } ?? (newestFirst ? "+" : "-")
        while true {
            let cmd = newestFirst
                ? ["XREVRANGE", key, cursor, "-", "COUNT", String(Self.scanChunk)]
                : ["XRANGE", key, cursor, "+", "COUNT", String(Self.scanChunk)]
            let reply = try await pool.send([cmd])[0]
            if let e = reply.errorMessage { throw WireError(.unavailable, "redis \(url): \(cmd[0]) \(key): \(e)") }
            guard let rows = reply.array else { throw Self.unexpected(cmd[0], reply) }
            for row in rows {
                guard let entry = StreamEntry(row) else { throw Self.unexpected(cmd[0], row) }
                if try !visit(entry) { return }
                cursor = "(" + entry.id
            }
            if rows.count < Self.scanChunk { return }
        }
    }

    /// True when a type passes a `types` filter (absent or empty = every type).
    static func typeMatches(_ patterns: [String]?, _ type: String?) -> Bool {
        guard let patterns, !patterns.isEmpty else { return true }
        guard let type else { return false }
        return EventPattern.matchesAny(patterns, type)
    }


}
