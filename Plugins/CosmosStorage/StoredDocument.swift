import Foundation
import LightningProtocol

/// How a contract document lives in Cosmos DB:
///
/// ```json
/// {"id": "ada", "partition_key": "uk", "data": {…}, "created_at": "2026-…Z", "updated_at": "2026-…Z",
///  "_etag": "\"0000…\"", "_ts": 1764000000, "_rid": …, "_self": …}
/// ```
///
/// `partition_key` is also written under the configured partition key property when that is
/// not `partition_key`. Cosmos's `_etag` is the contract's `etag`; the other system
/// properties are ignored.
enum StoredDocument {
    /// The body to send for `doc` with the given timestamps.
    static func body(_ doc: Document, createdAt: Timestamp, updatedAt: Timestamp, partitionKeyProperty: String) throws -> Data {
        var object: [String: JSONValue] = [
            "id": .string(doc.id),
            "partition_key": .string(doc.partitionKey),
            "data": doc.data,
            "created_at": .string(createdAt.description),
            "updated_at": .string(updatedAt.description),
        ]
        object[partitionKeyProperty] = .string(doc.partitionKey)
        return try Wire.encode(JSONValue.object(object))
    }

    /// The contract document from a Cosmos document.
    /// - Throws: `WireError(.internal)` when the stored document lacks the contract's fields
    ///   (a document not written by this plugin).
    static func document(_ json: JSONValue, container: String) throws -> Document {
        guard let id = json["id"]?.stringValue else {
            throw WireError(.internal, "Cosmos DB: a document in container \"\(container)\" has no string \"id\"")
        }
        guard let pk = json["partition_key"]?.stringValue else {
            throw WireError(.internal, "Cosmos DB: document \"\(id)\" in container \"\(container)\" has no string \"partition_key\" (not written by cosmos-storage?)")
        }
        return Document(id: id, partitionKey: pk, data: json["data"] ?? .object([:]),
                        createdAt: json["created_at"]?.stringValue.flatMap(Timestamp.init(rfc3339:)),
                        updatedAt: json["updated_at"]?.stringValue.flatMap(Timestamp.init(rfc3339:)),
                        etag: json["_etag"]?.stringValue)
    }

    /// The document in a reply body.
    static func document(_ body: Data, container: String) throws -> Document {
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: body) else {
            throw WireError(.internal, "Cosmos DB: expected a JSON document from container \"\(container)\", got \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
        return try document(json, container: container)
    }
}
