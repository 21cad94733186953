import Crypto
import Foundation
public import LightningContext
public import LightningProtocol

/// The Context Hub (docs/context-hub.md): documents in a folder tree per owner, with access
/// lists, versions and full-text search, kept through the storage provider so they follow a
/// storage swap. The deciding logic is in `LightningContext` (names, access, diffs, retention);
/// this type does the I/O around it.
///
/// ```
///  REST /v1/context ─┐                       ┌─▶ storage: context_nodes   (current state, ETag)
///  CLI (over REST) ──┼─▶ ContextHub ─────────┼─▶ storage: context_versions (one record per version)
///  children context.*┘   (ACL, names, diff)  ├─▶ storage: context_names    (one claim per name in a folder)
///                                            ├─▶ ContextIndex (FTS5, the tree in memory)
///                                            └─▶ events context.document.*
/// ```
///
/// A write replaces the node with `If-Match` on its ETag (so concurrent writers get distinct
/// versions, or 412), then stores the version record; it answers only after both. A crash
/// between the two leaves a node whose current version has no record yet: it was never
/// acknowledged, and `versions` writes the record from the node when it finds it missing.
public final class ContextHub: Sendable {
    let storage: ProviderSlot
    public let index: ContextIndex
    /// Versions kept per document (0 = all).
    public let keepVersions: Int
    let publish: @Sendable ([Event]) async -> Void

    static let nodes = "context_nodes"
    static let versions = "context_versions"
    static let names = "context_names"

    public init(storage: ProviderSlot, index: ContextIndex, keepVersions: Int, publish: @escaping @Sendable ([Event]) async -> Void) {
        self.storage = storage; self.index = index; self.keepVersions = keepVersions; self.publish = publish
    }

    /// Where a request points: a node by id, or a path in an owner's tree (`/` is the root).
    public enum Ref: Sendable, Equatable {
        case id(String)
        case path(owner: String, path: String)
    }

    // MARK: Reading

    /// The document or folder `ref` (with content).
    /// - Throws: `WireError(.notFound)`, `.permissionDenied`, `.invalidArgument` for a bad path.
    public func read(_ caller: ContextCaller, _ ref: Ref) async throws -> ContextDocument {
        let (node, etag) = try await load(ref)
        try await check(caller, .read, node)
        return await view(node, etag: etag, withContent: true)
    }

    /// The children of the folder `ref` (the root of an owner when the path is `/`), without content.
    public func list(_ caller: ContextCaller, _ ref: Ref) async throws -> [ContextDocument] {
        try await ensureIndex()
        let parent: String, owner: String
        if case .path(let o, let p) = ref, try Self.split(p).isEmpty {
            try Self.checkOwner(o)
            parent = ""; owner = o  // Everyone may list a root: they see only what they may read.
        } else {
            let (node, _) = try await load(ref)
            guard node.isFolder else { throw WireError(.invalidArgument, "\(await path(node)) is a document, not a folder") }
            try await check(caller, .read, node)
            parent = node.id; owner = node.owner
        }
        let tree = await index.tree()
        var out: [ContextDocument] = []
        for (n, etag) in await index.children(of: parent, owner: owner)
        where ContextACL.allows(caller, .read, chain: ContextPath.chain(n, in: tree), rootOwner: n.owner) {
            out.append(n.view(path: ContextPath.of(n, in: tree), etag: etag, withContent: false))
        }
        return out
    }

    // MARK: Writing

    /// Creates or replaces the document at `path` in `owner`'s tree. Missing folders on the way
    /// are created (owned by `owner`). With `ifMatch` the document must exist with that ETag;
    /// `ifMatch == "*"` only requires it to exist; `ifNoneMatch` refuses an existing one.
    /// - Returns: the document and whether it was created.
    public func put(_ caller: ContextCaller, owner: String, path: String, content: String, docType: ContextDocType = .text,
                    acl: [ContextACLEntry]? = nil, ifMatch: String? = nil, ifNoneMatch: Bool = false) async throws -> (ContextDocument, Bool) {
        try Self.checkOwner(owner)
        let parts = try Self.split(path)
        guard let name = parts.last else { throw WireError(.invalidArgument, "field \"path\": names the root; a document needs a name (/folder/name)") }
        try Self.checkContent(content)
        if let acl { try Self.checkACL(acl) }
        if let existing = try await find(owner: owner, parts) {
            if ifNoneMatch { throw WireError(.preconditionFailed, "\(path) exists already (If-None-Match: *)") }
            if existing.0.isFolder && docType != .folder { throw WireError(.conflict, "\(path) is a folder; a document cannot replace it") }
            if docType == .folder { return (await view(existing.0, etag: existing.1, withContent: false), false) }
            let doc = try await update(caller, existing.0.id, ifMatch: ifMatch) { n in
                var n = n
                if let acl { n.acl = acl }
                return (n.written(content, by: caller.principal, at: .now()), true)
            }
            return (doc, false)
        }
        if let ifMatch, !ifMatch.isEmpty { throw WireError(.preconditionFailed, "\(path) does not exist in \(owner)'s tree (If-Match: \(ifMatch))") }
        // mkdir -p for the folders above.
        var parent = ""
        for (i, folder) in parts.dropLast().enumerated() {
            if let found = try await child(owner: owner, parent: parent, name: folder) {
                let f = found.0
                guard f.isFolder else { throw WireError(.conflict, "/\(parts[...i].joined(separator: "/")) is a document, not a folder") }
                parent = f.id
            } else {
                do {
                    parent = try await create(caller, owner: owner, parent: parent, name: folder, docType: .folder, content: "", acl: []).id
                } catch let e as WireError where e.code == .conflict {
                    // Another write created it meanwhile.
                    guard let again = try await child(owner: owner, parent: parent, name: folder), again.0.isFolder else { throw e }
                    parent = again.0.id
                }
            }
        }
        return (try await create(caller, owner: owner, parent: parent, name: name, docType: docType, content: content, acl: acl ?? []), true)
    }

    /// Creates `name` in folder `parent` ("" = the root of `owner`).
    /// - Throws: `WireError(.conflict)` when the name is taken; `.permissionDenied` without write
    ///   access to the folder (at the root: only its owner and admins).
    public func create(_ caller: ContextCaller, owner: String, parent: String, name: String, docType: ContextDocType,
                       content: String, acl: [ContextACLEntry]) async throws -> ContextDocument {
        try Self.checkOwner(owner)
        try Self.checkName(name)
        try Self.checkContent(content)
        try Self.checkACL(acl)
        if docType == .folder && !content.isEmpty { throw WireError(.invalidArgument, "field \"content\": a folder has no content") }
        try await ensureIndex()
        if parent.isEmpty {
            guard caller.isAdmin || caller.principal == owner else { throw denied(caller, "/", owner) }
        } else {
            let (p, _) = try await load(.id(parent))
            guard p.isFolder else { throw WireError(.invalidArgument, "field \"parent_folder_id\": \(await path(p)) is a document, not a folder") }
            guard p.owner == owner else { throw WireError(.invalidArgument, "field \"owner\": folder \(p.id) belongs to \(p.owner), not \(owner)") }
            try await check(caller, .write, p)
            let depth = ContextPath.chain(p, in: await index.tree()).count
            if depth >= ContextNames.maxDepth { throw WireError(.invalidArgument, "folder \(await path(p)) is \(depth) levels deep; at most \(ContextNames.maxDepth) allowed") }
        }
        try await ensureContainers()
        let now = Timestamp.now()
        let node = ContextNode(id: UUID().uuidString.lowercased(), name: name, docType: docType, parent: parent, owner: owner, acl: acl,
                               content: content, author: caller.principal, createdAt: now, updatedAt: now)
        try await claim(node)
        let stored: Document
        do {
            stored = try await storage.call(Method.documentCreate, WriteRequest(container: Self.nodes, document: Document(id: node.id, data: Self.json(node))),
                                            as: Document.self)
        } catch {
            await unclaim(node)
            throw error
        }
        try await storeVersion(node)
        let etag = stored.etag ?? ""
        try await index.upsert(node, etag: etag)
        let doc = await view(node, etag: etag, withContent: true)
        await announce("created", doc)
        return doc
    }

    /// Replaces the content of document `id` (a new version).
    public func write(_ caller: ContextCaller, _ id: String, content: String, ifMatch: String?) async throws -> ContextDocument {
        try Self.checkContent(content)
        return try await update(caller, id, ifMatch: ifMatch) { n in
            guard !n.isFolder else { throw WireError(.invalidArgument, "\(n.name) is a folder; it has no content") }
            return (n.written(content, by: caller.principal, at: .now()), true)
        }
    }

    /// Applies the unified diff `patch` to document `id` (a new version).
    /// - Throws: `WireError(.conflict)` naming the hunk whose context is not in the document (nothing changes).
    public func patch(_ caller: ContextCaller, _ id: String, diff: String, ifMatch: String?) async throws -> ContextDocument {
        try await update(caller, id, ifMatch: ifMatch) { n in
            guard !n.isFolder else { throw WireError(.invalidArgument, "\(n.name) is a folder; it has no content") }
            let patched: String
            do { patched = try UnifiedDiff.apply(diff, to: n.content) } catch let e as DiffConflict {
                throw WireError(.conflict, "\(n.name) version \(n.version): \(e.description); read the document again and make a new diff")
            } catch let e as DiffSyntaxError {
                throw WireError(.invalidArgument, "field \"patch\": \(e.description)")
            }
            try Self.checkContent(patched)
            return (n.written(patched, by: caller.principal, at: .now()), true)
        }
    }

    /// Makes a new version with the content of version `version`.
    public func restore(_ caller: ContextCaller, _ id: String, version: Int, ifMatch: String?) async throws -> ContextDocument {
        let old = try await versionRecord(caller, id, version)
        return try await update(caller, id, ifMatch: ifMatch) { n in
            (n.written(old.content, by: caller.principal, at: .now(), restoredFrom: version), true)
        }
    }

    /// Replaces the access list of `id` (not a new version: the content is unchanged).
    public func setACL(_ caller: ContextCaller, _ id: String, acl: [ContextACLEntry], ifMatch: String?) async throws -> ContextDocument {
        try Self.checkACL(acl)
        return try await update(caller, id, ifMatch: ifMatch) { n in
            var n = n
            n.acl = acl
            n.updatedAt = .now()
            return (n, false)
        }
    }

    /// Renames and/or moves `id` into folder `parent` ("" = the owner's root) within its owner's tree.
    /// - Throws: `.conflict` when the new name is taken; `.invalidArgument` for a folder moved into itself.
    public func move(_ caller: ContextCaller, _ id: String, parent newParent: String?, name newName: String?, ifMatch: String?) async throws -> ContextDocument {
        try await ensureIndex()
        let (node, etag) = try await load(.id(id))
        try await check(caller, .write, node)
        if let ifMatch, ifMatch != etag, ifMatch != "*" { throw stale(node, ifMatch) }
        var moved = node
        if let newName { try Self.checkName(newName); moved.name = newName }
        if let newParent {
            moved.parent = newParent
            if newParent.isEmpty {
                guard caller.isAdmin || caller.principal == node.owner else { throw denied(caller, "/", node.owner) }
            } else {
                let (p, _) = try await load(.id(newParent))
                guard p.isFolder else { throw WireError(.invalidArgument, "field \"parent_folder_id\": \(await path(p)) is a document, not a folder") }
                guard p.owner == node.owner else { throw WireError(.invalidArgument, "field \"parent_folder_id\": folder \(p.id) is in \(p.owner)'s tree; documents move only within their owner's tree") }
                if ContextPath.isWithin(p, folder: node.id, in: await index.tree()) {
                    throw WireError(.invalidArgument, "field \"parent_folder_id\": cannot move \(await path(node)) into itself or below itself")
                }
                try await check(caller, .write, p)
            }
        }
        if moved.name == node.name && moved.parent == node.parent { return await view(node, etag: etag, withContent: true) }
        moved.updatedAt = .now()
        try await claim(moved)
        let stored: Document
        do {
            stored = try await storage.call(Method.documentReplace, WriteRequest(container: Self.nodes, document: Document(id: id, data: Self.json(moved)),
                                                                                 ifMatch: etag), as: Document.self)
        } catch let e as WireError where e.code == .preconditionFailed {
            await unclaim(moved)
            throw WireError(.preconditionFailed, "\(node.name) changed while it was being moved; try again")
        }
        await unclaim(node)
        try await index.upsert(moved, etag: stored.etag ?? "")
        let doc = await view(moved, etag: stored.etag ?? "", withContent: true)
        await announce("moved", doc)
        return doc
    }

    /// Deletes `id` with its versions. A folder that is not empty is refused unless `recursive`
    /// (then everything below it goes too, deepest first).
    public func delete(_ caller: ContextCaller, _ id: String, recursive: Bool, ifMatch: String?) async throws -> Int {
        try await ensureIndex()
        let (node, etag) = try await load(.id(id))
        try await check(caller, .write, node)
        if let ifMatch, ifMatch != etag, ifMatch != "*" { throw stale(node, ifMatch) }
        let kids = await index.children(of: node.id, owner: node.owner)
        if !kids.isEmpty && !recursive {
            throw WireError(.conflict, "folder \(await path(node)) is not empty (\(kids.count) entries); delete them first or ask for a recursive delete (?recursive=true, `lightning context rm -r`)")
        }
        var count = 0
        for (k, _) in kids { count += try await delete(caller, k.id, recursive: true, ifMatch: nil) }
        let doc = await view(node, etag: etag, withContent: false)
        do {
            _ = try await storage.call(Method.documentDelete, DocumentKey(container: Self.nodes, id: id, ifMatch: ifMatch == "*" ? nil : ifMatch),
                                       as: DeleteResult.self)
        } catch let e as WireError where e.code == .notFound {}
        await unclaim(node)
        for v in node.firstVersion...max(node.firstVersion, node.version) { await deleteQuietly(Self.versions, ContextVersionRecord.id(id, v)) }
        try await index.remove(id)
        await announce("deleted", doc)
        return count + 1
    }

    // MARK: Versions

    /// Every kept version of `id`, oldest first.
    public func versions(_ caller: ContextCaller, _ id: String) async throws -> [ContextVersionInfo] {
        let (node, _) = try await load(.id(id))
        try await check(caller, .read, node)
        let records = try await storage.allDocuments(in: Self.versions, where: ["document": .string(id)], as: ContextVersionRecord.self)
        var byVersion = Dictionary(records.map { ($0.version, $0) }, uniquingKeysWith: { a, _ in a })
        if byVersion[node.version] == nil {
            // A crash between the node's replace and its version record: write the record now.
            try await storeVersion(node)
            byVersion[node.version] = node.versionRecord
        }
        return byVersion.values.filter { $0.version >= node.firstVersion }.sorted { $0.version < $1.version }.map { $0.info(withContent: false) }
    }

    /// Version `version` of `id` with its content.
    public func version(_ caller: ContextCaller, _ id: String, _ version: Int) async throws -> ContextVersionInfo {
        try await versionRecord(caller, id, version).info(withContent: true)
    }

    /// The unified diff from version `from` to version `to` of `id`.
    public func diff(_ caller: ContextCaller, _ id: String, from: Int, to: Int) async throws -> String {
        let a = try await versionRecord(caller, id, from), b = try await versionRecord(caller, id, to)
        return UnifiedDiff.make(from: a.content, to: b.content, oldLabel: "\(a.name)@v\(from)", newLabel: "\(b.name)@v\(to)")
    }

    func versionRecord(_ caller: ContextCaller, _ id: String, _ version: Int) async throws -> ContextVersionRecord {
        let (node, _) = try await load(.id(id))
        try await check(caller, .read, node)
        if version == node.version { return node.versionRecord }
        guard version >= node.firstVersion, version < node.version else {
            throw WireError(.notFound, "\(node.name) has no version \(version) (kept: \(node.firstVersion)–\(node.version))")
        }
        guard let d = try await readDocument(Self.versions, ContextVersionRecord.id(id, version)) else {
            throw WireError(.notFound, "\(node.name) has no version \(version)")
        }
        return try Wire.decode(ContextVersionRecord.self, from: Wire.encode(d.data), what: "context version \(d.id)")
    }

    // MARK: Search

    /// Full-text search over what `caller` may read, best first (bm25), with snippets.
    public func search(_ caller: ContextCaller, q: String, limit: Int = 20, offset: Int = 0, folder: String? = nil) async throws -> ContextSearchResult {
        guard (1...1000).contains(limit) else { throw WireError(.invalidArgument, "field \"limit\": expected 1–1000, got \(limit)") }
        guard offset >= 0 else { throw WireError(.invalidArgument, "field \"offset\": expected 0 or more, got \(offset)") }
        let match: String
        do { match = try ContextSearchQuery.fts(q) } catch { throw WireError(.invalidArgument, error.description) }
        try await ensureIndex()
        if let folder {
            let (f, _) = try await load(.id(folder))
            guard f.isFolder else { throw WireError(.invalidArgument, "field \"folder\": \(f.name) is a document, not a folder") }
            try await check(caller, .read, f)
        }
        let (total, hits) = try await index.search(match: match, caller: caller, folder: folder, limit: limit, offset: offset)
        return ContextSearchResult(query: q, total: total, offset: offset, limit: limit,
                                   hits: hits.map { ContextSearchHit(document: $0.node.view(path: $0.path, etag: $0.etag, withContent: false),
                                                                     score: $0.score, snippet: $0.snippet) })
    }

    /// Rebuilds the index from storage; returns the number of nodes indexed.
    @discardableResult
    public func reindex() async throws -> Int {
        let generation = storage.current?.generation
        await index.beginRebuild()
        do {
            let docs = try await allNodes()
            try await index.finishRebuild(docs, generation: generation)
            return docs.count
        } catch {
            await index.abandonRebuild()
            throw error
        }
    }

    /// Rebuilds the index when the storage binding changed since it was built (start, swap).
    func ensureIndex() async throws {
        guard let g = storage.current?.generation else { return }
        if await index.builtFrom != g { try await reindex() }
    }
}
