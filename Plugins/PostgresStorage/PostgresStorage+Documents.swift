import Foundation
import LightningProtocol
import PostgresNIO
import StorageSupport

/// Document writes and reads. Every write is one transaction: the container's row `FOR SHARE`
/// (it cannot be deleted meanwhile), the document's row `FOR UPDATE` (concurrent writers of one
/// document, in this process or another daemon, queue here), the checks (exists, If-Match),
/// then the write.
extension PostgresStorage {
    func create(_ r: WriteRequest) async throws -> Document {
        try Self.check(container: r.container, id: r.document.id)
        try IfMatch.refuseOnCreate(r.ifMatch)
        let incoming = r.document, container = r.container
        let doc = try Self.stamped(incoming, over: nil)
        let data = try Self.text(doc.data)
        let sql = "INSERT INTO \(documents) (container, partition_key, id, data, doc, created_at, updated_at, etag) "
            + "VALUES ($1, $2, $3, $4, $4::jsonb, $5, $6, $7) ON CONFLICT (container, partition_key, id) DO NOTHING RETURNING 1"
        let lockContainer = lockContainerSQL
        return try await database.transaction("create document") { conn in
            try await Self.requireContainer(conn, lockContainer, container)
            var b = PostgresBindings()
            b.append(container); b.append(doc.partitionKey); b.append(doc.id); b.append(data)
            b.append(doc.createdAt?.millis ?? 0); b.append(doc.updatedAt?.millis ?? 0); b.append(doc.etag ?? "")
            let inserted = try await PostgresDatabase.count(try await conn.query(PostgresQuery(unsafeSQL: sql, binds: b), logger: PostgresDatabase.quiet))
            guard inserted == 1 else {
                throw StorageError.documentExists(incoming.id, partitionKey: incoming.partitionKey, container: container)
            }
            return doc
        }
    }

    func read(_ k: DocumentKey) async throws -> Document {
        try Self.check(container: k.container, id: k.id)
        try IfMatch.validate(k.ifMatch)
        let sql = "SELECT \(PostgresSchema.documentColumns) FROM \(documents) WHERE container = $1 AND partition_key = $2 AND id = $3"
        let exists = "SELECT 1 FROM \(containers) WHERE name = $1"
        return try await database.run("read document") { client in
            var b = PostgresBindings()
            b.append(k.container); b.append(k.partitionKey); b.append(k.id)
            if let doc = try await PostgresSchema.documents(try await client.query(PostgresQuery(unsafeSQL: sql, binds: b))).first {
                try Self.checkIfMatch(k.ifMatch, doc)
                return doc
            }
            var c = PostgresBindings()
            c.append(k.container)
            guard try await PostgresDatabase.count(try await client.query(PostgresQuery(unsafeSQL: exists, binds: c))) > 0 else {
                throw StorageError.containerNotFound(k.container)
            }
            throw StorageError.documentNotFound(k.id, partitionKey: k.partitionKey, container: k.container)
        }
    }

    func replace(_ r: WriteRequest) async throws -> Document {
        try Self.check(container: r.container, id: r.document.id)
        try IfMatch.validate(r.ifMatch)
        let incoming = r.document, container = r.container, ifMatch = r.ifMatch
        let (lockContainer, lockRow, update) = (lockContainerSQL, lockRowSQL, updateSQL)
        return try await database.transaction("replace document") { conn in
            try await Self.requireContainer(conn, lockContainer, container)
            guard let current = try await Self.lockRow(conn, lockRow, container, incoming) else {
                throw StorageError.documentNotFound(incoming.id, partitionKey: incoming.partitionKey, container: container)
            }
            try Self.checkIfMatch(ifMatch, current)
            return try await Self.update(conn, update, container, incoming, over: current)
        }
    }

    /// Creates or replaces. With If-Match, the document must exist and carry that ETag (`*`:
    /// any); a missing document fails the precondition, as in Cosmos DB and the SQLite provider.
    func upsert(_ r: WriteRequest) async throws -> Document {
        try Self.check(container: r.container, id: r.document.id)
        try IfMatch.validate(r.ifMatch)
        let incoming = r.document, container = r.container, ifMatch = r.ifMatch
        let (lockContainer, lockRow, update) = (lockContainerSQL, lockRowSQL, updateSQL)
        // A row another writer inserted after our FOR UPDATE found none is taken over by ON
        // CONFLICT: its created_at stays, updated_at still grows.
        let insert = "INSERT INTO \(documents) AS d (container, partition_key, id, data, doc, created_at, updated_at, etag) "
            + "VALUES ($1, $2, $3, $4, $4::jsonb, $5, $5, $6) ON CONFLICT (container, partition_key, id) DO UPDATE SET "
            + "data = excluded.data, doc = excluded.doc, updated_at = GREATEST(excluded.updated_at, d.updated_at + 1), etag = excluded.etag "
            + "RETURNING created_at, updated_at"
        return try await database.transaction("upsert document") { conn in
            try await Self.requireContainer(conn, lockContainer, container)
            if let current = try await Self.lockRow(conn, lockRow, container, incoming) {
                try Self.checkIfMatch(ifMatch, current)
                return try await Self.update(conn, update, container, incoming, over: current)
            }
            try IfMatch.check(ifMatch, id: incoming.id, current: nil, exists: false)
            let doc = try Self.stamped(incoming, over: nil)
            var b = PostgresBindings()
            b.append(container); b.append(doc.partitionKey); b.append(doc.id); b.append(try Self.text(doc.data))
            b.append(doc.createdAt?.millis ?? 0); b.append(doc.etag ?? "")
            for try await (created, updated) in try await conn.query(PostgresQuery(unsafeSQL: insert, binds: b), logger: PostgresDatabase.quiet)
                .decode((Int64, Int64).self) {
                return Document(id: doc.id, partitionKey: doc.partitionKey, data: doc.data,
                                createdAt: Timestamp(millis: created), updatedAt: Timestamp(millis: updated), etag: doc.etag)
            }
            throw WireError(.internal, "upsert of document \"\(doc.id)\": the server returned no row")
        }
    }

    func delete(_ k: DocumentKey) async throws -> DeleteResult {
        try Self.check(container: k.container, id: k.id)
        try IfMatch.validate(k.ifMatch)
        let (lockContainer, lockRow) = (lockContainerSQL, lockRowSQL)
        let sql = "DELETE FROM \(documents) WHERE container = $1 AND partition_key = $2 AND id = $3"
        return try await database.transaction("delete document") { conn in
            try await Self.requireContainer(conn, lockContainer, k.container)
            let key = Document(id: k.id, partitionKey: k.partitionKey, data: .null)
            guard let current = try await Self.lockRow(conn, lockRow, k.container, key) else {
                throw StorageError.documentNotFound(k.id, partitionKey: k.partitionKey, container: k.container)
            }
            try Self.checkIfMatch(k.ifMatch, current)
            var b = PostgresBindings()
            b.append(k.container); b.append(k.partitionKey); b.append(k.id)
            try await conn.query(PostgresQuery(unsafeSQL: sql, binds: b), logger: PostgresDatabase.quiet)
            return DeleteResult(deleted: true)
        }
    }

    // MARK: Helpers

    private var lockContainerSQL: String { "SELECT 1 FROM \(containers) WHERE name = $1 FOR SHARE" }
    private var lockRowSQL: String {
        "SELECT \(PostgresSchema.documentColumns) FROM \(documents) WHERE container = $1 AND partition_key = $2 AND id = $3 FOR UPDATE"
    }
    private var updateSQL: String {
        "UPDATE \(documents) SET data = $4, doc = $4::jsonb, updated_at = $5, etag = $6 WHERE container = $1 AND partition_key = $2 AND id = $3"
    }

    private static func check(container: String, id: String) throws {
        try StorageNames.checkContainer(container)
        try StorageNames.checkId(id)
    }

    private static func checkIfMatch(_ ifMatch: String?, _ current: Document) throws {
        try IfMatch.check(ifMatch, id: current.id, current: current.etag)
    }

    /// Throws `.notFound` unless the container exists; holds it (FOR SHARE) until the end of the transaction.
    private static func requireContainer(_ conn: PostgresConnection, _ sql: String, _ container: String) async throws {
        var b = PostgresBindings()
        b.append(container)
        guard try await PostgresDatabase.count(try await conn.query(PostgresQuery(unsafeSQL: sql, binds: b), logger: PostgresDatabase.quiet)) > 0 else {
            throw StorageError.containerNotFound(container)
        }
    }

    /// The current document at `key`'s (partition_key, id), locked until the end of the transaction; nil when absent.
    private static func lockRow(_ conn: PostgresConnection, _ sql: String, _ container: String, _ key: Document) async throws -> Document? {
        var b = PostgresBindings()
        b.append(container); b.append(key.partitionKey); b.append(key.id)
        return try await PostgresSchema.documents(try await conn.query(PostgresQuery(unsafeSQL: sql, binds: b), logger: PostgresDatabase.quiet)).first
    }

    /// Overwrites the locked row with `incoming`, fresh metadata, `created_at` kept.
    private static func update(_ conn: PostgresConnection, _ sql: String, _ container: String, _ incoming: Document,
                               over current: Document) async throws -> Document {
        let doc = try stamped(incoming, over: current)
        var b = PostgresBindings()
        b.append(container); b.append(doc.partitionKey); b.append(doc.id); b.append(try text(doc.data))
        b.append(doc.updatedAt?.millis ?? 0); b.append(doc.etag ?? "")
        try await conn.query(PostgresQuery(unsafeSQL: sql, binds: b), logger: PostgresDatabase.quiet)
        return doc
    }

    /// `incoming` with fresh metadata: `created_at` kept from `previous`; `updated_at` now, but
    /// always later than the previous `updated_at` (it strictly increases per document even if
    /// clocks of two daemons disagree or within one ms); a fresh ETag.
    private static func stamped(_ incoming: Document, over previous: Document?) throws -> Document {
        var now = Timestamp.now()
        if let last = previous?.updatedAt, now <= last { now = Timestamp(millis: last.millis + 1) }
        return Document(id: incoming.id, partitionKey: incoming.partitionKey, data: incoming.data,
                        createdAt: previous?.createdAt ?? now, updatedAt: now, etag: ETag.fresh())
    }

    /// The data as stored: `Wire.encode` (compact, keys sorted), as the SQLite provider stores it.
    static func text(_ data: JSONValue) throws -> String {
        String(decoding: try Wire.encode(data), as: UTF8.self)
    }
}
