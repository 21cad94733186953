import Foundation
import LightningContext
import LightningProtocol

extension ContextHub {
    /// Answers the `context.*` host methods of plugins and children (docs/protocol.md#context-hub):
    /// the caller's principal is its name (an agent's or function's manifest id), never an admin,
    /// so the access lists decide. Paths are in the caller's own tree unless `owner` says otherwise.
    /// - Throws: `WireError` (`.unsupported` for an unknown `context.*` method).
    func hostCall(method: String, params: Data, caller name: String) async throws -> Data {
        let caller = ContextCaller(principal: name, isAdmin: false)
        switch method {
        case Method.contextRead:
            let r = try Wire.decode(ContextReadRequest.self, from: params, what: "params of \(method)")
            let ref = try Self.ref(id: r.id, path: r.path, owner: r.owner, caller: name, method: method)
            var doc = try await read(caller, ref)
            if let v = r.version, v != doc.version {
                let old = try await version(caller, doc.id, v)
                doc.content = old.content
                doc.version = v
                doc.size = old.size
                doc.author = old.author
                doc.updatedAt = old.at
            }
            return try Wire.encode(doc)
        case Method.contextWrite:
            let r = try Wire.decode(ContextWriteRequest.self, from: params, what: "params of \(method)")
            let (doc, _) = try await put(caller, owner: r.owner ?? name, path: r.path, content: r.content, docType: r.docType ?? .text,
                                         acl: r.acl, ifMatch: r.ifMatch)
            return try Wire.encode(doc)
        case Method.contextSearch:
            let r = try Wire.decode(ContextSearchRequest.self, from: params, what: "params of \(method)")
            return try Wire.encode(try await search(caller, q: r.q, limit: r.limit ?? 20, offset: r.offset ?? 0, folder: r.folderId))
        case Method.contextList:
            let r = try Wire.decode(ContextListRequest.self, from: params, what: "params of \(method)")
            let ref: Ref = r.id.map { Ref.id($0) } ?? Ref.path(owner: r.owner ?? name, path: r.path ?? "/")
            return try Wire.encode(ContextListResult(documents: try await list(caller, ref)))
        case Method.contextDelete:
            struct Params: Decodable { var id: String?; var path: String?; var owner: String?; var recursive: Bool?; var if_match: String? }
            let r = try Wire.decode(Params.self, from: params, what: "params of \(method)")
            let (node, _) = try await load(try Self.ref(id: r.id, path: r.path, owner: r.owner, caller: name, method: method))
            let n = try await delete(caller, node.id, recursive: r.recursive ?? false, ifMatch: r.if_match)
            return try Wire.encode(["deleted": n])
        default:
            throw WireError(.unsupported, "host method \"\(method)\" does not exist; the Context Hub offers context.read, context.write, context.search, context.list and context.delete (docs/protocol.md#context-hub)")
        }
    }

    private static func ref(id: String?, path: String?, owner: String?, caller: String, method: String) throws -> Ref {
        if let id { return .id(id) }
        guard let path else { throw WireError(.invalidArgument, "params of \(method): expected \"id\" or \"path\"") }
        return .path(owner: owner ?? caller, path: path)
    }
}
