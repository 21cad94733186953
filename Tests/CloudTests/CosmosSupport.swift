import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HostCore
import LightningTestSupport
import LightningProtocol
import Logging
import Testing

/// The cosmos-storage library loaded through the real loader and C ABI (as the daemon loads it),
/// pointed at the loopback Cosmos DB fake (`Tests/Fakes/cosmos_fake.py`).
struct CosmosStore: PluginHandle {
    let connection: any ProviderConnection

    func makeContainer(_ name: String) async throws {
        _ = try await call(Method.containerCreate, ContainerRequest(container: name), as: ContainerResult.self)
    }

    func put(_ container: String, _ id: String, _ data: JSONValue, pk: String = "p",
             method: String = Method.documentCreate, ifMatch: String? = nil) async throws -> Document {
        try await call(method, WriteRequest(container: container, document: Document(id: id, partitionKey: pk, data: data), ifMatch: ifMatch),
                       as: Document.self)
    }

    func read(_ container: String, _ id: String, pk: String = "p") async throws -> Document {
        try await call(Method.documentRead, DocumentKey(container: container, id: id, partitionKey: pk), as: Document.self)
    }
}

/// The fake's key and how to open the plugin against it.
enum CosmosTestEnv {
    /// The Cosmos DB emulator's published well-known key (the fake's default).
    static let key = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="

    static func startFake(_ args: [String] = []) async throws -> FakeServer {
        try await FakeServer(script: "cosmos_fake.py", args: args)
    }

    static func connectionString(_ fake: FakeServer, key: String = key) -> String {
        "AccountEndpoint=\(fake.baseURL)/;AccountKey=\(key);"
    }

    static let loader: PluginLoader = {
        var logger = Logger(label: "cosmos-tests")
        logger.logLevel = .warning
        return PluginLoader(logger: logger)
    }()

    /// Loads libLightningCosmosStorage.so and creates an instance with `config`.
    static func open(_ config: [String: JSONValue]) throws -> CosmosStore {
        let plugin = try loader.loadLibrary(at: BuildProducts.url("libLightningCosmosStorage.so"), expectedId: "cosmos-storage")
        return CosmosStore(connection: try plugin.makeInstance(config: .object(config)))
    }

    /// An instance on `fake` with the connection string (plus `extra` config).
    static func open(_ fake: FakeServer, key: String = key, extra: [String: JSONValue] = [:]) throws -> CosmosStore {
        var config: [String: JSONValue] = ["connection_string": .string(connectionString(fake, key: key))]
        config.merge(extra) { _, new in new }
        return try open(config)
    }

    /// Tells the fake to answer the next `count` Cosmos requests with 429 and `x-ms-retry-after-ms`.
    static func throttle(_ fake: FakeServer, count: Int, retryAfterMs: Int = 5) async throws {
        var request = URLRequest(url: URL(string: fake.baseURL + "/_fake/throttle")!)
        request.httpMethod = "POST"
        request.httpBody = Data(#"{"count":\#(count),"retry_after_ms":\#(retryAfterMs)}"#.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else { throw TestFailure("fake refused the throttle control request") }
    }

    /// A random 64-byte key in base64 (another account's key).
    static func randomKey() -> String {
        Data((0..<64).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    }
}

/// Runs `body` against a fresh fake and an instance on it, closing the instance afterwards.
func withCosmos(fakeArgs: [String] = [], key: String = CosmosTestEnv.key, extra: [String: JSONValue] = [:],
                _ body: (CosmosStore, FakeServer) async throws -> Void) async throws {
    let fake = try await CosmosTestEnv.startFake(fakeArgs)
    let store = try CosmosTestEnv.open(fake, key: key, extra: extra)
    do {
        try await body(store, fake)
    } catch {
        await store.close()
        throw error
    }
    await store.close()
}
