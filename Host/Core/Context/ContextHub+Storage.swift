import Crypto
import Foundation
import LightningContext
import LightningProtocol

extension ContextHub {
    /// Reads, checks, changes and stores node `id`: `change` returns the next node and whether it
    /// is a new version. Without `ifMatch`, a write that loses a race with another is retried on
    /// the newer node (last writer wins, every write a version); with it, the race is a 412.
    func update(_ caller: ContextCaller, _ id: String, ifMatch: String?,
                _ change: (ContextNode) throws -> (ContextNode, Bool)) async throws -> ContextDocument {
        try await ensureIndex()
        for _ in 0..<8 {
            let (node, etag) = try await load(.id(id))
            try await check(caller, .write, node)
            if let ifMatch, ifMatch != "*", ifMatch != etag { throw stale(node, ifMatch) }
            let changed = try change(node)
            var next = changed.0
            let isVersion = changed.1
            var prune: [Int] = []
            if isVersion {
                let p = ContextRetention.prune(next, keep: keepVersions)
                prune = p.delete
                next.firstVersion = p.firstVersion
            }
            let stored: Document
            do {
                stored = try await storage.call(Method.documentReplace, WriteRequest(container: Self.nodes, document: Document(id: id, data: Self.json(next)),
                                                                                     ifMatch: etag), as: Document.self)
            } catch let e as WireError where e.code == .preconditionFailed {
                if ifMatch != nil && ifMatch != "*" { throw stale(node, ifMatch!) }
                continue
            }
            if isVersion { try await storeVersion(next) }
            for v in prune { await deleteQuietly(Self.versions, ContextVersionRecord.id(id, v)) }
            let newEtag = stored.etag ?? ""
            try await index.upsert(next, etag: newEtag)
            let doc = await view(next, etag: newEtag, withContent: true)
            await announce("updated", doc)
            return doc
        }
        throw WireError(.conflict, "document \(id): too many concurrent writes; try again")
    }

    /// The node `ref` points to and its ETag.
    func load(_ ref: Ref) async throws -> (ContextNode, String) {
        switch ref {
        case .id(let id):
            guard !id.isEmpty, let d = try await readDocument(Self.nodes, id) else {
                throw WireError(.notFound, "no context document or folder with id \(JSONValue.string(id))")
            }
            return (try Self.node(d), d.etag ?? "")
        case .path(let owner, let path):
            try Self.checkOwner(owner)
            let parts = try Self.split(path)
            if parts.isEmpty { throw WireError(.invalidArgument, "field \"path\": \"/\" is \(owner)'s root, not a document or folder") }
            guard let found = try await find(owner: owner, parts) else {
                throw WireError(.notFound, "no \(path) in \(owner)'s context tree")
            }
            return found
        }
    }

    func find(owner: String, _ parts: [String]) async throws -> (ContextNode, String)? {
        var parent = ""
        var found: (ContextNode, String)?
        for name in parts {
            guard let c = try await child(owner: owner, parent: parent, name: name) else { return nil }
            found = c
            parent = c.0.id
        }
        return found
    }

    /// The node named `name` in folder `parent` of `owner`'s tree, through its name claim.
    func child(owner: String, parent: String, name: String) async throws -> (ContextNode, String)? {
        guard let c = try await readDocument(Self.names, Self.claimId(owner, parent, name)),
              let nodeId = c.data["node"]?.stringValue, let d = try await readDocument(Self.nodes, nodeId) else { return nil }
        let n = try Self.node(d)
        guard n.owner == owner, n.parent == parent, n.name == name else { return nil }  // a stale claim
        return (n, d.etag ?? "")
    }

    /// Claims `node`'s name in its folder; a claim left by a crash or a move that did not finish
    /// is taken over.
    /// - Throws: `WireError(.conflict)` when another node has the name.
    func claim(_ node: ContextNode) async throws {
        let id = Self.claimId(node.owner, node.parent, node.name)
        let data: JSONValue = .object(["node": .string(node.id), "owner": .string(node.owner), "parent": .string(node.parent), "name": .string(node.name)])
        for _ in 0..<4 {
            do {
                _ = try await storage.call(Method.documentCreate, WriteRequest(container: Self.names, document: Document(id: id, data: data)), as: Document.self)
                return
            } catch let e as WireError where e.code == .conflict {
                guard let existing = try await readDocument(Self.names, id) else { continue }
                if existing.data["node"]?.stringValue == node.id { return }
                if try await child(owner: node.owner, parent: node.parent, name: node.name) != nil {
                    throw WireError(.conflict, "\(node.name) exists already in that folder of \(node.owner)'s tree")
                }
                do {
                    _ = try await storage.call(Method.documentReplace, WriteRequest(container: Self.names, document: Document(id: id, data: data),
                                                                                    ifMatch: existing.etag), as: Document.self)
                    return
                } catch let e as WireError where e.code == .preconditionFailed || e.code == .notFound { continue }
            }
        }
        throw WireError(.conflict, "\(node.name): the name is being claimed concurrently; try again")
    }

    /// Removes `node`'s name claim if it is still its own.
    func unclaim(_ node: ContextNode) async {
        let id = Self.claimId(node.owner, node.parent, node.name)
        guard let c = try? await readDocument(Self.names, id), c.data["node"]?.stringValue == node.id else { return }
        _ = try? await storage.call(Method.documentDelete, DocumentKey(container: Self.names, id: id, ifMatch: c.etag), as: DeleteResult.self)
    }

    static func claimId(_ owner: String, _ parent: String, _ name: String) -> String {
        let digest = SHA256.hash(data: Data("\(owner)\u{0}\(parent)\u{0}\(name)".utf8))
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    func storeVersion(_ node: ContextNode) async throws {
        let r = node.versionRecord
        _ = try await storage.call(Method.documentUpsert, WriteRequest(container: Self.versions, document: Document(id: r.id, data: Self.json(r))),
                                   as: Document.self)
    }

    /// Every node in storage with its ETag.
    func allNodes() async throws -> [(ContextNode, String)] {
        var out: [(ContextNode, String)] = []
        var continuation: String?
        repeat {
            let page: QueryResult
            do {
                page = try await storage.call(Method.documentQuery, QueryRequest(container: Self.nodes, maxItems: 1000, continuation: continuation),
                                              as: QueryResult.self)
            } catch let e as WireError where e.code == .notFound {
                return []
            }
            for d in page.documents { out.append((try Self.node(d), d.etag ?? "")) }
            continuation = page.continuation
        } while continuation != nil
        return out
    }

    func ensureContainers() async throws {
        for c in [Self.nodes, Self.versions, Self.names] {
            _ = try await storage.call(Method.containerCreate, ContainerRequest(container: c), as: ContainerResult.self)
        }
    }

    func readDocument(_ container: String, _ id: String) async throws -> Document? {
        do {
            return try await storage.call(Method.documentRead, DocumentKey(container: container, id: id), as: Document.self)
        } catch let e as WireError where e.code == .notFound {
            return nil
        }
    }

    func deleteQuietly(_ container: String, _ id: String) async {
        _ = try? await storage.call(Method.documentDelete, DocumentKey(container: container, id: id), as: DeleteResult.self)
    }

    // MARK: Access, views, events

    func check(_ caller: ContextCaller, _ access: ContextAccess, _ node: ContextNode) async throws {
        let chain = ContextPath.chain(node, in: await index.tree())
        guard ContextACL.allows(caller, access, chain: chain, rootOwner: node.owner) else {
            throw denied(caller, await path(node), node.owner, access)
        }
    }

    func denied(_ caller: ContextCaller, _ path: String, _ owner: String, _ access: ContextAccess = .write) -> WireError {
        WireError(.permissionDenied, "\(caller.principal) may not \(access.rawValue) \(path) in \(owner)'s context tree (no ACL entry grants it; see docs/context-hub.md#access)")
    }

    func stale(_ node: ContextNode, _ ifMatch: String) -> WireError {
        WireError(.preconditionFailed, "\(node.name) has changed: If-Match \(ifMatch) is not its current ETag (version \(node.version)); read it again")
    }

    func path(_ node: ContextNode) async -> String { ContextPath.of(node, in: await index.tree()) }

    func view(_ node: ContextNode, etag: String, withContent: Bool) async -> ContextDocument {
        node.view(path: await path(node), etag: etag, withContent: withContent)
    }

    /// Publishes `context.document.<kind>` (best effort: the change is already stored).
    func announce(_ kind: String, _ doc: ContextDocument) async {
        var data: [String: JSONValue] = ["id": .string(doc.id), "path": .string(doc.path), "owner": .string(doc.owner),
                                         "doc_type": .string(doc.docType.rawValue), "version": .int(doc.version), "author": .string(doc.author)]
        if let p = doc.parentFolderId { data["parent_folder_id"] = .string(p) }
        await publish([Event(type: "context.document.\(kind)", source: "context", data: .object(data))])
    }

    // MARK: Input checks as WireErrors

    static func node(_ d: Document) throws -> ContextNode { try Wire.decode(ContextNode.self, from: Wire.encode(d.data), what: "context node \(d.id)") }
    static func json<T: Encodable>(_ v: T) throws -> JSONValue { try Wire.decode(JSONValue.self, from: Wire.encode(v)) }

    static func checkOwner(_ o: String, field: String = "owner") throws {
        do { try ContextNames.checkOwner(o, field: field) } catch { throw WireError(.invalidArgument, error.description) }
    }
    static func checkName(_ n: String) throws {
        do { try ContextNames.checkName(n) } catch { throw WireError(.invalidArgument, error.description) }
    }
    static func checkContent(_ c: String) throws {
        do { try ContextNames.checkContent(c) } catch { throw WireError(.invalidArgument, error.description) }
    }
    static func split(_ p: String) throws -> [String] {
        do { return try ContextNames.split(path: p) } catch { throw WireError(.invalidArgument, error.description) }
    }
    static func checkACL(_ acl: [ContextACLEntry]) throws {
        if acl.count > 100 { throw WireError(.invalidArgument, "field \"acl\": \(acl.count) entries; at most 100 allowed") }
        for (i, e) in acl.enumerated() where e.principal != ContextACLEntry.everyone {
            try checkOwner(e.principal, field: "acl[\(i)].principal")
        }
    }
}
