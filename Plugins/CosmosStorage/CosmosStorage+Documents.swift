import AzureSupport
import Foundation
import LightningProtocol
import StorageSupport

/// Document reads and writes. Cosmos checks `If-Match` atomically on the server; the plugin
/// reads first only where the contract needs the current document (to keep `created_at`, to make
/// `updated_at` strictly increase, to name the current ETag in a precondition error), and then
/// writes conditioned on the `_etag` it read, so a concurrent writer is detected, never overwritten.
extension CosmosStorage {
    func create(_ r: WriteRequest) async throws -> Document {
        try Self.check(container: r.container, id: r.document.id)
        try IfMatch.refuseOnCreate(r.ifMatch)
        let doc = r.document
        let now = Timestamp.now()
        let body = try StoredDocument.body(doc, createdAt: now, updatedAt: now, partitionKeyProperty: config.partitionKeyProperty)
        let segments = collectionSegments(r.container) + ["docs"]
        let reply = try await client.send(.post, segments, headers: pkHeader(doc.partitionKey), body: body)
        switch reply.status {
        case 200..<300: return try StoredDocument.document(reply.body, container: r.container)
        case 409: throw StorageError.documentExists(doc.id, partitionKey: doc.partitionKey, container: r.container)
        case 404: throw StorageError.containerNotFound(r.container)
        default: throw CosmosClient.error(reply, .post, segments)
        }
    }

    func read(_ k: DocumentKey) async throws -> Document {
        try Self.check(container: k.container, id: k.id)
        try IfMatch.validate(k.ifMatch)
        guard let doc = try await current(k.container, id: k.id, partitionKey: k.partitionKey) else {
            throw await notFound(k.container, id: k.id, partitionKey: k.partitionKey)
        }
        try IfMatch.check(k.ifMatch, id: k.id, current: doc.etag)
        return doc
    }

    func replace(_ r: WriteRequest) async throws -> Document {
        try Self.check(container: r.container, id: r.document.id)
        try IfMatch.validate(r.ifMatch)
        let doc = r.document
        for _ in 0..<Self.maxWriteAttempts {
            guard let existing = try await current(r.container, id: doc.id, partitionKey: doc.partitionKey) else {
                throw await notFound(r.container, id: doc.id, partitionKey: doc.partitionKey)
            }
            try IfMatch.check(r.ifMatch, id: doc.id, current: existing.etag)
            let segments = collectionSegments(r.container) + ["docs", doc.id]
            let reply = try await client.send(.put, segments, headers: conditional(doc.partitionKey, existing.etag),
                                              body: try body(doc, over: existing))
            switch reply.status {
            case 200..<300: return try StoredDocument.document(reply.body, container: r.container)
            case 412: try await raceLost(r.container, doc, ifMatch: r.ifMatch)
            case 404: throw await notFound(r.container, id: doc.id, partitionKey: doc.partitionKey)
            default: throw CosmosClient.error(reply, .put, segments)
            }
        }
        throw contention(r.container, doc)
    }

    /// Creates or replaces. With If-Match, the document must exist and carry that ETag (a
    /// missing document fails the precondition, as Cosmos DB does for an upsert with If-Match).
    /// Replacing goes through Cosmos's upsert (`x-ms-documentdb-is-upsert: True`) with If-Match
    /// on the ETag just read.
    func upsert(_ r: WriteRequest) async throws -> Document {
        try Self.check(container: r.container, id: r.document.id)
        try IfMatch.validate(r.ifMatch)
        let doc = r.document
        let segments = collectionSegments(r.container) + ["docs"]
        for _ in 0..<Self.maxWriteAttempts {
            let existing = try await current(r.container, id: doc.id, partitionKey: doc.partitionKey)
            guard let existing else {
                if let m = r.ifMatch {
                    if try await !collectionExists(r.container) { throw StorageError.containerNotFound(r.container) }
                    throw StorageError.etagMismatch(doc.id, ifMatch: m, current: nil)
                }
                let now = Timestamp.now()
                let body = try StoredDocument.body(doc, createdAt: now, updatedAt: now, partitionKeyProperty: config.partitionKeyProperty)
                let reply = try await client.send(.post, segments, headers: pkHeader(doc.partitionKey), body: body)
                switch reply.status {
                case 200..<300: return try StoredDocument.document(reply.body, container: r.container)
                case 409: continue  // created by someone else meanwhile: replace it
                case 404: throw StorageError.containerNotFound(r.container)
                default: throw CosmosClient.error(reply, .post, segments)
                }
            }
            try IfMatch.check(r.ifMatch, id: doc.id, current: existing.etag)
            var headers = conditional(doc.partitionKey, existing.etag)
            headers["x-ms-documentdb-is-upsert"] = "True"
            let reply = try await client.send(.post, segments, headers: headers, body: try body(doc, over: existing))
            switch reply.status {
            case 200..<300: return try StoredDocument.document(reply.body, container: r.container)
            case 412: try await raceLost(r.container, doc, ifMatch: r.ifMatch)
            case 404: throw StorageError.containerNotFound(r.container)
            default: throw CosmosClient.error(reply, .post, segments)
            }
        }
        throw contention(r.container, doc)
    }

    func delete(_ k: DocumentKey) async throws -> DeleteResult {
        try Self.check(container: k.container, id: k.id)
        try IfMatch.validate(k.ifMatch)
        let segments = collectionSegments(k.container) + ["docs", k.id]
        var headers = pkHeader(k.partitionKey)
        // `*` asks only that the document exist, which a delete checks anyway (404).
        if let m = k.ifMatch, m != "*" { headers["If-Match"] = m }
        let reply = try await client.send(.delete, segments, headers: headers)
        switch reply.status {
        case 200..<300: return DeleteResult(deleted: true)
        case 404: throw await notFound(k.container, id: k.id, partitionKey: k.partitionKey)
        case 412:
            let now = try await current(k.container, id: k.id, partitionKey: k.partitionKey)
            throw StorageError.etagMismatch(k.id, ifMatch: k.ifMatch ?? "", current: now?.etag)
        default: throw CosmosClient.error(reply, .delete, segments)
        }
    }

    // MARK: Helpers

    static func check(container: String, id: String) throws {
        try StorageNames.checkContainer(container)
        try StorageNames.checkId(id)
    }

    func pkHeader(_ partitionKey: String) -> [String: String] {
        ["x-ms-documentdb-partitionkey": CosmosClient.partitionKeyHeader(partitionKey)]
    }

    func conditional(_ partitionKey: String, _ etag: String?) -> [String: String] {
        var h = pkHeader(partitionKey)
        if let etag { h["If-Match"] = etag }
        return h
    }

    /// The stored document, or nil on 404 (missing document or container).
    func current(_ container: String, id: String, partitionKey: String) async throws -> Document? {
        let segments = collectionSegments(container) + ["docs", id]
        let reply = try await client.send(.get, segments, headers: pkHeader(partitionKey))
        switch reply.status {
        case 200..<300: return try StoredDocument.document(reply.body, container: container)
        case 404: return nil
        default: throw CosmosClient.error(reply, .get, segments)
        }
    }

    /// The not-found error for a 404 on a document: Cosmos says "NotFound" for a missing
    /// collection and a missing document alike, so the collection is looked up to tell them apart.
    func notFound(_ container: String, id: String, partitionKey: String) async -> WireError {
        if let exists = try? await collectionExists(container), !exists { return StorageError.containerNotFound(container) }
        return StorageError.documentNotFound(id, partitionKey: partitionKey, container: container)
    }

    /// A conditional write got 412: another writer changed the document after it was read.
    /// With a caller's If-Match that is the caller's precondition failing (the error names the
    /// ETag now stored); without one, the caller may retry.
    func raceLost(_ container: String, _ doc: Document, ifMatch: String?) async throws {
        // Without If-Match, or with `*` (which still holds while the document exists), the caller retries.
        guard let m = ifMatch, m != "*" else { return }
        let now = try await current(container, id: doc.id, partitionKey: doc.partitionKey)
        throw StorageError.etagMismatch(doc.id, ifMatch: m, current: now?.etag)
    }

    func contention(_ container: String, _ doc: Document) -> WireError {
        WireError(.unavailable, "document \"\(doc.id)\" (partition \"\(doc.partitionKey)\") in container \"\(container)\" kept changing during \(Self.maxWriteAttempts) write attempts; retry later")
    }

    /// The body replacing `existing`: `created_at` kept, `updated_at` now but strictly later than before.
    func body(_ doc: Document, over existing: Document) throws -> Data {
        var now = Timestamp.now()
        if let last = existing.updatedAt, now <= last { now = Timestamp(millis: last.millis + 1) }
        return try StoredDocument.body(doc, createdAt: existing.createdAt ?? now, updatedAt: now,
                                       partitionKeyProperty: config.partitionKeyProperty)
    }
}
