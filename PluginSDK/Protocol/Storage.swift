/// A stored JSON document (the storage contract, docs/plugin-abi.md#storage).
///
/// `id` is unique within (`container`, `partition_key`). The provider sets `created_at`,
/// `updated_at` and a fresh opaque `etag` on every write.
public struct Document: Codable, Sendable, Hashable {
    public var id: String
    public var partitionKey: String
    public var data: JSONValue
    public var createdAt: Timestamp?
    public var updatedAt: Timestamp?
    public var etag: String?

    public init(id: String, partitionKey: String = "", data: JSONValue, createdAt: Timestamp? = nil,
                updatedAt: Timestamp? = nil, etag: String? = nil) {
        self.id = id; self.partitionKey = partitionKey; self.data = data
        self.createdAt = createdAt; self.updatedAt = updatedAt; self.etag = etag
    }

    enum CodingKeys: String, CodingKey {
        case id, data, etag
        case partitionKey = "partition_key", createdAt = "created_at", updatedAt = "updated_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        partitionKey = try c.decodeIfPresent(String.self, forKey: .partitionKey) ?? ""
        data = try c.decodeIfPresent(JSONValue.self, forKey: .data) ?? .object([:])
        createdAt = try c.decodeIfPresent(Timestamp.self, forKey: .createdAt)
        updatedAt = try c.decodeIfPresent(Timestamp.self, forKey: .updatedAt)
        etag = try c.decodeIfPresent(String.self, forKey: .etag)
    }
}

/// `storage.container.*` params.
public struct ContainerRequest: Codable, Sendable {
    public var container: String
    /// JSON path of the partition key in `data`, informational for providers that need it (Cosmos).
    public var partitionKeyPath: String?
    public init(container: String, partitionKeyPath: String? = nil) {
        self.container = container; self.partitionKeyPath = partitionKeyPath
    }
    enum CodingKeys: String, CodingKey { case container, partitionKeyPath = "partition_key_path" }
}

/// Result of `storage.container.create` (`created` false when it existed) and `.exists`.
public struct ContainerResult: Codable, Sendable, Equatable {
    public var created: Bool?
    public var exists: Bool?
    public var deleted: Bool?
    public init(created: Bool? = nil, exists: Bool? = nil, deleted: Bool? = nil) {
        self.created = created; self.exists = exists; self.deleted = deleted
    }
}

public struct ContainerList: Codable, Sendable, Equatable {
    public var containers: [String]
    public init(containers: [String]) { self.containers = containers }
}

/// `storage.create` / `storage.replace` / `storage.upsert` params. `if_match` applies to replace
/// (and to upsert when the document exists).
public struct WriteRequest: Codable, Sendable {
    public var container: String
    public var document: Document
    public var ifMatch: String?
    public init(container: String, document: Document, ifMatch: String? = nil) {
        self.container = container; self.document = document; self.ifMatch = ifMatch
    }
    enum CodingKeys: String, CodingKey { case container, document, ifMatch = "if_match" }
}

/// `storage.read` / `storage.delete` params.
public struct DocumentKey: Codable, Sendable {
    public var container: String
    public var id: String
    public var partitionKey: String
    public var ifMatch: String?
    public init(container: String, id: String, partitionKey: String = "", ifMatch: String? = nil) {
        self.container = container; self.id = id; self.partitionKey = partitionKey; self.ifMatch = ifMatch
    }
    enum CodingKeys: String, CodingKey { case container, id, partitionKey = "partition_key", ifMatch = "if_match" }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        container = try c.decode(String.self, forKey: .container)
        id = try c.decode(String.self, forKey: .id)
        partitionKey = try c.decodeIfPresent(String.self, forKey: .partitionKey) ?? ""
        ifMatch = try c.decodeIfPresent(String.self, forKey: .ifMatch)
    }
}

/// `storage.query` params: equality on dotted paths of `data` (`{"address.city": "Oslo"}`),
/// optionally within one partition, paged by an opaque continuation token.
public struct QueryRequest: Codable, Sendable {
    public var container: String
    public var partitionKey: String?
    public var `where`: [String: JSONValue]
    public var maxItems: Int?
    public var continuation: String?
    public init(container: String, partitionKey: String? = nil, where: [String: JSONValue] = [:],
                maxItems: Int? = nil, continuation: String? = nil) {
        self.container = container; self.partitionKey = partitionKey; self.where = `where`
        self.maxItems = maxItems; self.continuation = continuation
    }
    enum CodingKeys: String, CodingKey {
        case container, `where`, continuation
        case partitionKey = "partition_key", maxItems = "max_items"
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        container = try c.decode(String.self, forKey: .container)
        partitionKey = try c.decodeIfPresent(String.self, forKey: .partitionKey)
        `where` = try c.decodeIfPresent([String: JSONValue].self, forKey: .where) ?? [:]
        maxItems = try c.decodeIfPresent(Int.self, forKey: .maxItems)
        continuation = try c.decodeIfPresent(String.self, forKey: .continuation)
    }
}

public struct QueryResult: Codable, Sendable {
    public var documents: [Document]
    /// Present when more results exist; pass it back as `continuation`.
    public var continuation: String?
    public init(documents: [Document], continuation: String?) {
        self.documents = documents; self.continuation = continuation
    }
}

public struct DeleteResult: Codable, Sendable, Equatable {
    public var deleted: Bool
    public init(deleted: Bool) { self.deleted = deleted }
}
