import LightningProtocol
import StorageSupport
import SQLiteSupport

/// `storage.query`: type-correct equality on paths of `data`, ordered by (partition_key, id),
/// paged by keyset (never OFFSET): a page reads `max_items + 1` rows after the token's key, and
/// the extra row, when present, only says that a next page exists.
extension SQLiteStorage {
    func query(_ q: QueryRequest) async throws -> QueryResult {
        let limit = try QueryLimits.pageSize(of: q)
        let compiled = try QueryCompiler(where: q.where)
        let fingerprint = try ContinuationToken.fingerprint(container: q.container, partitionKey: q.partitionKey, where: q.where)
        let after = try q.continuation.map { try ContinuationToken(decoding: $0, expecting: fingerprint) }

        var conditions = ["container = ?"]
        var params: [SQLiteValue] = [.text(q.container)]
        if let pk = q.partitionKey {
            conditions.append("partition_key = ?")
            params.append(.text(pk))
        }
        if let after {
            conditions.append("(partition_key, id) > (?, ?)")
            params += [.text(after.pk), .text(after.id)]
        }
        conditions += compiled.conditions
        params += compiled.parameters
        params.append(.int(Int64(limit + 1)))
        let sql = "SELECT \(StorageSchema.documentColumns) FROM documents WHERE "
            + conditions.joined(separator: " AND ") + " ORDER BY partition_key, id LIMIT ?"
        let (container, bound) = (q.container, params)

        var documents = try await database.run { db in
            try StorageSchema.requireContainer(db, container)
            return try db.all(sql, bound) { try StorageSchema.document(from: $0) }
        }
        guard documents.count > limit else { return QueryResult(documents: documents, continuation: nil) }
        documents.removeLast(documents.count - limit)
        let last = documents[documents.count - 1]
        let token = try ContinuationToken(fingerprint: fingerprint, partitionKey: last.partitionKey, id: last.id).encoded()
        return QueryResult(documents: documents, continuation: token)
    }
}
