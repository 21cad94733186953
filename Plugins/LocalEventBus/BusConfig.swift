import Foundation
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
        func int(_ key: String, min: Int) throws -> Int? {
            guard let v = config[key], v != .null else { return nil }
            guard let i = v.intValue, i >= min else {
                throw WireError(.invalidArgument, "config field \"\(key)\": expected an integer ≥ \(min), got \(v)")
            }
            return i
        }
        func string(_ key: String) throws -> String? {
            guard let v = config[key], v != .null else { return nil }
            guard let s = v.stringValue else {
                throw WireError(.invalidArgument, "config field \"\(key)\": expected a string, got \(v.typeDescription)")
            }
            return s
        }
        let d = try string("durability") ?? "full"
        guard let durability = Durability(rawValue: d) else {
            throw WireError(.invalidArgument, "config field \"durability\": expected \"full\", \"normal\" or \"memory\", got \"\(d)\"")
        }
        self.durability = durability
        if durability == .memory {
            path = ":memory:"
        } else {
            // A relative `path` lives inside `data_dir` (as for the SQLite storage plugin).
            let dir = try string("data_dir")
            let p = try string("path")
            if let p, p.hasPrefix("/") {
                path = p
            } else if let dir, !dir.isEmpty {
                path = URL(fileURLWithPath: dir).appendingPathComponent(p.flatMap { $0.isEmpty ? nil : $0 } ?? "eventbus.sqlite").path
            } else {
                throw WireError(.invalidArgument, "config field \"data_dir\": required unless \"path\" is absolute (the host injects it)")
            }
        }
        dedupWindowSeconds = try int("dedup_window_seconds", min: 0) ?? 300
        defaultTTLSeconds = try int("default_ttl_seconds", min: 1)
        retentionSeconds = try int("retention_seconds", min: 1) ?? Self.defaultRetentionSeconds
        maxOrphans = try int("max_orphans", min: 0) ?? Self.defaultMaxOrphans
    }

    var synchronous: SQLiteDatabase.Synchronous { durability == .full ? .full : .normal }
}
