public import CLightningABI
import AzureSupport
import Foundation
import LightningPluginKit
import LightningProtocol
import StorageSupport

/// The storage provider on Azure Cosmos DB (NoSQL API) over REST (manifests/cosmos-storage.json).
///
/// ```
/// host ─ lt_plugin_v1.call ─► handle(method:params:) ─► createContainer / create / query / …
///                                                              │ validate names, build SQL
///                                                              ▼
///                      CosmosClient.send ─ master-key signed HTTPS ─► {endpoint}/dbs/{database}/colls/{container}/docs…
///                                                              │ 429 → wait x-ms-retry-after-ms → retry (AzureHTTP)
///                                                              ▼
///                                 2xx → Document      404/409/412/401/403 → WireError
/// ```
///
/// Mapping (docs/cosmos-storage.md): a contract container is a Cosmos collection in `database`,
/// partitioned on `partition_key_path`; a contract document is stored as
/// `{"id", "partition_key", "data", "created_at", "updated_at"}` and Cosmos's `_etag` is its ETag.
/// Writes that keep `created_at` (replace, upsert of an existing document) read the current
/// document and write it back conditioned on its `_etag` (If-Match), retrying when another
/// writer got in between, so concurrent writers never lose updates.
///
/// Threading: any number of calls may run concurrently; the only shared mutable state is the
/// database bootstrap flag (an actor).
final class CosmosStorage: StoragePlugin {
    let config: CosmosConfig
    let client: CosmosClient
    let bootstrap = DatabaseBootstrap()
    /// Attempts of a read-check-write cycle before giving up on a document that keeps changing.
    static let maxWriteAttempts = 16

    /// - Throws: `WireError(.invalidArgument)` for a bad config (never quoting the key).
    init(context: PluginContext) throws {
        config = try CosmosConfig(context.config)
        client = try CosmosClient(config: config)
    }

    var databaseSegments: [String] { ["dbs", config.database] }
    func collectionSegments(_ container: String) -> [String] { databaseSegments + ["colls", container] }

    // MARK: Containers

    func createContainer(_ r: ContainerRequest) async throws -> ContainerResult {
        try StorageNames.checkContainer(r.container)
        let body = try Wire.encode(Self.collectionDefinition(r.container, partitionKeyPath: config.partitionKeyPath))
        for attempt in 0..<2 {
            try await ensureDatabase(force: attempt > 0)
            let segments = databaseSegments + ["colls"]
            let reply = try await client.send(.post, segments, body: body)
            switch reply.status {
            case 200..<300: return ContainerResult(created: true)
            case 409: return ContainerResult(created: false)
            case 404 where attempt == 0: continue  // the database was deleted behind our back: create it again
            default: throw CosmosClient.error(reply, .post, segments)
            }
        }
        throw WireError(.unavailable, "Cosmos DB: database \"\(config.database)\" disappeared while creating container \"\(r.container)\"")
    }

    func deleteContainer(_ r: ContainerRequest) async throws -> ContainerResult {
        try StorageNames.checkContainer(r.container)
        let segments = collectionSegments(r.container)
        let reply = try await client.send(.delete, segments)
        switch reply.status {
        case 200..<300: return ContainerResult(deleted: true)
        case 404: return ContainerResult(deleted: false)
        default: throw CosmosClient.error(reply, .delete, segments)
        }
    }

    func containerExists(_ r: ContainerRequest) async throws -> ContainerResult {
        try StorageNames.checkContainer(r.container)
        return ContainerResult(exists: try await collectionExists(r.container))
    }

    func listContainers() async throws -> ContainerList {
        let segments = databaseSegments + ["colls"]
        var names: [String] = []
        var continuation: String?
        repeat {
            let reply = try await client.send(.get, segments, headers: continuation.map { ["x-ms-continuation": $0] } ?? [:])
            if reply.status == 404 { return ContainerList(containers: []) }  // no database yet: no containers
            guard (200..<300).contains(reply.status) else { throw CosmosClient.error(reply, .get, segments) }
            let json = try Self.decodeBody(reply, what: "collection list")
            names += (json["DocumentCollections"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
            continuation = reply[header: "x-ms-continuation"].flatMap { $0.isEmpty ? nil : $0 }
        } while continuation != nil
        return ContainerList(containers: names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
    }

    /// True when the collection exists (GET 200), false on 404.
    func collectionExists(_ container: String) async throws -> Bool {
        let segments = collectionSegments(container)
        let reply = try await client.send(.get, segments)
        switch reply.status {
        case 200..<300: return true
        case 404: return false
        default: throw CosmosClient.error(reply, .get, segments)
        }
    }

    /// Creates the database once per instance (POST /dbs; 409 means it exists).
    func ensureDatabase(force: Bool = false) async throws {
        if !force, await bootstrap.done { return }
        let reply = try await client.send(.post, ["dbs"], body: try Wire.encode(["id": JSONValue.string(config.database)]))
        guard (200..<300).contains(reply.status) || reply.status == 409 else { throw CosmosClient.error(reply, .post, ["dbs"]) }
        await bootstrap.markDone()
    }

    /// The collection body: partitioned on the configured path, with the composite index that
    /// `ORDER BY c.partition_key, c.id` (query paging) needs.
    static func collectionDefinition(_ name: String, partitionKeyPath: String) -> JSONValue {
        [
            "id": .string(name),
            "partitionKey": ["paths": [.string(partitionKeyPath)], "kind": "Hash"],
            "indexingPolicy": [
                "indexingMode": "consistent",
                "automatic": true,
                "includedPaths": [["path": "/*"]],
                "excludedPaths": [["path": "/\"_etag\"/?"]],
                "compositeIndexes": [[["path": "/partition_key", "order": "ascending"], ["path": "/id", "order": "ascending"]]],
            ],
        ]
    }

    static func decodeBody(_ reply: HTTPReply, what: String) throws -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: reply.body)
        } catch {
            throw WireError(.internal, "Cosmos DB: \(what): expected a JSON body, got \(reply.bodyText(limit: 200))")
        }
    }

    // MARK: Lifecycle

    /// Reads the database account (GET /): healthy with the round trip, unhealthy with the reason.
    func health() async -> HealthReport {
        let clock = ContinuousClock()
        let start = clock.now
        let details: JSONValue = ["endpoint": .string(CosmosEndpoint.describe(config.endpoint)), "database": .string(config.database)]
        do {
            let reply = try await client.send(.get, [])
            guard (200..<300).contains(reply.status) else { throw CosmosClient.error(reply, .get, []) }
            return HealthReport(status: .healthy, latencyMs: Self.milliseconds(start.duration(to: clock.now)), details: details)
        } catch {
            return HealthReport(status: .unhealthy, latencyMs: Self.milliseconds(start.duration(to: clock.now)), details: details,
                                error: "\(error)")
        }
    }

    private static func milliseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }
}

/// Whether the database has been created by this instance.
actor DatabaseBootstrap {
    private(set) var done = false
    func markDone() { done = true }
}

/// `scheme://host:port` of the endpoint, for details and messages (no path, no query).
enum CosmosEndpoint {
    static func describe(_ url: URL) -> String {
        var c = URLComponents()
        c.scheme = url.scheme
        c.host = url.host
        c.port = url.port
        return c.string ?? "?"
    }
}

/// The library's one exported symbol (lightning_plugin.h): registers `CosmosStorage` and returns
/// the plugin table. `id` and `version` must equal manifests/cosmos-storage.json.
/// - Parameter host: the host's service table, valid for the life of the process.
@_cdecl("lt_plugin_entry")
public func lt_plugin_entry(_ host: UnsafePointer<lt_host_v1>) -> UnsafePointer<lt_plugin_v1>? {
    PluginExport.entry(host: host, id: "cosmos-storage", version: "1.0.0") { try CosmosStorage(context: $0) }
}
