public import LightningProtocol

/// A document or folder as the Context Hub stores it (container `context_nodes`, document id =
/// node id). The storage provider's ETag of this record is the document's ETag.
///
/// `content` is the latest version's text (empty for folders), so the current state is one read
/// and a version whose record was not written yet (a crash between the two writes) can be
/// written again from it (`ContextNode.versionRecord`).
public struct ContextNode: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var docType: ContextDocType
    /// The parent folder's id; "" at an owner's root.
    public var parent: String
    public var owner: String
    public var acl: [ContextACLEntry]
    public var content: String
    public var version: Int
    /// The oldest version still kept (retention removes older ones).
    public var firstVersion: Int
    public var author: String
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    public var restoredFrom: Int?

    public init(id: String, name: String, docType: ContextDocType, parent: String, owner: String, acl: [ContextACLEntry] = [],
                content: String = "", version: Int = 1, firstVersion: Int = 1, author: String, createdAt: Timestamp, updatedAt: Timestamp,
                restoredFrom: Int? = nil) {
        self.id = id; self.name = name; self.docType = docType; self.parent = parent; self.owner = owner; self.acl = acl
        self.content = content; self.version = version; self.firstVersion = firstVersion; self.author = author
        self.createdAt = createdAt; self.updatedAt = updatedAt; self.restoredFrom = restoredFrom
    }

    enum CodingKeys: String, CodingKey {
        case id, name, parent, owner, acl, content, version, author
        case docType = "doc_type", firstVersion = "first_version", createdAt = "created_at", updatedAt = "updated_at", restoredFrom = "restored_from"
    }

    public var size: Int { content.utf8.count }
    public var isFolder: Bool { docType == .folder }

    /// The record of the current version (container `context_versions`).
    public var versionRecord: ContextVersionRecord {
        ContextVersionRecord(document: id, version: version, author: author, at: updatedAt, size: size, content: content, name: name,
                             restoredFrom: restoredFrom)
    }

    /// The client's view; `path` is computed by the caller, `etag` is the storage record's.
    public func view(path: String, etag: String, withContent: Bool) -> ContextDocument {
        ContextDocument(id: id, name: name, path: path, docType: docType, parentFolderId: parent.isEmpty ? nil : parent, owner: owner,
                        acl: acl, content: withContent && !isFolder ? content : nil, size: size, version: version, author: author,
                        createdAt: createdAt, updatedAt: updatedAt, etag: etag)
    }

    /// The access rule's view of this node.
    public var aclNode: ContextACLNode { ContextACLNode(owner: owner, acl: acl) }

    /// This node after a write of `content` by `author`: the next version.
    public func written(_ content: String, by author: String, at: Timestamp, restoredFrom: Int? = nil) -> ContextNode {
        var n = self
        n.content = content
        n.version = version + 1
        n.author = author
        n.updatedAt = at
        n.restoredFrom = restoredFrom
        return n
    }
}

/// One version as stored (container `context_versions`, document id `<node id>.v<version>`).
public struct ContextVersionRecord: Codable, Sendable, Equatable {
    public var document: String
    public var version: Int
    public var author: String
    public var at: Timestamp
    public var size: Int
    public var content: String
    public var name: String
    public var restoredFrom: Int?

    public init(document: String, version: Int, author: String, at: Timestamp, size: Int, content: String, name: String, restoredFrom: Int? = nil) {
        self.document = document; self.version = version; self.author = author; self.at = at; self.size = size
        self.content = content; self.name = name; self.restoredFrom = restoredFrom
    }
    enum CodingKeys: String, CodingKey { case document, version, author, at, size, content, name, restoredFrom = "restored_from" }

    public static func id(_ document: String, _ version: Int) -> String { "\(document).v\(version)" }
    public var id: String { Self.id(document, version) }

    public func info(withContent: Bool) -> ContextVersionInfo {
        ContextVersionInfo(version: version, author: author, at: at, size: size, restoredFrom: restoredFrom,
                           content: withContent ? content : nil, name: withContent ? name : nil)
    }
}

/// How many versions to keep (docs/context-hub.md#versions).
public enum ContextRetention {
    /// The versions to delete once `node` (already at its new version) is stored, keeping the
    /// newest `keep` (0 keeps all); and the node's new `firstVersion`.
    public static func prune(_ node: ContextNode, keep: Int) -> (delete: [Int], firstVersion: Int) {
        guard keep > 0 else { return ([], node.firstVersion) }
        let first = max(node.firstVersion, node.version - keep + 1)
        return (Array(node.firstVersion..<first), first)
    }
}

/// Paths in an owner's tree.
public enum ContextPath {
    /// `/a/b/name` for `node`, following `parent` through `nodes` (by id). A missing ancestor
    /// (deleted meanwhile) shows as `?`.
    public static func of(_ node: ContextNode, in nodes: [String: ContextNode]) -> String {
        var names = [node.name]
        var p = node.parent
        var seen: Set<String> = [node.id]
        while !p.isEmpty, !seen.contains(p) {
            seen.insert(p)
            guard let n = nodes[p] else { names.append("?"); break }
            names.append(n.name)
            p = n.parent
        }
        return "/" + names.reversed().joined(separator: "/")
    }

    /// The chain for the access rule: `node` first, then each folder above it.
    public static func chain(_ node: ContextNode, in nodes: [String: ContextNode]) -> [ContextACLNode] {
        var out = [node.aclNode]
        var p = node.parent
        var seen: Set<String> = [node.id]
        while !p.isEmpty, !seen.contains(p), let n = nodes[p] {
            seen.insert(p)
            out.append(n.aclNode)
            p = n.parent
        }
        return out
    }

    /// True when `node` is `folder` or lies below it.
    public static func isWithin(_ node: ContextNode, folder: String, in nodes: [String: ContextNode]) -> Bool {
        var p: String? = node.id
        var seen: Set<String> = []
        while let id = p, !id.isEmpty, !seen.contains(id) {
            if id == folder { return true }
            seen.insert(id)
            p = nodes[id]?.parent
        }
        return false
    }
}

/// The query language of search: words, all of which must appear (in any order); `word*` for a
/// prefix; `"a phrase"` for words in a row. Everything else is taken literally, so no input is a
/// syntax error of FTS5.
public enum ContextSearchQuery {
    /// The FTS5 MATCH expression for `q`.
    /// - Throws: `ContextInputError` for a query with no word.
    public static func fts(_ q: String) throws(ContextInputError) -> String {
        var terms: [String] = []
        // Control characters (a NUL would end FTS5's reading of a quoted term) count as spaces.
        var rest = Substring(String(String.UnicodeScalarView(q.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? " " : $0 })))
        while let c = rest.first {
            if c.isWhitespace { rest = rest.dropFirst(); continue }
            if c == "\"", let end = rest.dropFirst().firstIndex(of: "\"") {
                let phrase = rest[rest.index(after: rest.startIndex)..<end]
                if phrase.contains(where: { !$0.isWhitespace }) { terms.append(quote(phrase)) }
                rest = rest[rest.index(after: end)...]
                continue
            }
            let word = rest.prefix { !$0.isWhitespace }
            rest = rest.dropFirst(word.count)
            var w = word.filter { $0 != "\"" }
            var prefix = false
            while w.hasSuffix("*") { w.removeLast(); prefix = true }
            if w.isEmpty { continue }
            terms.append(quote(Substring(w)) + (prefix ? "*" : ""))
        }
        if terms.isEmpty { throw ContextInputError("q", "needs at least one word", value: q) }
        if q.utf8.count > 1000 { throw ContextInputError("q", "is \(q.utf8.count) bytes; at most 1000 allowed") }
        return terms.joined(separator: " ")
    }

    private static func quote(_ s: Substring) -> String { "\"" + s.replacingQuotes + "\"" }
}

extension Substring {
    fileprivate var replacingQuotes: String { var s = ""; for c in self { if c == "\"" { s += "\"\"" } else { s.append(c) } }; return s }
}
