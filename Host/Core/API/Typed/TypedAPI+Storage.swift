import Foundation
import LightningAPIServer
import LightningProtocol
import OpenAPIRuntime

/// `/v1/storage/containers`: containers and their documents through the storage provider slot
/// (`storage.*` contract). Every answer names the plugin that served it (`X-Lightning-Provider`,
/// `<plugin id>@<version>`); document answers carry the document's `ETag`.
extension TypedAPI {
    private var storage: ProviderSlot { daemon.providers.storage }

    /// `<plugin id>@<version>` of the bound storage plugin, for `X-Lightning-Provider`.
    private var servedBy: String? { storage.current.map { "\($0.pluginId)@\($0.version)" } }

    func listContainers(_ input: Operations.ListContainers.Input) async throws -> Operations.ListContainers.Output {
        let list = try await storage.call(Method.containerList, Empty(), as: ContainerList.self)
        return .ok(.init(headers: .init(xLightningProvider: servedBy), body: .json(.init(containers: list.containers))))
    }

    /// Body (optional): `{"partition_key_path"?}`. 201 when created, 200 when it existed.
    func createContainer(_ input: Operations.CreateContainer.Input) async throws -> Operations.CreateContainer.Output {
        var path: String?
        if case .json(let b)? = input.body { path = b.partitionKeyPath }
        let out = try await storage.call(Method.containerCreate, ContainerRequest(container: input.path.container, partitionKeyPath: path), as: ContainerResult.self)
        let body = Components.Schemas.ContainerResult(created: out.created, exists: out.exists, deleted: out.deleted)
        return out.created == true ? .created(.init(headers: .init(xLightningProvider: servedBy), body: .json(body)))
                                   : .ok(.init(headers: .init(xLightningProvider: servedBy), body: .json(body)))
    }

    func getContainer(_ input: Operations.GetContainer.Input) async throws -> Operations.GetContainer.Output {
        let name = input.path.container
        let out = try await storage.call(Method.containerExists, ContainerRequest(container: name), as: ContainerResult.self)
        guard out.exists == true else { throw WireError(.notFound, "container \"\(name)\" does not exist") }
        return .ok(.init(headers: .init(xLightningProvider: servedBy), body: .json(.init(container: name))))
    }

    func deleteContainer(_ input: Operations.DeleteContainer.Input) async throws -> Operations.DeleteContainer.Output {
        _ = try await storage.call(Method.containerDelete, ContainerRequest(container: input.path.container), as: ContainerResult.self)
        return .noContent(.init(headers: .init(xLightningProvider: servedBy)))
    }

    /// Create (or upsert with `?upsert=true`) a document: `{"id", "partition_key"?, "data"?}`.
    func createDocument(_ input: Operations.CreateDocument.Input) async throws -> Operations.CreateDocument.Output {
        guard case .json(let b) = input.body else { throw WireError(.invalidArgument, "request body: expected JSON") }
        let data = b.data.map(JSONValue.init) ?? .object([:])
        let doc = Document(id: b.id, partitionKey: b.partitionKey ?? "", data: data == .null ? .object([:]) : data)
        let upsert = input.query.upsert == true
        let w = WriteRequest(container: input.path.container, document: doc, ifMatch: input.headers.ifMatch)
        let out = try await storage.call(upsert ? Method.documentUpsert : Method.documentCreate, w, as: Document.self)
        let headers = Operations.CreateDocument.Output.Ok.Headers(eTag: out.etag, xLightningProvider: servedBy)
        return upsert ? .ok(.init(headers: headers, body: .json(try .init(out))))
                      : .created(.init(headers: .init(eTag: out.etag, xLightningProvider: servedBy), body: .json(try .init(out))))
    }

    /// List, or query by equality: `?partition_key=&max_items=&continuation=&where=<json object>`.
    func listDocuments(_ input: Operations.ListDocuments.Input) async throws -> Operations.ListDocuments.Output {
        let q = input.query
        let r = QueryRequest(container: input.path.container, partitionKey: q.partitionKey,
                             where: q._where.map { $0.additionalProperties.mapValues(JSONValue.init) } ?? [:],
                             maxItems: q.maxItems, continuation: q.continuation)
        return .ok(.init(headers: .init(xLightningProvider: servedBy), body: .json(try .init(try await storage.call(Method.documentQuery, r, as: QueryResult.self)))))
    }

    /// Body (optional; empty or `{}` lists every document): `{"where"?, "partition_key"?, "max_items"?, "continuation"?}`.
    func queryDocuments(_ input: Operations.QueryDocuments.Input) async throws -> Operations.QueryDocuments.Output {
        var r = QueryRequest(container: input.path.container)
        if case .json(let b)? = input.body {
            r.partitionKey = b.partitionKey
            r.where = b._where.map { $0.additionalProperties.mapValues(JSONValue.init) } ?? [:]
            r.maxItems = b.maxItems
            r.continuation = b.continuation
        }
        return .ok(.init(headers: .init(xLightningProvider: servedBy), body: .json(try .init(try await storage.call(Method.documentQuery, r, as: QueryResult.self)))))
    }

    func getDocument(_ input: Operations.GetDocument.Input) async throws -> Operations.GetDocument.Output {
        let k = DocumentKey(container: input.path.container, id: input.path.id, partitionKey: input.query.partitionKey ?? "", ifMatch: input.headers.ifMatch)
        let out = try await storage.call(Method.documentRead, k, as: Document.self)
        return .ok(.init(headers: .init(eTag: out.etag, xLightningProvider: servedBy), body: .json(try .init(out))))
    }

    /// Replace: body `{"data": {...}, "partition_key"?}` (a whole document is accepted too; `id`
    /// comes from the path); `If-Match` for optimistic concurrency.
    func replaceDocument(_ input: Operations.ReplaceDocument.Input) async throws -> Operations.ReplaceDocument.Output {
        guard case .json(let b) = input.body else { throw WireError(.invalidArgument, "request body: expected JSON") }
        let doc = Document(id: input.path.id, partitionKey: b.partitionKey ?? input.query.partitionKey ?? "", data: JSONValue(b.data))
        let w = WriteRequest(container: input.path.container, document: doc, ifMatch: input.headers.ifMatch)
        let out = try await storage.call(Method.documentReplace, w, as: Document.self)
        return .ok(.init(headers: .init(eTag: out.etag, xLightningProvider: servedBy), body: .json(try .init(out))))
    }

    func deleteDocument(_ input: Operations.DeleteDocument.Input) async throws -> Operations.DeleteDocument.Output {
        let k = DocumentKey(container: input.path.container, id: input.path.id, partitionKey: input.query.partitionKey ?? "", ifMatch: input.headers.ifMatch)
        _ = try await storage.call(Method.documentDelete, k, as: DeleteResult.self)
        return .noContent(.init(headers: .init(xLightningProvider: servedBy)))
    }
}

extension Components.Schemas.Document {
    init(_ d: Document) throws {
        self.init(id: d.id, partitionKey: d.partitionKey, data: try .init(d.data), createdAt: d.createdAt?.date, updatedAt: d.updatedAt?.date, etag: d.etag)
    }
}

extension Components.Schemas.QueryResult {
    init(_ r: QueryResult) throws { self.init(documents: try r.documents.map(Components.Schemas.Document.init), continuation: r.continuation) }
}
