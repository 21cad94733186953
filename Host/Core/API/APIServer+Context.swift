import Foundation
import HTTPTypes
import Hummingbird
import LightningContext
import LightningProtocol

/// `/v1/context/…`: the Context Hub (docs/context-hub.md). Documents are addressed by id, or by
/// `owner` and `path` (`?owner=agent-a&path=/notes/today.md`; `owner` defaults to the caller).
/// Writes take `If-Match` (and `PUT …/documents?path=` `If-None-Match: *`); every answer with one
/// document carries its `ETag`.
extension APIServer {
    func addContextRoutes(_ router: Router<BasicRequestContext>) {
        let hub = daemon.context
        let base = "/v1/context"
        // By path: read, create or replace (missing folders are created).
        router.get(RouterPath("\(base)/documents")) { request, _ in
            let caller = Self.contextCaller()
            let doc = try await hub.read(caller, .path(owner: request.query("owner") ?? caller.principal, path: try Self.required(request, "path")))
            return Self.document(doc)
        }
        router.put(RouterPath("\(base)/documents")) { request, _ in
            var req = request
            struct Body: Decodable { var content: String?; var doc_type: ContextDocType?; var acl: [ContextACLEntry]? }
            let b = try await req.decode(Body.self, limit: ContextNames.maxContentBytes * 2 + 65536)
            let caller = Self.contextCaller()
            let (doc, created) = try await hub.put(caller, owner: request.query("owner") ?? caller.principal, path: try Self.required(request, "path"),
                                                   content: b.content ?? "", docType: b.doc_type ?? .text, acl: b.acl,
                                                   ifMatch: request.headers[.ifMatch], ifNoneMatch: request.headers[.ifNoneMatch] == "*")
            return Self.document(doc, status: created ? .created : .ok)
        }
        // Create by parent folder id.
        router.post(RouterPath("\(base)/documents")) { request, _ in
            try await Self.createNode(hub, request, folder: false)
        }
        router.post(RouterPath("\(base)/folders")) { request, _ in
            try await Self.createNode(hub, request, folder: true)
        }
        // List a folder: by path (`/` or none: the owner's root) or by id.
        router.get(RouterPath("\(base)/folders")) { request, _ in
            let caller = Self.contextCaller()
            let docs = try await hub.list(caller, .path(owner: request.query("owner") ?? caller.principal, path: request.query("path") ?? "/"))
            return APIResponse.json(ContextListResult(documents: docs))
        }
        router.get("\(base)/folders/:id") { _, ctx in
            APIResponse.json(ContextListResult(documents: try await hub.list(Self.contextCaller(), .id(try ctx.parameters.string("id")))))
        }
        router.get("\(base)/documents/:id") { _, ctx in
            Self.document(try await hub.read(Self.contextCaller(), .id(try ctx.parameters.string("id"))))
        }
        router.put("\(base)/documents/:id") { request, ctx in
            var req = request
            struct Body: Decodable { var content: String }
            let b = try await req.decode(Body.self, limit: ContextNames.maxContentBytes * 2 + 65536)
            return Self.document(try await hub.write(Self.contextCaller(), try ctx.parameters.string("id"), content: b.content,
                                                     ifMatch: request.headers[.ifMatch]))
        }
        // A unified diff, as the body (text) or as {"patch": "..."}; 409 when it does not apply.
        router.patch("\(base)/documents/:id") { request, ctx in
            var req = request
            let buffer = try await req.collectBody(upTo: ContextNames.maxContentBytes * 3)
            let data = Data(buffer.readableBytesView)
            var patch = String(decoding: data, as: UTF8.self)
            if request.headers[.contentType]?.hasPrefix("application/json") == true {
                struct Body: Decodable { var patch: String }
                patch = try Wire.decode(Body.self, from: data, what: "request body").patch
            }
            return Self.document(try await hub.patch(Self.contextCaller(), try ctx.parameters.string("id"), diff: patch,
                                                     ifMatch: request.headers[.ifMatch]))
        }
        router.delete("\(base)/documents/:id") { request, ctx in
            let n = try await hub.delete(Self.contextCaller(), try ctx.parameters.string("id"), recursive: request.query("recursive") == "true",
                                         ifMatch: request.headers[.ifMatch])
            return APIResponse.json(["deleted": n])
        }
        router.post("\(base)/documents/:id/move") { request, ctx in
            var req = request
            // "parent_folder_id": null moves to the owner's root; absent keeps the folder.
            struct Body: Decodable {
                var parent: String?
                var name: String?
                enum CodingKeys: String, CodingKey { case parent_folder_id, name }
                init(from decoder: any Decoder) throws {
                    let c = try decoder.container(keyedBy: CodingKeys.self)
                    name = try c.decodeIfPresent(String.self, forKey: .name)
                    if c.contains(.parent_folder_id) {
                        parent = try c.decodeNil(forKey: .parent_folder_id) ? "" : try c.decode(String.self, forKey: .parent_folder_id)
                    }
                }
            }
            let b = try await req.decode(Body.self)
            let parent = b.parent
            return Self.document(try await hub.move(Self.contextCaller(), try ctx.parameters.string("id"), parent: parent, name: b.name,
                                                    ifMatch: request.headers[.ifMatch]))
        }
        router.put("\(base)/documents/:id/acl") { request, ctx in
            var req = request
            struct Body: Decodable { var acl: [ContextACLEntry] }
            let b = try await req.decode(Body.self)
            return Self.document(try await hub.setACL(Self.contextCaller(), try ctx.parameters.string("id"), acl: b.acl, ifMatch: request.headers[.ifMatch]))
        }
        router.get("\(base)/documents/:id/versions") { _, ctx in
            struct Out: Encodable { var versions: [ContextVersionInfo] }
            return APIResponse.json(Out(versions: try await hub.versions(Self.contextCaller(), try ctx.parameters.string("id"))))
        }
        router.get("\(base)/documents/:id/versions/:version") { _, ctx in
            APIResponse.json(try await hub.version(Self.contextCaller(), try ctx.parameters.string("id"), try Self.versionNumber(ctx.parameters.string("version"))))
        }
        router.post("\(base)/documents/:id/versions/:version/restore") { request, ctx in
            Self.document(try await hub.restore(Self.contextCaller(), try ctx.parameters.string("id"),
                                                version: try Self.versionNumber(ctx.parameters.string("version")), ifMatch: request.headers[.ifMatch]))
        }
        router.get("\(base)/documents/:id/diff") { request, ctx in
            let from = try Self.versionNumber(try Self.required(request, "from"), field: "query parameter \"from\"")
            let to = try Self.versionNumber(try Self.required(request, "to"), field: "query parameter \"to\"")
            let diff = try await hub.diff(Self.contextCaller(), try ctx.parameters.string("id"), from: from, to: to)
            struct Out: Encodable { var from: Int; var to: Int; var diff: String }
            return APIResponse.json(Out(from: from, to: to, diff: diff))
        }
        router.get(RouterPath("\(base)/search")) { request, _ in
            let r = try await hub.search(Self.contextCaller(), q: try Self.required(request, "q"),
                                         limit: try request.queryInt("limit", range: 1...1000) ?? 20,
                                         offset: try request.queryInt("offset", range: 0...1_000_000) ?? 0, folder: request.query("folder"))
            return APIResponse.json(r)
        }
        router.post(RouterPath("\(base)/reindex")) { _, _ in
            let n = try await hub.reindex()
            return APIResponse.json(["indexed": n])
        }
    }

    private static func createNode(_ hub: ContextHub, _ request: Request, folder: Bool) async throws -> Response {
        var req = request
        struct Body: Decodable {
            var name: String; var parent_folder_id: String?; var owner: String?; var doc_type: ContextDocType?
            var content: String?; var acl: [ContextACLEntry]?
        }
        let b = try await req.decode(Body.self, limit: ContextNames.maxContentBytes * 2 + 65536)
        let caller = contextCaller()
        var owner = b.owner ?? caller.principal
        if let p = b.parent_folder_id, b.owner == nil {
            // The folder's tree decides the owner.
            owner = try await hub.read(caller, .id(p)).owner
        }
        let type: ContextDocType = folder ? .folder : (b.doc_type ?? .text)
        if folder, let t = b.doc_type, t != .folder { throw WireError(.invalidArgument, "field \"doc_type\": POST /v1/context/folders creates folders, got \"\(t.rawValue)\"") }
        let doc = try await hub.create(caller, owner: owner, parent: b.parent_folder_id ?? "", name: b.name, docType: type,
                                       content: b.content ?? "", acl: b.acl ?? [])
        return document(doc, status: .created)
    }

    /// Who calls, for the Context Hub's access lists: the token's name (its id when the name is
    /// not a valid principal), an admin when the token has `admin`; without a token
    /// (authentication off, or the unix socket's owner) `anonymous` as an admin.
    static func contextCaller() -> ContextCaller {
        let p = Principal.current
        guard let token = p.token else { return ContextCaller(principal: p.id, isAdmin: true) }
        var name = token.id
        if let n = token.name, (try? ContextNames.checkOwner(n)) != nil { name = n }
        return ContextCaller(principal: name, isAdmin: token.grants(.admin))
    }

    static func document(_ d: ContextDocument, status: HTTPResponse.Status = .ok) -> Response {
        APIResponse.json(d, status: status, headers: [.eTag: d.etag])
    }

    static func required(_ request: Request, _ name: String) throws -> String {
        guard let v = request.query(name) else { throw WireError(.invalidArgument, "query parameter \"\(name)\" is required") }
        return v
    }

    static func versionNumber(_ s: String, field: String = "path parameter \"version\"") throws -> Int {
        guard let v = Int(s), v >= 1 else { throw WireError(.invalidArgument, "\(field): expected a version number ≥ 1, got \"\(s)\"") }
        return v
    }
}
