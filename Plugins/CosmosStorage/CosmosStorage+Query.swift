import AzureSupport
import Foundation
import LightningProtocol
import StorageSupport

/// `storage.query` as Cosmos SQL:
///
/// ```
/// {"where": {"address.city": "Oslo"}, "partition_key"?: "uk", "continuation"?: token}
///   ─► SELECT * FROM c WHERE c.data.address.city = @p0 [AND c.partition_key = @pk]
///        [AND (c.partition_key > @kp OR (c.partition_key = @kp AND c.id > @ki))]
///      ORDER BY c.partition_key ASC, c.id ASC
/// ```
///
/// With `partition_key` the query runs in that logical partition (`x-ms-documentdb-partitionkey`).
/// Without it, the gateway cannot serve an ORDER BY across partitions over REST, so the plugin
/// does what the SDKs do: it reads the partition key ranges (`GET …/pkranges`), runs the query
/// on each range (`x-ms-documentdb-partitionkeyrangeid`) and merges the ordered results. Each
/// range is read up to `max_items + 1` documents, following `x-ms-continuation` across Cosmos
/// pages; the extra document only says that a next page exists.
///
/// The contract's `continuation` is a keyset token (the last (partition_key, id) returned and a
/// fingerprint of the query), not Cosmos's own token: Cosmos tokens are per partition range and
/// would not survive a merge, and a keyset never skips or repeats documents written between pages.
extension CosmosStorage {
    func query(_ q: QueryRequest) async throws -> QueryResult {
        let limit = try QueryLimits.pageSize(of: q)
        var sql = CosmosQuery()
        try sql.addWhere(q.where)
        let fingerprint = try ContinuationToken.fingerprint(container: q.container, partitionKey: q.partitionKey, where: q.where)
        let after = try q.continuation.map { try ContinuationToken(decoding: $0, expecting: fingerprint) }
        if let pk = q.partitionKey { sql.add("c.partition_key = @pk", ["@pk": .string(pk)]) }
        if let after {
            sql.add("(c.partition_key > @kp OR (c.partition_key = @kp AND c.id > @ki))", ["@kp": .string(after.pk), "@ki": .string(after.id)])
        }
        let body = try Wire.encode(sql.body())

        var found: [Document]
        if let pk = q.partitionKey {
            found = try await run(q.container, body: body, want: limit + 1, scope: pkHeader(pk))
        } else {
            let ranges = try await partitionKeyRanges(q.container)
            found = try await withThrowingTaskGroup(of: [Document].self) { group in
                for range in ranges {
                    group.addTask {
                        try await self.run(q.container, body: body, want: limit + 1,
                                           scope: ["x-ms-documentdb-partitionkeyrangeid": range,
                                                   "x-ms-documentdb-query-enablecrosspartition": "True"])
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
        }
        found.sort(by: Self.keyOrder)
        guard found.count > limit else { return QueryResult(documents: found, continuation: nil) }
        let page = Array(found.prefix(limit))
        let last = page[page.count - 1]
        let token = try ContinuationToken(fingerprint: fingerprint, partitionKey: last.partitionKey, id: last.id).encoded()
        return QueryResult(documents: page, continuation: token)
    }

    /// (partition_key, id) by UTF-8 bytes, the order the pages follow.
    static func keyOrder(_ a: Document, _ b: Document) -> Bool {
        if a.partitionKey != b.partitionKey { return Array(a.partitionKey.utf8).lexicographicallyPrecedes(Array(b.partitionKey.utf8)) }
        return Array(a.id.utf8).lexicographicallyPrecedes(Array(b.id.utf8))
    }

    /// Runs the query in one scope (a partition key or a partition key range), reading Cosmos
    /// pages until `want` documents or the end.
    func run(_ container: String, body: Data, want: Int, scope: [String: String]) async throws -> [Document] {
        let segments = collectionSegments(container) + ["docs"]
        var out: [Document] = []
        var continuation: String?
        repeat {
            var headers = scope
            headers["x-ms-documentdb-isquery"] = "True"
            headers["Content-Type"] = "application/query+json"
            headers["x-ms-max-item-count"] = String(min(want - out.count, 1000))
            if let continuation { headers["x-ms-continuation"] = continuation }
            let reply = try await client.send(.post, segments, headers: headers, body: body)
            if reply.status == 404 { throw StorageError.containerNotFound(container) }
            guard (200..<300).contains(reply.status) else { throw CosmosClient.error(reply, .post, segments) }
            let json = try Self.decodeBody(reply, what: "query of container \"\(container)\"")
            for item in json["Documents"]?.arrayValue ?? [] { out.append(try StoredDocument.document(item, container: container)) }
            continuation = reply[header: "x-ms-continuation"].flatMap { $0.isEmpty ? nil : $0 }
        } while continuation != nil && out.count < want
        return out
    }

    /// The ids of the collection's partition key ranges (GET …/pkranges).
    func partitionKeyRanges(_ container: String) async throws -> [String] {
        let segments = collectionSegments(container) + ["pkranges"]
        var ids: [String] = []
        var continuation: String?
        repeat {
            let reply = try await client.send(.get, segments, headers: continuation.map { ["x-ms-continuation": $0] } ?? [:])
            if reply.status == 404 { throw StorageError.containerNotFound(container) }
            guard (200..<300).contains(reply.status) else { throw CosmosClient.error(reply, .get, segments) }
            let json = try Self.decodeBody(reply, what: "partition key ranges of container \"\(container)\"")
            ids += (json["PartitionKeyRanges"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
            continuation = reply[header: "x-ms-continuation"].flatMap { $0.isEmpty ? nil : $0 }
        } while continuation != nil
        guard !ids.isEmpty else {
            throw WireError(.internal, "Cosmos DB: container \"\(container)\" reported no partition key ranges")
        }
        return ids
    }
}

/// A parameterised Cosmos SQL query under construction.
struct CosmosQuery {
    private(set) var conditions: [String] = []
    private(set) var parameters: [(String, JSONValue)] = []

    mutating func add(_ condition: String, _ params: [String: JSONValue]) {
        conditions.append(condition)
        parameters += params.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// One equality per where entry, in key order: `"address.city": "Oslo"` → `c.data.address.city = @p0`
    /// (a segment that is not an identifier is written `["seg"]`). Cosmos's `=` is type-correct
    /// (1 = 1.0, "1" ≠ 1, null matches only an explicit null; arrays and objects compare by value).
    /// - Throws: `WireError(.invalidArgument)` naming a key with an empty segment or `"`, `\` or a control character.
    mutating func addWhere(_ clause: [String: JSONValue]) throws {
        for (i, key) in clause.keys.sorted().enumerated() {
            let segments = key.split(separator: ".", omittingEmptySubsequences: false)
            let bad = segments.contains { s in s.isEmpty || s.unicodeScalars.contains { $0 == "\"" || $0 == "\\" || $0.value < 0x20 } }
            if bad {
                throw WireError(.invalidArgument,
                                "field \"where\" key \(JSONValue.string(key)): expected a dotted path of non-empty names without '\"', '\\' or control characters")
            }
            let path = "c.data" + segments.map { Self.isIdentifier($0) ? ".\($0)" : "[\"\($0)\"]" }.joined()
            add("\(path) = @p\(i)", ["@p\(i)": clause[key] ?? .null])
        }
    }

    /// `[A-Za-z_][A-Za-z0-9_]*` and not a Cosmos SQL keyword that would misparse.
    static func isIdentifier(_ s: Substring) -> Bool {
        guard let first = s.utf8.first, first == 0x5f || (first >= 0x41 && first <= 0x5a) || (first >= 0x61 && first <= 0x7a) else { return false }
        let keywords: Set<String> = ["and", "or", "not", "in", "between", "select", "from", "where", "order", "by", "value", "top",
                                     "true", "false", "null", "undefined", "join", "as", "asc", "desc", "like", "escape", "exists",
                                     "array", "offset", "limit", "group", "distinct", "udf"]
        return s.utf8.allSatisfy { c in c == 0x5f || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) }
            && !keywords.contains(s.lowercased())
    }

    func body() -> JSONValue {
        let whereText = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return [
            "query": .string("SELECT * FROM c\(whereText) ORDER BY c.partition_key ASC, c.id ASC"),
            "parameters": .array(parameters.map { ["name": .string($0.0), "value": $0.1] }),
        ]
    }
}
