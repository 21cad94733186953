import LightningProtocol
import PostgresNIO
import StorageSupport

/// `storage.query`: type-correct equality on paths of `data`, ordered by (partition_key, id) in
/// byte order, paged by keyset (never OFFSET): a page reads `max_items + 1` rows after the
/// token's key, and the extra row, when present, only says that a next page exists.
///
/// Each where entry `"a.b": value` becomes `(doc -> $n::text -> $m::text) = $k::jsonb`, the
/// names and the value (its canonical JSON) all bound as parameters, never spliced into the SQL;
/// a name only ever selects an object key, never an array element. jsonb
/// equality is type-correct as the contract asks: `"1"` ≠ `1`, `1` = `1.0`, `true` ≠ `1`,
/// `null` matches a stored null but not a missing field (`->` gives SQL NULL), arrays compare
/// in order, objects whatever their key order.
extension PostgresStorage {
    func query(_ q: QueryRequest) async throws -> QueryResult {
        let limit = try QueryLimits.pageSize(of: q)
        let fingerprint = try ContinuationToken.fingerprint(container: q.container, partitionKey: q.partitionKey, where: q.where)
        let after = try q.continuation.map { try ContinuationToken(decoding: $0, expecting: fingerprint) }

        var conditions = ["container = $1"]
        var binds = PostgresBindings()
        binds.append(q.container)
        var n = 1
        func next() -> String { n += 1; return "$\(n)" }
        if let pk = q.partitionKey {
            conditions.append("partition_key = \(next())")
            binds.append(pk)
        }
        if let after {
            conditions.append("(partition_key, id) > (\(next()), \(next()))")
            binds.append(after.pk); binds.append(after.id)
        }
        // In key order, so equal where-clauses give equal SQL.
        for key in q.where.keys.sorted() {
            guard let value = q.where[key] else { continue }
            // `jsonb -> text` looks up an object key and never indexes into an array ("tags.0"
            // does not reach tags[0]); a missing key or a non-object gives SQL NULL.
            var lhs = "doc"
            for segment in try StorageNames.whereSegments(key) {
                lhs += " -> \(next())::text"
                binds.append(segment)
            }
            conditions.append("(\(lhs)) = \(next())::jsonb")
            binds.append(try Self.text(value))
        }
        let sql = "SELECT \(PostgresSchema.documentColumns) FROM \(documents) WHERE " + conditions.joined(separator: " AND ")
            + " ORDER BY partition_key, id LIMIT \(next())"
        binds.append(limit + 1)
        let exists = "SELECT 1 FROM \(containers) WHERE name = $1"
        let (container, bound) = (q.container, binds)

        var documents = try await database.run("query documents") { client in
            var c = PostgresBindings()
            c.append(container)
            guard try await PostgresDatabase.count(try await client.query(PostgresQuery(unsafeSQL: exists, binds: c))) > 0 else {
                throw StorageError.containerNotFound(container)
            }
            return try await PostgresSchema.documents(try await client.query(PostgresQuery(unsafeSQL: sql, binds: bound)))
        }
        guard documents.count > limit else { return QueryResult(documents: documents, continuation: nil) }
        documents.removeLast(documents.count - limit)
        let last = documents[documents.count - 1]
        let token = try ContinuationToken(fingerprint: fingerprint, partitionKey: last.partitionKey, id: last.id).encoded()
        return QueryResult(documents: documents, continuation: token)
    }
}
