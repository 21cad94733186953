import Foundation
public import LightningContext
import LightningProtocol

/// The Context Hub's search index: SQLite FTS5 in `<data_dir>/context-index.sqlite`, plus every
/// node's metadata in memory (the tree: paths, access chains, folder scopes).
///
/// ```
///  ContextHub write ──▶ storage (the truth) ──▶ index.upsert / remove
///  start, storage swap, `lightning context reindex` ──▶ beginRebuild ─ read all nodes ─▶ finishRebuild
/// ```
///
/// The index is derived data: it is rebuilt from storage at every start and whenever the storage
/// binding changes (a swap), so it never needs to survive a crash. Changes made while a rebuild
/// reads storage are recorded and applied on top of what it read, so none is lost.
///
/// Threading: an actor; its SQLite connection is used only from it. Statements run on the
/// caller's cooperative thread and are short (one row, or one FTS5 query).
public actor ContextIndex {
    struct Entry { var node: ContextNode; var etag: String; var rowid: Int64 }

    private let path: String
    private var opened: ContextIndexDB?
    private var entries: [String: Entry] = [:]
    /// The same nodes, for the tree walks (paths, access chains, scopes).
    private var nodes: [String: ContextNode] = [:]
    private var ids: [Int64: String] = [:]
    private var nextRowid: Int64 = 1
    /// The storage binding generation the index was built from (nil: never built).
    public private(set) var builtFrom: UInt64?
    /// Rebuilds under way (a request's and the indexer's may overlap) and the changes made
    /// since the first of them began, in order; kept until the last one finishes.
    private var activeRebuilds = 0
    private var changesDuringRebuild: [(String, (ContextNode, String)?)] = []
    /// Ids deleted since the last rebuild (ids are never reused): a late upsert of one is dropped.
    private var deleted: Set<String> = []

    /// The index at `path` (a file, or `:memory:`), opened at first use and emptied then: it is
    /// rebuilt from storage.
    public init(path: String) { self.path = path }

    private var db: ContextIndexDB {
        get throws {
            if let opened { return opened }
            if path != ":memory:" {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            }
            let fresh = try ContextIndexDB(path: path)
            try fresh.execute("CREATE VIRTUAL TABLE fts USING fts5(name, content, tokenize = 'unicode61 remove_diacritics 2')")
            opened = fresh
            return fresh
        }
    }

    /// Number of nodes known (folders included).
    public var count: Int { entries.count }

    /// A node and its storage ETag, as last written through the hub.
    func entry(_ id: String) -> (ContextNode, String)? { entries[id].map { ($0.node, $0.etag) } }

    /// Every node by id (content not kept here).
    func tree() -> [String: ContextNode] { nodes }

    /// The children of folder `parent` ("" = the root of `owner`).
    func children(of parent: String, owner: String) -> [(ContextNode, String)] {
        entries.values.filter { $0.node.parent == parent && (!parent.isEmpty || $0.node.owner == owner) }
            .map { ($0.node, $0.etag) }.sorted { $0.0.name < $1.0.name }
    }

    /// Adds or replaces `node` (its content is indexed, then dropped from memory).
    public func upsert(_ node: ContextNode, etag: String) throws {
        if activeRebuilds > 0 { changesDuringRebuild.append((node.id, (node, etag))) }
        try apply(node, etag: etag)
    }

    public func remove(_ id: String) throws {
        if activeRebuilds > 0 { changesDuringRebuild.append((id, nil)) }
        deleted.insert(id)
        try drop(id)
    }

    /// Two writes of one document may reach the index in the other order than they reached
    /// storage: an older state (lower version; same version and earlier `updated_at`) is ignored,
    /// as is any state of a deleted document.
    private func apply(_ node: ContextNode, etag: String) throws {
        if deleted.contains(node.id) { return }
        if let old = nodes[node.id], old.version > node.version || (old.version == node.version && old.updatedAt.millis > node.updatedAt.millis) {
            return
        }
        var slim = node
        slim.content = ""
        nodes[node.id] = slim
        if let e = entries[node.id] {
            entries[node.id] = Entry(node: slim, etag: etag, rowid: e.rowid)
            if !node.isFolder {
                try self.db.query("UPDATE fts SET name = ?, content = ? WHERE rowid = ?", [.text(node.name), .text(node.content), .int(e.rowid)])
            }
            return
        }
        let rowid = nextRowid
        nextRowid += 1
        entries[node.id] = Entry(node: slim, etag: etag, rowid: rowid)
        ids[rowid] = node.id
        if !node.isFolder {
            try self.db.query("INSERT INTO fts(rowid, name, content) VALUES (?, ?, ?)", [.int(rowid), .text(node.name), .text(node.content)])
        }
    }

    private func drop(_ id: String) throws {
        guard let e = entries.removeValue(forKey: id) else { return }
        nodes[id] = nil
        ids[e.rowid] = nil
        try self.db.query("DELETE FROM fts WHERE rowid = ?", [.int(e.rowid)])
    }

    /// Starts recording changes; the caller then reads every node from storage.
    func beginRebuild() { activeRebuilds += 1 }

    /// Replaces the index with `all` (read from storage generation `generation`), then applies
    /// the changes recorded since `beginRebuild`.
    func finishRebuild(_ all: [(ContextNode, String)], generation: UInt64?) throws {
        let changes = changesDuringRebuild
        activeRebuilds -= 1
        if activeRebuilds == 0 { changesDuringRebuild = [] }
        try self.db.execute("BEGIN")
        do {
            try self.db.execute("DELETE FROM fts")
            entries = [:]; nodes = [:]; ids = [:]; nextRowid = 1; deleted = []
            for (n, etag) in all { try apply(n, etag: etag) }
            for (id, change) in changes {
                if let c = change { try apply(c.0, etag: c.1) } else { deleted.insert(id); try drop(id) }
            }
            try self.db.execute("COMMIT")
        } catch {
            try? self.db.execute("ROLLBACK")
            throw error
        }
        builtFrom = generation
    }

    /// Abandons a rebuild that failed to read storage.
    func abandonRebuild() {
        activeRebuilds -= 1
        if activeRebuilds == 0 { changesDuringRebuild = [] }
    }

    struct Hit { var node: ContextNode; var etag: String; var path: String; var score: Double; var snippet: String }

    /// Hits for the FTS5 expression `match`, best first, only those `caller` may read and (with
    /// `folder`) those under that folder; `total` counts them all.
    func search(match: String, caller: ContextCaller, folder: String?, limit: Int, offset: Int) throws -> (total: Int, hits: [Hit]) {
        let tree = nodes
        var total = 0
        var page: [(Entry, Double)] = []
        try self.db.query("SELECT rowid, bm25(fts, 5.0, 1.0) AS s FROM fts WHERE fts MATCH ? ORDER BY s", [.text(match)]) { row in
            guard let id = ids[row.int(0)], let e = entries[id] else { return }
            if let folder, !ContextPath.isWithin(e.node, folder: folder, in: tree) { return }
            guard ContextACL.allows(caller, .read, chain: ContextPath.chain(e.node, in: tree), rootOwner: e.node.owner) else { return }
            if total >= offset && page.count < limit { page.append((e, row.double(1))) }
            total += 1
        }
        var hits: [Hit] = []
        for (e, score) in page {
            var snippet = ""
            try self.db.query("SELECT snippet(fts, -1, '[', ']', '…', 16) FROM fts WHERE fts MATCH ? AND rowid = ?", [.text(match), .int(e.rowid)]) {
                snippet = $0.text(0)
            }
            hits.append(Hit(node: e.node, etag: e.etag, path: ContextPath.of(e.node, in: tree), score: score, snippet: snippet))
        }
        return (total, hits)
    }
}
