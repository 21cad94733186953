import Foundation
import LightningAPIServer
import LightningContext
import LightningProtocol
import OpenAPIRuntime

/// `/v1/context/…`: the Context Hub (docs/context-hub.md). Documents are addressed by id, or by
/// `owner` and `path` (`?owner=agent-a&path=/notes/today.md`; `owner` defaults to the caller).
/// Writes take `If-Match` (and `PUT …/documents?path=` `If-None-Match: *`); every answer with one
/// document carries its `ETag`.
extension TypedAPI {
    private var hub: ContextHub { daemon.context }
    private var caller: ContextCaller { Self.contextCaller() }

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

    /// `PATCH /v1/context/documents/{id}`: a unified diff, as the body (`text/x-diff`,
    /// `text/plain`, or no content type) or as `{"patch"}`; 409 when it does not apply.
    func patchContextDocument(_ input: Operations.PatchContextDocument.Input) async throws -> Operations.PatchContextDocument.Output {
        let diff: String
        switch input.body {
        case .textXDiff(let body), .plainText(let body): diff = try await String(collecting: body, upTo: 4 << 20)
        case .json(let b): diff = b.patch
        }
        let d = try await hub.patch(caller, input.path.id, diff: diff, ifMatch: input.headers.ifMatch)
        return .ok(.init(headers: .init(eTag: d.etag), body: .json(.init(d))))
    }

    /// `POST /v1/context/documents/{id}/move`: `parent_folder_id` null moves to the owner's
    /// root, absent keeps the folder (`RequestBodyBytes` tells the two apart).
    func moveContextDocument(_ input: Operations.MoveContextDocument.Input) async throws -> Operations.MoveContextDocument.Output {
        guard case .json(let b) = input.body else { throw WireError(.invalidArgument, "request body: expected JSON") }
        let parent = b.parentFolderId ?? (RequestBodyBytes.nullFields().contains("parent_folder_id") ? "" : nil)
        let d = try await hub.move(caller, input.path.id, parent: parent, name: b.name, ifMatch: input.headers.ifMatch)
        return .ok(.init(headers: .init(eTag: d.etag), body: .json(.init(d))))
    }

    func readContextDocumentByPath(_ input: Operations.ReadContextDocumentByPath.Input) async throws -> Operations.ReadContextDocumentByPath.Output {
        let c = caller
        let d = try await hub.read(c, .path(owner: input.query.owner ?? c.principal, path: input.query.path))
        return .ok(.init(headers: .init(eTag: d.etag), body: .json(.init(d))))
    }

    /// Create or replace by path (missing folders are created).
    func putContextDocumentByPath(_ input: Operations.PutContextDocumentByPath.Input) async throws -> Operations.PutContextDocumentByPath.Output {
        guard case .json(let b) = input.body else { throw WireError(.invalidArgument, "request body: expected JSON") }
        let c = caller
        let (d, created) = try await hub.put(c, owner: input.query.owner ?? c.principal, path: input.query.path, content: b.content ?? "",
                                             docType: b.docType.map { ContextDocType(documented: $0) } ?? .text, acl: b.acl?.map(ContextACLEntry.init),
                                             ifMatch: input.headers.ifMatch, ifNoneMatch: input.headers.ifNoneMatch == "*")
        return created ? .created(.init(headers: .init(eTag: d.etag), body: .json(.init(d)))) : .ok(.init(headers: .init(eTag: d.etag), body: .json(.init(d))))
    }

    /// Create by parent folder id (the folder's tree decides the owner unless `owner` is given).
    func createContextDocument(_ input: Operations.CreateContextDocument.Input) async throws -> Operations.CreateContextDocument.Output {
        guard case .json(let b) = input.body else { throw WireError(.invalidArgument, "request body: expected JSON") }
        let d = try await createNode(name: b.name, parent: b.parentFolderId, owner: b.owner,
                                     docType: b.docType.map { ContextDocType(documented: $0) } ?? .text, content: b.content, acl: b.acl)
        return .created(.init(headers: .init(eTag: d.etag), body: .json(.init(d))))
    }

    func createContextFolder(_ input: Operations.CreateContextFolder.Input) async throws -> Operations.CreateContextFolder.Output {
        guard case .json(let b) = input.body else { throw WireError(.invalidArgument, "request body: expected JSON") }
        let d = try await createNode(name: b.name, parent: b.parentFolderId, owner: b.owner, docType: .folder, content: nil, acl: b.acl)
        return .created(.init(headers: .init(eTag: d.etag), body: .json(.init(d))))
    }

    private func createNode(name: String, parent: String?, owner: String?, docType: ContextDocType, content: String?,
                            acl: [Components.Schemas.ContextACLEntry]?) async throws -> ContextDocument {
        let c = caller
        var tree = owner ?? c.principal
        if let parent, owner == nil { tree = try await hub.read(c, .id(parent)).owner }  // the folder's tree decides the owner
        return try await hub.create(c, owner: tree, parent: parent ?? "", name: name, docType: docType, content: content ?? "",
                                    acl: (acl ?? []).map(ContextACLEntry.init))
    }

    /// A folder's children by path (`/` or none: the owner's root).
    func listContextFolderByPath(_ input: Operations.ListContextFolderByPath.Input) async throws -> Operations.ListContextFolderByPath.Output {
        let c = caller
        let docs = try await hub.list(c, .path(owner: input.query.owner ?? c.principal, path: input.query.path ?? "/"))
        return .ok(.init(body: .json(.init(documents: docs.map(Components.Schemas.ContextDocument.init)))))
    }

    func listContextFolder(_ input: Operations.ListContextFolder.Input) async throws -> Operations.ListContextFolder.Output {
        .ok(.init(body: .json(.init(documents: try await hub.list(caller, .id(input.path.id)).map(Components.Schemas.ContextDocument.init)))))
    }

    func readContextDocument(_ input: Operations.ReadContextDocument.Input) async throws -> Operations.ReadContextDocument.Output {
        let d = try await hub.read(caller, .id(input.path.id))
        return .ok(.init(headers: .init(eTag: d.etag), body: .json(.init(d))))
    }

    func writeContextDocument(_ input: Operations.WriteContextDocument.Input) async throws -> Operations.WriteContextDocument.Output {
        guard case .json(let b) = input.body else { throw WireError(.invalidArgument, "request body: expected JSON") }
        let d = try await hub.write(caller, input.path.id, content: b.content, ifMatch: input.headers.ifMatch)
        return .ok(.init(headers: .init(eTag: d.etag), body: .json(.init(d))))
    }

    func deleteContextDocument(_ input: Operations.DeleteContextDocument.Input) async throws -> Operations.DeleteContextDocument.Output {
        let n = try await hub.delete(caller, input.path.id, recursive: input.query.recursive == true, ifMatch: input.headers.ifMatch)
        return .ok(.init(body: .json(.init(deleted: n))))
    }

    func setContextACL(_ input: Operations.SetContextACL.Input) async throws -> Operations.SetContextACL.Output {
        guard case .json(let b) = input.body else { throw WireError(.invalidArgument, "request body: expected JSON") }
        let d = try await hub.setACL(caller, input.path.id, acl: b.acl.map(ContextACLEntry.init), ifMatch: input.headers.ifMatch)
        return .ok(.init(headers: .init(eTag: d.etag), body: .json(.init(d))))
    }

    func listContextVersions(_ input: Operations.ListContextVersions.Input) async throws -> Operations.ListContextVersions.Output {
        .ok(.init(body: .json(.init(versions: try await hub.versions(caller, input.path.id).map(Components.Schemas.ContextVersion.init)))))
    }

    func readContextVersion(_ input: Operations.ReadContextVersion.Input) async throws -> Operations.ReadContextVersion.Output {
        .ok(.init(body: .json(.init(try await hub.version(caller, input.path.id, input.path.version)))))
    }

    func restoreContextVersion(_ input: Operations.RestoreContextVersion.Input) async throws -> Operations.RestoreContextVersion.Output {
        let d = try await hub.restore(caller, input.path.id, version: input.path.version, ifMatch: input.headers.ifMatch)
        return .ok(.init(headers: .init(eTag: d.etag), body: .json(.init(d))))
    }

    func diffContextVersions(_ input: Operations.DiffContextVersions.Input) async throws -> Operations.DiffContextVersions.Output {
        let q = input.query
        for (name, v) in [("from", q.from), ("to", q.to)] where v < 1 {
            throw WireError(.invalidArgument, "query parameter \"\(name)\": expected a version number ≥ 1, got \"\(v)\"")
        }
        let diff = try await hub.diff(caller, input.path.id, from: q.from, to: q.to)
        return .ok(.init(body: .json(.init(from: q.from, to: q.to, diff: diff))))
    }

    func searchContext(_ input: Operations.SearchContext.Input) async throws -> Operations.SearchContext.Output {
        let q = input.query
        let r = try await hub.search(caller, q: q.q, limit: q.limit ?? 20, offset: q.offset ?? 0, folder: q.folder)
        return .ok(.init(body: .json(.init(query: r.query, total: r.total, offset: r.offset, limit: r.limit,
                                           hits: r.hits.map { .init(document: .init($0.document), score: $0.score, snippet: $0.snippet) }))))
    }

    func reindexContext(_ input: Operations.ReindexContext.Input) async throws -> Operations.ReindexContext.Output {
        .ok(.init(body: .json(.init(indexed: try await hub.reindex()))))
    }
}

extension Components.Schemas.ContextDocument {
    init(_ d: ContextDocument) {
        let type: DocTypePayload = switch d.docType {
        case .folder: .folder
        case .text: .text
        case .indexGuide: .indexGuide
        }
        self.init(id: d.id, name: d.name, path: d.path, docType: type, parentFolderId: d.parentFolderId, owner: d.owner,
                  acl: d.acl.map(Components.Schemas.ContextACLEntry.init), content: d.content, size: d.size, version: d.version,
                  author: d.author, createdAt: d.createdAt.date, updatedAt: d.updatedAt.date, etag: d.etag)
    }
}

extension Components.Schemas.ContextACLEntry {
    init(_ e: ContextACLEntry) {
        let access: AccessPayload = switch e.access {
        case .read: .read
        case .write: .write
        }
        self.init(principal: e.principal, access: access)
    }
}

extension ContextACLEntry {
    init(_ e: Components.Schemas.ContextACLEntry) {
        let access: ContextAccess = switch e.access {
        case .read: .read
        case .write: .write
        }
        self.init(principal: e.principal, access: access)
    }
}

extension Components.Schemas.ContextVersion {
    init(_ v: ContextVersionInfo) {
        self.init(version: v.version, author: v.author, at: v.at.date, size: v.size, restoredFrom: v.restoredFrom, content: v.content, name: v.name)
    }
}

extension ContextDocType {
    /// A document type as a request names it (each operation's body has its own enum type of
    /// the same three values).
    init<T: RawRepresentable>(documented t: T) where T.RawValue == String {
        switch t.rawValue {
        case "folder": self = .folder
        case "index_guide": self = .indexGuide
        default: self = .text
        }
    }
}
