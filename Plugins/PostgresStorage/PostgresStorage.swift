public import CLightningABI
import Foundation
import LightningPluginKit
import LightningProtocol
import Logging
import PostgresNIO
import StorageSupport

/// The storage provider on PostgreSQL (manifests/postgres-storage.json): the shared store of a
/// self-hosted cluster (docs/postgres-storage.md).
///
/// ```
/// host ─ lt_plugin_v1.call ─► handle(method:params:) ─► createContainer / create / query / …
///                                                              │ validate names, build SQL
///                                                              ▼
///                   PostgresDatabase.run { client in … }   (deadline, schema set up once)
///                                                              │ pooled connections (PostgresClient),
///                                                              │ each write one transaction:
///                                                              │ container FOR SHARE, row FOR UPDATE,
///                                                              ▼ check If-Match, write
///                              <schema>.containers / <schema>.documents on the server
/// ```
///
/// Contract (docs/plugin-abi.md#storage), the same as the SQLite provider's: containers hold
/// JSON documents keyed by (partition_key, id); every write sets a fresh ETag (the SQLite
/// format) and `updated_at`; If-Match guards replace, upsert and delete; queries are
/// type-correct equality on dotted paths of `data` (jsonb equality), ordered by
/// (partition_key, id) in byte order (`COLLATE "C"`) and paged with a keyset continuation token.
///
/// Threading: any number of calls may run concurrently, each on its own pooled connection; the
/// row locks of each write's transaction make concurrent writers of one document queue, so no
/// update is lost, also between daemons sharing the database.
final class PostgresStorage: StoragePlugin {
    let config: PostgresConfig
    let database: PostgresDatabase

    /// Reads the config and starts the connection pool; connects lazily (on the first call), so
    /// an unreachable server makes calls and health fail with `unavailable`, not the creation.
    /// - Throws: `WireError(.invalidArgument)` for a bad config (never quoting the password).
    init(context: PluginContext) throws {
        config = try PostgresConfig(context.config)
        database = try PostgresDatabase(config: config)
    }

    var containers: String { "\(config.quotedSchema).containers" }
    var documents: String { "\(config.quotedSchema).documents" }

    // MARK: Containers

    func createContainer(_ r: ContainerRequest) async throws -> ContainerResult {
        try StorageNames.checkContainer(r.container)
        let now = Timestamp.now().millis
        let sql = "INSERT INTO \(containers) (name, partition_key_path, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING 1"
        return try await database.run("create container") { client in
            var binds = PostgresBindings()
            binds.append(r.container)
            binds.append(r.partitionKeyPath)
            binds.append(now)
            let inserted = try await PostgresDatabase.count(try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds)))
            return ContainerResult(created: inserted > 0)
        }
    }

    func deleteContainer(_ r: ContainerRequest) async throws -> ContainerResult {
        try StorageNames.checkContainer(r.container)
        // Its documents go with it (ON DELETE CASCADE).
        let sql = "DELETE FROM \(containers) WHERE name = $1 RETURNING 1"
        return try await database.run("delete container") { client in
            var binds = PostgresBindings()
            binds.append(r.container)
            let deleted = try await PostgresDatabase.count(try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds)))
            return ContainerResult(deleted: deleted > 0)
        }
    }

    func containerExists(_ r: ContainerRequest) async throws -> ContainerResult {
        try StorageNames.checkContainer(r.container)
        let sql = "SELECT 1 FROM \(containers) WHERE name = $1"
        return try await database.run("check container") { client in
            var binds = PostgresBindings()
            binds.append(r.container)
            let found = try await PostgresDatabase.count(try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds)))
            return ContainerResult(exists: found > 0)
        }
    }

    func listContainers() async throws -> ContainerList {
        let sql = "SELECT name FROM \(containers) ORDER BY name"
        return try await database.run("list containers") { client in
            var names: [String] = []
            for try await name in try await client.query(PostgresQuery(unsafeSQL: sql)).decode(String.self) { names.append(name) }
            return ContainerList(containers: names)
        }
    }

    // MARK: Lifecycle

    /// Healthy with the round-trip time of `SELECT 1` through the pool; unhealthy, within
    /// twice `connect_timeout_seconds` plus 5 s, with the reason (connection refused,
    /// authentication failed, no such database, timed out, …) when the server cannot be used.
    func health() async -> HealthReport {
        let clock = ContinuousClock()
        let start = clock.now
        let details: JSONValue = ["url": .string(config.redactedURL), "schema": .string(config.schema)]
        do {
            try await database.ping()
            return HealthReport(status: .healthy, latencyMs: Self.milliseconds(start.duration(to: clock.now)), details: details)
        } catch {
            let message = (error as? WireError)?.message ?? "\(error)"
            return HealthReport(status: .unhealthy, latencyMs: Self.milliseconds(start.duration(to: clock.now)),
                                details: details, error: message)
        }
    }

    private static func milliseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }

    /// Closes the pool's connections and stops the plugin's event loop.
    func shutdown() async {
        await database.close()
    }
}

/// The library's one exported symbol (lightning_plugin.h): registers `PostgresStorage` and
/// returns the plugin table. `id` and `version` must equal manifests/postgres-storage.json.
/// - Parameter host: the host's service table, valid for the life of the process.
@_cdecl("lt_plugin_entry")
public func lt_plugin_entry(_ host: UnsafePointer<lt_host_v1>) -> UnsafePointer<lt_plugin_v1>? {
    PluginExport.entry(host: host, id: "postgres-storage", version: "1.0.0") { try PostgresStorage(context: $0) }
}
