import Foundation
import BusSupport
import LightningProtocol

/// The Redis bus's configuration (manifests/redis-eventbus.json, docs/redis-eventbus.md).
struct RedisBusConfig: Sendable {
    var endpoint: RedisEndpoint
    /// Prepended to every key and to the wake channel; buses with different prefixes share
    /// nothing, daemons with the same URL and prefix share one bus.
    var keyPrefix: String
    var dedupWindowSeconds: Int
    var defaultTTLSeconds: Int?
    /// `MAXLEN ~` of the journal stream (0 = no count limit).
    var retentionMaxEvents: Int
    /// How long an event id stays known for duplicate detection and lookup by id.
    var retentionSeconds: Int
    var maxOrphans: Int
    var poolSize: Int
    /// This daemon's consumer name in every subscription's consumer groups.
    var consumer: String

    static let defaultURL = "redis://127.0.0.1:6379/0"

    /// Reads the instance config; every problem names the field, what was found and what was expected.
    init(_ config: JSONValue) throws {
        let reader = ConfigReader(config)
        let password = try reader.string("password").flatMap { $0.isEmpty ? nil : $0 }
        endpoint = try RedisEndpoint(url: try reader.string("url") ?? Self.defaultURL, password: password,
                                     connectTimeoutMs: try reader.int("connect_timeout_ms", min: 1, max: 600_000) ?? 2000,
                                     commandTimeoutMs: try reader.int("command_timeout_ms", min: 1, max: 600_000) ?? 10_000)
        keyPrefix = try reader.string("key_prefix") ?? "lt:"
        guard keyPrefix.utf8.count <= 200 else {
            throw WireError(.invalidArgument, "config field \"key_prefix\": expected at most 200 bytes, got \(keyPrefix.utf8.count)")
        }
        dedupWindowSeconds = try reader.int("dedup_window_seconds", min: 0) ?? 300
        defaultTTLSeconds = try reader.int("default_ttl_seconds", min: 1)
        retentionMaxEvents = try reader.int("retention_max_events", min: 0) ?? 1_000_000
        retentionSeconds = try reader.int("retention_seconds", min: 1) ?? 7 * 24 * 3600
        maxOrphans = try reader.int("max_orphans", min: 0) ?? 100_000
        poolSize = try reader.int("pool_size", min: 1, max: 64) ?? 8
        if let c = try reader.string("consumer") {
            let ok = !c.isEmpty && c.utf8.count <= 100 && c.utf8.allSatisfy { b in
                (b >= 48 && b <= 58) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 45 || b == 46 || b == 95
            }
            guard ok else {
                throw WireError(.invalidArgument, "config field \"consumer\": expected 1 to 100 characters of A-Z a-z 0-9 . _ - :, got \"\(c)\"")
            }
            consumer = c
        } else {
            consumer = Self.defaultConsumer(dataDir: try reader.string("data_dir"))
        }
    }

    /// `<hostname>:<hash of data_dir>`: stable across restarts of one daemon, so a restarted
    /// daemon recognises the leases its previous run held (see `RedisEventBus.recover`), and
    /// different daemons (hosts or data directories) never share a name.
    static func defaultConsumer(dataDir: String?) -> String {
        var buf = [CChar](repeating: 0, count: 256)
        let host = gethostname(&buf, buf.count - 1) == 0
            ? String(decoding: buf.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self) : "host"
        let safeHost = String(host.unicodeScalars.filter { $0.isASCII && $0 != "|" && $0 != "/" && $0 != " " }.prefix(60))
        guard let dir = dataDir, !dir.isEmpty else {
            return "\(safeHost):pid\(getpid()).\(String(UInt32.random(in: 1...UInt32.max), radix: 16))"
        }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for b in dir.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return "\(safeHost):\(String(h, radix: 16))"
    }
}
