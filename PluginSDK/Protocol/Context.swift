/// The Context Hub's wire types (docs/context-hub.md): documents in a folder tree per owner,
/// their versions, access lists and search results, as the REST API and the host methods
/// `context.*` of the child protocol carry them.

/// Read or write access; `write` includes `read`.
public enum ContextAccess: String, Codable, Sendable, CaseIterable, Comparable {
    case read, write
    public static func < (a: Self, b: Self) -> Bool { a == .read && b == .write }
}

/// One entry of an access list: `{"principal": "agent-a", "access": "read"}`. The principal
/// `*` is everyone.
public struct ContextACLEntry: Codable, Sendable, Hashable {
    public var principal: String
    public var access: ContextAccess
    public init(principal: String, access: ContextAccess) { self.principal = principal; self.access = access }
    public static let everyone = "*"
}

/// What a node of the tree is.
public enum ContextDocType: String, Codable, Sendable, CaseIterable {
    case folder, text
    case indexGuide = "index_guide"
}

/// A document or folder as clients see it.
public struct ContextDocument: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    /// The path inside the owner's tree, `/a/b/name`.
    public var path: String
    public var docType: ContextDocType
    public var parentFolderId: String?
    public var owner: String
    public var acl: [ContextACLEntry]
    /// Absent for folders and in listings.
    public var content: String?
    public var size: Int
    public var version: Int
    public var author: String
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    public var etag: String

    public init(id: String, name: String, path: String, docType: ContextDocType, parentFolderId: String?, owner: String,
                acl: [ContextACLEntry], content: String?, size: Int, version: Int, author: String,
                createdAt: Timestamp, updatedAt: Timestamp, etag: String) {
        self.id = id; self.name = name; self.path = path; self.docType = docType; self.parentFolderId = parentFolderId
        self.owner = owner; self.acl = acl; self.content = content; self.size = size; self.version = version
        self.author = author; self.createdAt = createdAt; self.updatedAt = updatedAt; self.etag = etag
    }

    enum CodingKeys: String, CodingKey {
        case id, name, path, owner, acl, content, size, version, author, etag
        case docType = "doc_type", parentFolderId = "parent_folder_id", createdAt = "created_at", updatedAt = "updated_at"
    }
}

/// One version of a document: who wrote it, when, and how large it is.
public struct ContextVersionInfo: Codable, Sendable, Equatable {
    public var version: Int
    public var author: String
    public var at: Timestamp
    public var size: Int
    /// Set when the version restored an earlier one.
    public var restoredFrom: Int?
    /// Present when one version is read.
    public var content: String?
    public var name: String?

    public init(version: Int, author: String, at: Timestamp, size: Int, restoredFrom: Int? = nil, content: String? = nil, name: String? = nil) {
        self.version = version; self.author = author; self.at = at; self.size = size
        self.restoredFrom = restoredFrom; self.content = content; self.name = name
    }
    enum CodingKeys: String, CodingKey { case version, author, at, size, content, name, restoredFrom = "restored_from" }
}

/// One search hit: the document (without content), its score (bm25, lower is better as SQLite
/// reports it; hits come best first) and a snippet with the matched terms in `[` `]`.
public struct ContextSearchHit: Codable, Sendable, Equatable {
    public var document: ContextDocument
    public var score: Double
    public var snippet: String
    public init(document: ContextDocument, score: Double, snippet: String) { self.document = document; self.score = score; self.snippet = snippet }
}

/// A page of search hits; `total` counts every readable hit, not just this page.
public struct ContextSearchResult: Codable, Sendable, Equatable {
    public var query: String
    public var total: Int
    public var offset: Int
    public var limit: Int
    public var hits: [ContextSearchHit]
    public init(query: String, total: Int, offset: Int, limit: Int, hits: [ContextSearchHit]) {
        self.query = query; self.total = total; self.offset = offset; self.limit = limit; self.hits = hits
    }
}

// MARK: Host methods (docs/protocol.md#context-hub)

/// `context.read` params: a document by `id`, or by `path` in `owner`'s tree (default: the
/// caller's own tree); `version` for an older version.
public struct ContextReadRequest: Codable, Sendable {
    public var id: String?
    public var path: String?
    public var owner: String?
    public var version: Int?
    public init(id: String? = nil, path: String? = nil, owner: String? = nil, version: Int? = nil) {
        self.id = id; self.path = path; self.owner = owner; self.version = version
    }
}

/// `context.write` params: create or replace the text document at `path` in `owner`'s tree
/// (default: the caller's), creating missing folders; `if_match` makes the write conditional.
public struct ContextWriteRequest: Codable, Sendable {
    public var path: String
    public var content: String
    public var owner: String?
    public var docType: ContextDocType?
    public var ifMatch: String?
    public var acl: [ContextACLEntry]?
    public init(path: String, content: String, owner: String? = nil, docType: ContextDocType? = nil, ifMatch: String? = nil, acl: [ContextACLEntry]? = nil) {
        self.path = path; self.content = content; self.owner = owner; self.docType = docType; self.ifMatch = ifMatch; self.acl = acl
    }
    enum CodingKeys: String, CodingKey { case path, content, owner, acl, docType = "doc_type", ifMatch = "if_match" }
}

/// `context.search` params.
public struct ContextSearchRequest: Codable, Sendable {
    public var q: String
    public var limit: Int?
    public var offset: Int?
    /// Only documents under this folder (by id).
    public var folderId: String?
    public init(q: String, limit: Int? = nil, offset: Int? = nil, folderId: String? = nil) {
        self.q = q; self.limit = limit; self.offset = offset; self.folderId = folderId
    }
    enum CodingKeys: String, CodingKey { case q, limit, offset, folderId = "folder_id" }
}

/// `context.list` params: the children of a folder (`id`, or `path` in `owner`'s tree).
public struct ContextListRequest: Codable, Sendable {
    public var id: String?
    public var path: String?
    public var owner: String?
    public init(id: String? = nil, path: String? = nil, owner: String? = nil) { self.id = id; self.path = path; self.owner = owner }
}

/// `context.list` result.
public struct ContextListResult: Codable, Sendable, Equatable {
    public var documents: [ContextDocument]
    public init(documents: [ContextDocument]) { self.documents = documents }
}

extension Method {
    public static let contextRead = "context.read"
    public static let contextWrite = "context.write"
    public static let contextSearch = "context.search"
    public static let contextList = "context.list"
    public static let contextDelete = "context.delete"
}
