public import Foundation

/// The host's document storage, seen from a plugin or a child: one async method per
/// `storage.*` method of the storage contract (docs/plugin-abi.md#storage), with its params and
/// result types. Children get one as `ctx.storage` (LightningChildKit), in-process plugins as
/// `context.storage` (LightningPluginKit); both pass the calls to the host, which forwards them
/// to the current storage provider.
///
/// Errors come back as the provider raised them: `WireError` with `.notFound` (missing
/// container or document), `.conflict` (create of an existing id), `.preconditionFailed`
/// (`ifMatch` mismatch), `.invalidArgument`; `.unavailable` when the host is gone.
///
/// Threading: any task; calls may run concurrently.
public struct StorageClient: Sendable {
    /// Sends one host call (`method`, params JSON) and answers its result JSON, or throws the
    /// host's `WireError`.
    public typealias Transport = @Sendable (_ method: String, _ params: Data) async throws -> Data

    let transport: Transport

    /// A client over `transport` (the SDKs make it; tests may pass their own).
    public init(transport: @escaping Transport) { self.transport = transport }

    // MARK: Containers

    /// Creates a container (`storage.container.create`); idempotent.
    /// - Returns: `created` true when it was made, false when it existed.
    @discardableResult
    public func createContainer(_ container: String, partitionKeyPath: String? = nil) async throws -> ContainerResult {
        try await call(Method.containerCreate, ContainerRequest(container: container, partitionKeyPath: partitionKeyPath))
    }

    /// Whether a container exists (`storage.container.exists`).
    public func containerExists(_ container: String) async throws -> Bool {
        let r: ContainerResult = try await call(Method.containerExists, ContainerRequest(container: container))
        return r.exists ?? false
    }

    /// The names of all containers (`storage.container.list`).
    public func listContainers() async throws -> [String] {
        let r: ContainerList = try await call(Method.containerList, Empty())
        return r.containers
    }

    /// Deletes a container and its documents (`storage.container.delete`).
    /// - Returns: `deleted` false when it did not exist.
    @discardableResult
    public func deleteContainer(_ container: String) async throws -> ContainerResult {
        try await call(Method.containerDelete, ContainerRequest(container: container))
    }

    // MARK: Documents

    /// Creates a document (`storage.create`); `.conflict` when the id exists (create takes no `ifMatch`).
    /// - Returns: the stored document with its timestamps and etag.
    @discardableResult
    public func create(container: String, document: Document) async throws -> Document {
        try await call(Method.documentCreate, WriteRequest(container: container, document: document))
    }

    /// Reads a document (`storage.read`); `.notFound` when missing, `.preconditionFailed` when
    /// `ifMatch` is given and differs from its etag.
    public func read(container: String, id: String, partitionKey: String = "", ifMatch: String? = nil) async throws -> Document {
        try await call(Method.documentRead, DocumentKey(container: container, id: id, partitionKey: partitionKey, ifMatch: ifMatch))
    }

    /// Replaces an existing document (`storage.replace`); `.notFound` when missing,
    /// `.preconditionFailed` when `ifMatch` is given and differs from its etag.
    @discardableResult
    public func replace(container: String, document: Document, ifMatch: String? = nil) async throws -> Document {
        try await call(Method.documentReplace, WriteRequest(container: container, document: document, ifMatch: ifMatch))
    }

    /// Creates or replaces a document (`storage.upsert`); with `ifMatch` the document must exist
    /// and carry that etag (`"*"`: any), else `.preconditionFailed`.
    @discardableResult
    public func upsert(container: String, document: Document, ifMatch: String? = nil) async throws -> Document {
        try await call(Method.documentUpsert, WriteRequest(container: container, document: document, ifMatch: ifMatch))
    }

    /// Deletes a document (`storage.delete`).
    @discardableResult
    public func delete(container: String, id: String, partitionKey: String = "", ifMatch: String? = nil) async throws -> DeleteResult {
        try await call(Method.documentDelete, DocumentKey(container: container, id: id, partitionKey: partitionKey, ifMatch: ifMatch))
    }

    /// Finds documents by equality on dotted paths of `data` (`storage.query`), one page at a
    /// time; pass the result's `continuation` back for the next page.
    public func query(_ request: QueryRequest) async throws -> QueryResult {
        try await call(Method.documentQuery, request)
    }

    /// `query(_:)` with its fields spelled out.
    public func query(container: String, where conditions: [String: JSONValue] = [:], partitionKey: String? = nil,
                      maxItems: Int? = nil, continuation: String? = nil) async throws -> QueryResult {
        try await query(QueryRequest(container: container, partitionKey: partitionKey, where: conditions,
                                     maxItems: maxItems, continuation: continuation))
    }

    private func call<P: Encodable, R: Decodable>(_ method: String, _ params: P) async throws -> R {
        try Wire.decode(R.self, from: try await transport(method, try Wire.encode(params)), what: "result of \(method)")
    }
}
