public import CLightningABI
import Foundation
import LightningPluginKit
import LightningProtocol
import StorageSupport
import SQLiteSupport

/// The storage provider on the system libsqlite3 (manifests/sqlite-storage.json).
///
/// ```
/// host ─ lt_plugin_v1.call ─► handle(method:params:) ─► createContainer / create / query / …
///                                                              │ validate names, compile where
///                                                              ▼
///                                            DatabaseQueue.run { db in … }   (one serial queue)
///                                                              │ BEGIN IMMEDIATE … COMMIT
///                                                              ▼
///                                                   storage.sqlite (WAL, synchronous=FULL)
/// ```
///
/// Contract (docs/plugin-abi.md#storage): containers hold JSON documents keyed by
/// (partition_key, id); every write sets a fresh ETag and `updated_at`; If-Match guards replace,
/// upsert and delete; queries are type-correct equality on dotted paths of `data`, ordered by
/// (partition_key, id) and paged with a keyset continuation token.
///
/// Threading: any number of calls may run concurrently; all database work is serialized on the
/// instance's queue, and each write is one transaction (read, check, write), so concurrent
/// writers never lose updates.
final class SQLiteStorage: StoragePlugin {
    let config: StorageConfig
    let database: DatabaseQueue

    /// Opens (creating if needed) the database the config names.
    /// - Throws: `WireError(.invalidArgument)` for a bad config, `.unavailable` when the
    ///   database cannot be opened (naming the path and SQLite's message).
    init(context: PluginContext) throws {
        config = try StorageConfig(context.config)
        try config.createParentDirectory()
        database = try DatabaseQueue(path: config.path, synchronous: config.synchronous,
                                     label: "lightning.sqlite-storage", prepare: StorageSchema.prepare)
    }

    // MARK: Containers

    func createContainer(_ r: ContainerRequest) async throws -> ContainerResult {
        try StorageNames.checkContainer(r.container)
        let now = Timestamp.now().millis
        return try await database.run { db in
            let inserted = try db.run(
                "INSERT INTO containers (name, partition_key_path, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
                [.text(r.container), r.partitionKeyPath.map(SQLiteValue.text) ?? .null, .int(now)])
            return ContainerResult(created: inserted > 0)
        }
    }

    func deleteContainer(_ r: ContainerRequest) async throws -> ContainerResult {
        try StorageNames.checkContainer(r.container)
        return try await database.run { db in
            try db.transaction {
                try db.run("DELETE FROM documents WHERE container = ?", [.text(r.container)])
                let deleted = try db.run("DELETE FROM containers WHERE name = ?", [.text(r.container)])
                return ContainerResult(deleted: deleted > 0)
            }
        }
    }

    func containerExists(_ r: ContainerRequest) async throws -> ContainerResult {
        try StorageNames.checkContainer(r.container)
        return try await database.run { db in ContainerResult(exists: try StorageSchema.containerExists(db, r.container)) }
    }

    func listContainers() async throws -> ContainerList {
        try await database.run { db in
            ContainerList(containers: try db.all("SELECT name FROM containers ORDER BY name") { $0.text(0) })
        }
    }

    // MARK: Lifecycle

    /// Healthy with the round-trip time of `SELECT 1` through the queue; unhealthy with the error.
    func health() async -> HealthReport {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            _ = try await database.run { db in try db.first("SELECT 1") { $0.int(0) } }
            return HealthReport(status: .healthy, latencyMs: Self.milliseconds(start.duration(to: clock.now)),
                                details: ["path": .string(config.path)])
        } catch {
            return HealthReport(status: .unhealthy, latencyMs: Self.milliseconds(start.duration(to: clock.now)),
                                details: ["path": .string(config.path)], error: "\(error)")
        }
    }

    private static func milliseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }

    /// Lets the work already queued finish; the connection closes when the instance is released.
    func shutdown() async {
        await database.drain()
    }
}

/// The library's one exported symbol (lightning_plugin.h): registers `SQLiteStorage` and returns
/// the plugin table. `id` and `version` must equal manifests/sqlite-storage.json.
/// - Parameter host: the host's service table, valid for the life of the process.
@_cdecl("lt_plugin_entry")
public func lt_plugin_entry(_ host: UnsafePointer<lt_host_v1>) -> UnsafePointer<lt_plugin_v1>? {
    PluginExport.entry(host: host, id: "sqlite-storage", version: "1.0.0") { try SQLiteStorage(context: $0) }
}
