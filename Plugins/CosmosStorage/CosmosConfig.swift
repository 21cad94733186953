import AzureSupport
import Foundation
import LightningProtocol

/// The instance configuration of the Cosmos DB storage plugin (manifests/cosmos-storage.json).
///
/// - `connection_string` (secret): `AccountEndpoint=https://a.documents.azure.com:443/;AccountKey=…;`
/// - or `endpoint` + `key` (secret), which override the connection string's parts when both are given.
/// - `database`: the Cosmos database holding one collection per contract container (default `lightning`).
/// - `partition_key_path`: the collections' partition key path, a top-level property of the stored
///   document that holds the contract's `partition_key` (default `/partition_key`).
/// - `max_throttle_retries`: how many 429 replies are waited out per request (default 5).
/// - `request_timeout_seconds`: per HTTP request (default 65).
///
/// `description` never shows the key.
struct CosmosConfig: Sendable, CustomStringConvertible {
    static let defaultDatabase = "lightning"
    static let defaultPartitionKeyPath = "/partition_key"
    /// Properties of the stored document the plugin owns; a partition key path may not name them.
    static let reservedProperties: Set<String> = ["id", "data", "created_at", "updated_at"]

    var endpoint: URL
    var key: Secret
    var database: String
    var partitionKeyPath: String
    var maxThrottleRetries: Int
    var requestTimeout: TimeInterval

    /// The property (without `/`) that holds the partition key in stored documents.
    var partitionKeyProperty: String { String(partitionKeyPath.dropFirst()) }

    var description: String { "CosmosConfig(endpoint: \(endpoint.absoluteString), database: \(database), key: ***)" }

    /// - Throws: `WireError(.invalidArgument)` naming the field, the expectation and what was
    ///   found (never the value of a secret field).
    init(_ config: JSONValue) throws {
        guard case .object = config else {
            throw WireError(.invalidArgument, "config: expected an object, got \(config.typeDescription)")
        }
        var endpointText: String?
        var keyText: String?
        if let cs = try Self.string(config, "connection_string") {
            let parsed = try ConnectionString(cs, what: "config field \"connection_string\"")
            endpointText = try parsed.require("AccountEndpoint", what: "config field \"connection_string\"")
            keyText = try parsed.require("AccountKey", what: "config field \"connection_string\"")
        }
        if let e = try Self.string(config, "endpoint") { endpointText = e }
        if let k = try Self.string(config, "key") { keyText = k }
        guard let endpointText, !endpointText.isEmpty else {
            throw WireError(.invalidArgument, "config: expected \"connection_string\" (AccountEndpoint=…;AccountKey=…;) or \"endpoint\" and \"key\"; no endpoint given")
        }
        guard let keyText, !keyText.isEmpty else {
            throw WireError(.invalidArgument, "config: expected \"connection_string\" (AccountEndpoint=…;AccountKey=…;) or \"endpoint\" and \"key\"; no key given")
        }
        guard let url = URL(string: endpointText), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let host = url.host, !host.isEmpty
        else {
            throw WireError(.invalidArgument, "config field \"endpoint\": expected an http(s) URL such as https://account.documents.azure.com:443/, got \(JSONValue.string(endpointText))")
        }
        endpoint = url
        key = Secret(keyText)

        database = try Self.string(config, "database") ?? Self.defaultDatabase
        guard Self.isCosmosId(database) else {
            throw WireError(.invalidArgument, "config field \"database\": expected 1 to 255 characters without '/', '\\', '?' or '#', got \(JSONValue.string(database))")
        }
        partitionKeyPath = try Self.string(config, "partition_key_path") ?? Self.defaultPartitionKeyPath
        let property = partitionKeyPath.dropFirst()
        let validProperty = partitionKeyPath.hasPrefix("/") && !property.isEmpty && property.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f
        } && !property.hasPrefix("_") && !Self.reservedProperties.contains(String(property))
        guard validProperty else {
            throw WireError(.invalidArgument, "config field \"partition_key_path\": expected \"/\" and a top-level property name of letters, digits and '_' (not starting with '_', not id, data, created_at or updated_at), got \(JSONValue.string(partitionKeyPath))")
        }
        maxThrottleRetries = try Self.int(config, "max_throttle_retries", range: 0...100) ?? 5
        requestTimeout = TimeInterval(try Self.int(config, "request_timeout_seconds", range: 1...600) ?? 65)
    }

    /// Cosmos DB resource ids: 1–255 characters, none of `/ \ ? #`.
    static func isCosmosId(_ s: String) -> Bool {
        let scalars = s.unicodeScalars
        return (1...255).contains(scalars.count) && !scalars.contains { "/\\?#".unicodeScalars.contains($0) }
    }

    private static func string(_ config: JSONValue, _ key: String) throws -> String? {
        guard let v = config[key], v != .null else { return nil }
        guard let s = v.stringValue else {
            throw WireError(.invalidArgument, "config field \"\(key)\": expected a string, got \(v.typeDescription)")
        }
        return s
    }

    private static func int(_ config: JSONValue, _ key: String, range: ClosedRange<Int>) throws -> Int? {
        guard let v = config[key], v != .null else { return nil }
        guard let i = v.intValue, range.contains(i) else {
            throw WireError(.invalidArgument, "config field \"\(key)\": expected an integer from \(range.lowerBound) to \(range.upperBound), got \(v)")
        }
        return i
    }
}
