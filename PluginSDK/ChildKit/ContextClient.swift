public import LightningProtocol

/// The host's Context Hub, seen from a child (docs/context-hub.md, docs/protocol.md#context-hub):
/// documents in folder trees with versions and full-text search. The child acts as itself: its
/// principal is its manifest id, paths are in its own tree unless `owner` names another, and
/// the documents' access lists decide what it may read and write.
///
/// Errors: `WireError` with `.notFound`, `.permissionDenied` (no ACL entry grants it),
/// `.preconditionFailed` (`ifMatch` mismatch), `.conflict`, `.invalidArgument` (a bad path or name).
///
/// Threading: any task; calls may run concurrently.
public struct ContextClient: Sendable {
    let connection: Connection

    /// Creates or replaces the text document at `path` (a new version); missing folders are created.
    @discardableResult
    public func write(_ path: String, content: String, owner: String? = nil, ifMatch: String? = nil,
                      acl: [ContextACLEntry]? = nil) async throws -> ContextDocument {
        try await call(Method.contextWrite, ContextWriteRequest(path: path, content: content, owner: owner, ifMatch: ifMatch, acl: acl))
    }

    /// The document at `path` (in `owner`'s tree; default: the child's own), or one of its versions.
    public func read(_ path: String, owner: String? = nil, version: Int? = nil) async throws -> ContextDocument {
        try await call(Method.contextRead, ContextReadRequest(path: path, owner: owner, version: version))
    }

    /// The document with id `id`.
    public func read(id: String, version: Int? = nil) async throws -> ContextDocument {
        try await call(Method.contextRead, ContextReadRequest(id: id, version: version))
    }

    /// Full-text search over every document the child may read, best first.
    public func search(_ q: String, limit: Int? = nil, offset: Int? = nil, folderId: String? = nil) async throws -> ContextSearchResult {
        try await call(Method.contextSearch, ContextSearchRequest(q: q, limit: limit, offset: offset, folderId: folderId))
    }

    /// The entries of a folder the child may read (`/`: the root of the tree).
    public func list(_ path: String = "/", owner: String? = nil) async throws -> [ContextDocument] {
        let r: ContextListResult = try await call(Method.contextList, ContextListRequest(path: path, owner: owner))
        return r.documents
    }

    private func call<P: Encodable, R: Decodable>(_ method: String, _ params: P) async throws -> R {
        let result = try await connection.call(method, params: JSONValue(wire: params))
        return try result.decode(R.self, what: "result of \(method)")
    }
}
