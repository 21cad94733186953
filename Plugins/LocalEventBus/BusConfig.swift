import Foundation
import BusSupport
import LightningProtocol
import SQLiteSupport

/// The local bus's configuration (manifests/local-eventbus.json, docs/events.md#local-bus).
struct BusConfig: Sendable {
    enum Durability: String, Sendable {
        /// Every publish is fsynced before it is acknowledged: survives power loss.
        case full
        /// Committed to the WAL before acknowledgement: survives `kill -9`, not power loss.
        case normal
        /// No journal file: nothing survives the process. For tests and benchmarks.
        case memory
    }

    var path: String
    var durability: Durability
    var dedupWindowSeconds: Int
    var defaultTTLSeconds: Int?
    var retentionSeconds: Int
    var maxOrphans: Int

    static let defaultRetentionSeconds = 7 * 24 * 3600
    static let defaultMaxOrphans = 100_000

    /// Reads the instance config; every problem names the field, what was found and what was expected.
    init(_ config: JSONValue) throws {
        let reader = ConfigReader(config)
        let d = try reader.string("durability") ?? "full"
        guard let durability = Durability(rawValue: d) else {
            throw WireError(.invalidArgument, "config field \"durability\": expected \"full\", \"normal\" or \"memory\", got \"\(d)\"")
        }
        self.durability = durability
        if durability == .memory {
            path = ":memory:"
        } else {
            // A relative `path` lives inside `data_dir` (as for the SQLite storage plugin).
            let dir = try reader.string("data_dir")
            let p = try reader.string("path")
            if let p, p.hasPrefix("/") {
                path = p
            } else if let dir, !dir.isEmpty {
                path = URL(fileURLWithPath: dir).appendingPathComponent(p.flatMap { $0.isEmpty ? nil : $0 } ?? "eventbus.sqlite").path
            } else {
                throw WireError(.invalidArgument, "config field \"data_dir\": required unless \"path\" is absolute (the host injects it)")
            }
        }
        dedupWindowSeconds = try reader.int("dedup_window_seconds", min: 0) ?? 300
        defaultTTLSeconds = try reader.int("default_ttl_seconds", min: 1)
        retentionSeconds = try reader.int("retention_seconds", min: 1) ?? Self.defaultRetentionSeconds
        maxOrphans = try reader.int("max_orphans", min: 0) ?? Self.defaultMaxOrphans
    }

    var synchronous: SQLiteDatabase.Synchronous { durability == .full ? .full : .normal }
}
