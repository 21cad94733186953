import Foundation
import LightningProtocol
import SQLiteSupport

/// The bus's durable state in one SQLite database, plus the in-memory view that must agree with
/// it (subscriptions, counters).
///
/// Tables:
/// - `events`: the journal; every accepted event, in publish order (`seq`), kept for history and
///   replay until `retention_seconds` after it no longer has work pending.
/// - `subscriptions`: name → spec (JSON).
/// - `deliveries`: one row per (subscription, event) not yet acknowledged. `token` NULL = ready
///   at `visible_at`; otherwise leased until `visible_at` under that token.
/// - `dead_letters`, `orphans`, `dedup`: what their names say.
///
/// Threading: confined to `JournalQueue`'s serial queue; never touched from anywhere else.
final class Journal: @unchecked Sendable {
    let db: SQLiteDatabase
    let config: BusConfig
    /// In-memory state; snapshotted and restored when a write rolls back.
    var memory = Memory()

    struct Memory {
        var subscriptions: [String: Subscription] = [:]
        var counters = BusStats()
        /// Subscriptions that got new ready work in the current transaction (to wake receivers).
        var notify: Set<String> = []
        var lastPrune: Int64 = 0
        /// Rows in `orphans`, counted once when first needed and then kept up to date by the
        /// statements that add and remove them (restored with the rest on a rollback). Counting
        /// the table for every orphaned event scanned up to `max_orphans` (100,000) rows each time.
        var orphanCount: Int64?
    }

    init(config: BusConfig) throws {
        self.config = config
        if config.path != ":memory:" {
            let dir = URL(fileURLWithPath: config.path).deletingLastPathComponent()
            try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        do {
            db = try SQLiteDatabase(path: config.path, synchronous: config.synchronous)
            // Savepoints (one per operation in a group commit) keep what they may have to undo in
            // a statement journal, which SQLite spills to a file in /var/tmp past 64 KB: a file
            // created, written and unlinked several times a second under load, whose metadata
            // rides along with every fsync of the WAL. In memory it holds at most a copy of the
            // pages one commit changes (and the sorts of list queries, at most 10,000 rows, stay
            // in memory too) (docs/benchmarks.md).
            try db.execute("PRAGMA temp_store=MEMORY")
            try db.execute(Self.schema)
            try recover()
        } catch let e as SQLiteError {
            throw WireError(.unavailable, "event journal \(config.path): \(e.message)")
        }
    }

    /// `deliveries` has no index on `event_seq` (journals made before 2026-12-08 had one; it is
    /// dropped when they open): it served only the retention prune, once a minute, and cost every
    /// delivery an index entry written when it is queued and again when it is acknowledged, in
    /// every group commit. The prune reads the pending event numbers once instead.
    static let schema = """
        CREATE TABLE IF NOT EXISTS events (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL,
            correlation_id TEXT,
            ts INTEGER NOT NULL,
            expires_at INTEGER,
            priority INTEGER NOT NULL,
            body TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS events_ts ON events(ts);
        CREATE INDEX IF NOT EXISTS events_type ON events(type, ts);
        CREATE INDEX IF NOT EXISTS events_correlation ON events(correlation_id) WHERE correlation_id IS NOT NULL;
        CREATE TABLE IF NOT EXISTS subscriptions (
            name TEXT PRIMARY KEY,
            spec TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS deliveries (
            id INTEGER PRIMARY KEY,
            subscription TEXT NOT NULL,
            event_seq INTEGER NOT NULL,
            priority INTEGER NOT NULL,
            visible_at INTEGER NOT NULL,
            attempt INTEGER NOT NULL DEFAULT 0,
            token TEXT,
            last_error TEXT
        );
        CREATE INDEX IF NOT EXISTS deliveries_order ON deliveries(subscription, priority DESC, event_seq);
        CREATE INDEX IF NOT EXISTS deliveries_visible ON deliveries(subscription, visible_at);
        DROP INDEX IF EXISTS deliveries_event;
        CREATE TABLE IF NOT EXISTS dead_letters (
            id INTEGER PRIMARY KEY,
            subscription TEXT NOT NULL,
            event_seq INTEGER NOT NULL,
            attempts INTEGER NOT NULL,
            last_error TEXT NOT NULL,
            dead_at INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS dead_letters_event ON dead_letters(event_seq);
        CREATE TABLE IF NOT EXISTS orphans (
            event_seq INTEGER PRIMARY KEY,
            ts INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS dedup (
            key TEXT PRIMARY KEY,
            event_id TEXT NOT NULL,
            expires_at INTEGER NOT NULL
        );
        """

    /// After a restart: the journal belongs to this process alone, so every lease it holds
    /// belonged to a process that is gone. Those deliveries become ready again at once, and the
    /// interrupted attempt is not counted against the handler (a crash is not its failure).
    private func recover() throws {
        try db.run("UPDATE deliveries SET token = NULL, visible_at = ?, attempt = MAX(attempt - 1, 0) WHERE token IS NOT NULL",
                   [.int(Timestamp.now().millis)])
        for (name, spec) in try db.all("SELECT name, spec FROM subscriptions", map: { ($0.text(0), $0.text(1)) }) {
            memory.subscriptions[name] = try Wire.decode(Subscription.self, from: Data(spec.utf8), what: "stored subscription \(name)")
        }
    }

    // MARK: Helpers shared by the operations

    func decodeEvent(_ body: String) throws -> Event {
        try Wire.decode(Event.self, from: Data(body.utf8), what: "journaled event")
    }

    func subscription(_ name: String) throws -> Subscription {
        guard let s = memory.subscriptions[name] else {
            throw WireError(.notFound, "subscription \"\(name)\" does not exist")
        }
        return s
    }

    /// Queues `event` (journaled as `seq`) for `subscription`, ready now.
    func enqueue(seq: Int64, priority: Priority, subscription: String, now: Int64) throws {
        try db.run("INSERT INTO deliveries(subscription, event_seq, priority, visible_at) VALUES (?, ?, ?, ?)",
                   [.text(subscription), .int(seq), .int(Int64(priority.rank)), .int(now)])
        memory.notify.insert(subscription)
    }

    /// SQL for "type matches one of these patterns" (`*`, `a.b`, `a.*`), with its parameters.
    /// Types contain no GLOB metacharacters (validated), so `a.*` maps to GLOB 'a.*'.
    static func typeFilter(_ patterns: [String]?, column: String = "e.type") -> (sql: String, params: [SQLiteValue])? {
        guard let patterns, !patterns.isEmpty, !patterns.contains("*") else { return nil }
        var parts: [String] = []
        var params: [SQLiteValue] = []
        for p in patterns {
            if p.hasSuffix(".*") { parts.append("\(column) GLOB ?"); params.append(.text(p)) } else { parts.append("\(column) = ?"); params.append(.text(p)) }
        }
        return ("(" + parts.joined(separator: " OR ") + ")", params)
    }



    static func token() -> String {
        String(UInt64.random(in: 1...UInt64.max), radix: 16)
    }
}
