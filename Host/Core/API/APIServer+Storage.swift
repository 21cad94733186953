import Foundation
import HTTPTypes
import Hummingbird
import LightningProtocol

extension APIServer {
    func addStorageRoutes(_ router: Router<BasicRequestContext>) {
        let storage = daemon.providers.storage
        let base = "/v1/storage/containers"
        router.get(RouterPath(base)) { _, _ in
            try await answered(APIResponse.json(try await storage.call(Method.containerList, Empty(), as: ContainerList.self)))
        }
        router.put("\(base)/:container") { request, ctx in
            var req = request
            struct Body: Decodable { var partition_key_path: String? }
            let body = try await req.decode(Body.self, allowEmpty: true)
            let r = ContainerRequest(container: try ctx.parameters.string("container"), partitionKeyPath: body.partition_key_path)
            let out = try await storage.call(Method.containerCreate, r, as: ContainerResult.self)
            return try await answered(APIResponse.json(out, status: out.created == true ? .created : .ok))
        }
        router.get("\(base)/:container") { _, ctx in
            let name = try ctx.parameters.string("container")
            let out = try await storage.call(Method.containerExists, ContainerRequest(container: name), as: ContainerResult.self)
            guard out.exists == true else { throw WireError(.notFound, "container \"\(name)\" does not exist") }
            return try await answered(APIResponse.json(["container": name]))
        }
        router.delete("\(base)/:container") { _, ctx in
            _ = try await storage.call(Method.containerDelete, ContainerRequest(container: try ctx.parameters.string("container")), as: ContainerResult.self)
            return try await answered(APIResponse.noContent())
        }
        // Create (or upsert with ?upsert=true) a document: {"id", "partition_key", "data"}.
        router.post("\(base)/:container/documents") { request, ctx in
            var req = request
            let doc = try await req.decode(Document.self)
            let upsert = request.query("upsert") == "true"
            let w = WriteRequest(container: try ctx.parameters.string("container"), document: doc, ifMatch: request.headers[.ifMatch])
            let out = try await storage.call(upsert ? Method.documentUpsert : Method.documentCreate, w, as: Document.self)
            return try await answered(APIResponse.json(out, status: upsert ? .ok : .created, headers: etag(out)))
        }
        // List or query by equality: ?partition_key=&max_items=&continuation=&where=<json object>
        // (`where` is form-decoded: `+` is a space, as most clients encode it).
        router.get("\(base)/:container/documents") { request, ctx in
            var whereClause: [String: JSONValue] = [:]
            if let w = request.formQuery("where") {
                whereClause = try Wire.decode([String: JSONValue].self, from: Data(w.utf8), what: "query parameter \"where\"")
            }
            let q = QueryRequest(container: try ctx.parameters.string("container"), partitionKey: request.query("partition_key"),
                                 where: whereClause, maxItems: try request.queryInt("max_items", range: 1...1000),
                                 continuation: request.query("continuation"))
            return try await answered(APIResponse.json(try await storage.call(Method.documentQuery, q, as: QueryResult.self)))
        }
        router.post("\(base)/:container/query") { request, ctx in
            var req = request
            struct Body: Decodable {
                var `where`: [String: JSONValue]?
                var partition_key: String?
                var max_items: Int?
                var continuation: String?
            }
            let b = try await req.decode(Body.self, allowEmpty: true)
            let q = QueryRequest(container: try ctx.parameters.string("container"), partitionKey: b.partition_key,
                                 where: b.where ?? [:], maxItems: b.max_items, continuation: b.continuation)
            return try await answered(APIResponse.json(try await storage.call(Method.documentQuery, q, as: QueryResult.self)))
        }
        router.get("\(base)/:container/documents/:id") { request, ctx in
            let k = DocumentKey(container: try ctx.parameters.string("container"), id: try ctx.parameters.string("id"),
                                partitionKey: request.query("partition_key") ?? "", ifMatch: request.headers[.ifMatch])
            let out = try await storage.call(Method.documentRead, k, as: Document.self)
            return try await answered(APIResponse.json(out, headers: etag(out)))
        }
        // Replace: body {"data": {...}} (or a whole document); If-Match for optimistic concurrency.
        router.put("\(base)/:container/documents/:id") { request, ctx in
            var req = request
            struct Body: Decodable { var data: JSONValue; var partition_key: String? }
            let b = try await req.decode(Body.self)
            let id = try ctx.parameters.string("id")
            let doc = Document(id: id, partitionKey: b.partition_key ?? request.query("partition_key") ?? "", data: b.data)
            let w = WriteRequest(container: try ctx.parameters.string("container"), document: doc, ifMatch: request.headers[.ifMatch])
            let out = try await storage.call(Method.documentReplace, w, as: Document.self)
            return try await answered(APIResponse.json(out, headers: etag(out)))
        }
        router.delete("\(base)/:container/documents/:id") { request, ctx in
            let k = DocumentKey(container: try ctx.parameters.string("container"), id: try ctx.parameters.string("id"),
                                partitionKey: request.query("partition_key") ?? "", ifMatch: request.headers[.ifMatch])
            _ = try await storage.call(Method.documentDelete, k, as: DeleteResult.self)
            return try await answered(APIResponse.noContent())
        }
    }

    private func etag(_ d: Document) -> HTTPFields {
        guard let e = d.etag else { return [:] }
        return [.eTag: e]
    }

    /// Adds `X-Lightning-Provider` (which plugin answered) to a storage response.
    private func answered(_ response: Response) async throws -> Response {
        var r = response
        if let b = daemon.providers.storage.current, let name = HTTPField.Name("X-Lightning-Provider") {
            r.headers[name] = "\(b.pluginId)@\(b.version)"
        }
        return r
    }
}
