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
    /// `PATCH /v1/context/documents/{id}` (a unified diff as text, or `{"patch"}`) and
    /// `POST …/move` (`parent_folder_id: null` is the owner's root, absent keeps the folder):
    /// registered by hand; the generated types cannot carry either. The other Context Hub
    /// operations are generated (`TypedAPI+Context.swift`).
    func addContextRoutes(_ router: Router<BasicRequestContext>) {
        let hub = daemon.context
        let base = "/v1/context"
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
}
