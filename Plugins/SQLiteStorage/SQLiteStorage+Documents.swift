import LightningProtocol
import StorageSupport
import SQLiteSupport

/// Document writes and reads. Every write runs read-check-write inside one `BEGIN IMMEDIATE`
/// transaction on the database queue, so checks (exists, If-Match) and the write are atomic.
extension SQLiteStorage {
    func create(_ r: WriteRequest) async throws -> Document {
        try Self.check(container: r.container, id: r.document.id)
        try IfMatch.refuseOnCreate(r.ifMatch)
        let container = r.container, incoming = r.document
        return try await database.run { db in
            try db.transaction {
                try StorageSchema.requireContainer(db, container)
                if try StorageSchema.find(db, container: container, partitionKey: incoming.partitionKey, id: incoming.id) != nil {
                    throw StorageError.documentExists(incoming.id, partitionKey: incoming.partitionKey, container: container)
                }
                return try Self.write(db, container: container, incoming, over: nil)
            }
        }
    }

    func read(_ k: DocumentKey) async throws -> Document {
        try Self.check(container: k.container, id: k.id)
        try IfMatch.validate(k.ifMatch)
        return try await database.run { db in
            try StorageSchema.requireContainer(db, k.container)
            guard let doc = try StorageSchema.find(db, container: k.container, partitionKey: k.partitionKey, id: k.id) else {
                throw StorageError.documentNotFound(k.id, partitionKey: k.partitionKey, container: k.container)
            }
            try Self.checkIfMatch(k.ifMatch, doc)
            return doc
        }
    }

    func replace(_ r: WriteRequest) async throws -> Document {
        try Self.check(container: r.container, id: r.document.id)
        try IfMatch.validate(r.ifMatch)
        let container = r.container, incoming = r.document, ifMatch = r.ifMatch
        return try await database.run { db in
            try db.transaction {
                try StorageSchema.requireContainer(db, container)
                guard let current = try StorageSchema.find(db, container: container, partitionKey: incoming.partitionKey, id: incoming.id) else {
                    throw StorageError.documentNotFound(incoming.id, partitionKey: incoming.partitionKey, container: container)
                }
                try Self.checkIfMatch(ifMatch, current)
                return try Self.write(db, container: container, incoming, over: current)
            }
        }
    }

    /// Creates or replaces. With If-Match, the document must exist and carry that ETag (`*`:
    /// any); a missing document fails the precondition, as in Cosmos DB.
    func upsert(_ r: WriteRequest) async throws -> Document {
        try Self.check(container: r.container, id: r.document.id)
        try IfMatch.validate(r.ifMatch)
        let container = r.container, incoming = r.document, ifMatch = r.ifMatch
        return try await database.run { db in
            try db.transaction {
                try StorageSchema.requireContainer(db, container)
                let current = try StorageSchema.find(db, container: container, partitionKey: incoming.partitionKey, id: incoming.id)
                try IfMatch.check(ifMatch, id: incoming.id, current: current?.etag, exists: current != nil)
                return try Self.write(db, container: container, incoming, over: current)
            }
        }
    }

    func delete(_ k: DocumentKey) async throws -> DeleteResult {
        try Self.check(container: k.container, id: k.id)
        try IfMatch.validate(k.ifMatch)
        return try await database.run { db in
            try db.transaction {
                try StorageSchema.requireContainer(db, k.container)
                guard let current = try StorageSchema.find(db, container: k.container, partitionKey: k.partitionKey, id: k.id) else {
                    throw StorageError.documentNotFound(k.id, partitionKey: k.partitionKey, container: k.container)
                }
                try Self.checkIfMatch(k.ifMatch, current)
                try db.run("DELETE FROM documents WHERE container = ? AND partition_key = ? AND id = ?",
                           [.text(k.container), .text(k.partitionKey), .text(k.id)])
                return DeleteResult(deleted: true)
            }
        }
    }

    // MARK: Helpers (run on the database queue)

    private static func check(container: String, id: String) throws {
        try StorageNames.checkContainer(container)
        try StorageNames.checkId(id)
    }

    private static func checkIfMatch(_ ifMatch: String?, _ current: Document) throws {
        try IfMatch.check(ifMatch, id: current.id, current: current.etag)
    }

    /// Stores `incoming` with fresh metadata and returns what was stored. `created_at` is kept
    /// from `previous`; `updated_at` is now, but always later than the previous `updated_at`
    /// (so it strictly increases per document even if the clock steps back or within one ms).
    private static func write(_ db: SQLiteDatabase, container: String, _ incoming: Document, over previous: Document?) throws -> Document {
        var now = Timestamp.now()
        if let last = previous?.updatedAt, now <= last { now = Timestamp(millis: last.millis + 1) }
        let doc = Document(id: incoming.id, partitionKey: incoming.partitionKey, data: incoming.data,
                           createdAt: previous?.createdAt ?? now, updatedAt: now, etag: ETag.fresh())
        try StorageSchema.store(db, container: container, doc)
        return doc
    }
}
