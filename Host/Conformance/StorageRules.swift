import Foundation
import HostCore
import LightningProtocol

/// The storage contract (docs/plugin-abi.md#storage), rule by rule. Nothing here depends on how
/// a provider stores documents. Queries and paging are in `StorageRules+Queries.swift`.
public enum StorageRules {
    static let doc = "docs/plugin-abi.md"
    static let names = "\(doc)#storage-names"
    static let containers = "\(doc)#storage-containers"
    static let documents = "\(doc)#storage-documents-and-timestamps"
    static let etags = "\(doc)#storage-etags-and-if_match"
    static let queries = "\(doc)#storage-queries"
    static let paging = "\(doc)#storage-paging"

    public static var all: [ConformanceRule] { containerRules + documentRules + etagRules + queryRules + pagingRules + [health] }

    static func rule(_ id: String, _ section: String, _ summary: String,
                     _ body: @escaping @Sendable (ConformanceCheck) async throws -> Void) -> ConformanceRule {
        ConformanceRule("storage.\(id)", .storage, section: section, summary, body: body)
    }

    // MARK: Names and containers

    static let containerRules: [ConformanceRule] = [
        rule("containers.lifecycle", containers, "containers are created (idempotently), listed in name order and deleted; deleting a missing one answers deleted: false") { s in
            s.expectEqual(try await s.raw(Method.containerExists, #"{"container":"orders"}"#), ["exists": false], "exists before create")
            s.expectEqual(try await s.raw(Method.containerCreate, #"{"container":"orders","partition_key_path":"/customer"}"#), ["created": true], "first create")
            s.expectEqual(try await s.raw(Method.containerCreate, #"{"container":"orders"}"#), ["created": false], "second create")
            try await s.makeContainer("alpha")
            s.expectEqual(try await s.raw(Method.containerExists, #"{"container":"orders"}"#), ["exists": true], "exists after create")
            s.expectEqual(try await s.call(Method.containerList, Empty(), as: ContainerList.self).containers, ["alpha", "orders"], "container list")
            s.expectEqual(try await s.raw(Method.containerDelete, #"{"container":"orders"}"#), ["deleted": true], "first delete")
            s.expectEqual(try await s.raw(Method.containerDelete, #"{"container":"orders"}"#), ["deleted": false], "delete of a missing container")
            s.expectEqual(try await s.raw(Method.containerExists, #"{"container":"orders"}"#), ["exists": false], "exists after delete")
            s.expectEqual(try await s.call(Method.containerList, Empty(), as: ContainerList.self).containers, ["alpha"], "container list after delete")
        },
        rule("containers.delete-documents", containers, "deleting a container deletes its documents; a container created again is empty") { s in
            try await s.makeContainer("c")
            _ = try await s.put("c", "a", ["n": 1])
            _ = try await s.put("c", "b", ["n": 2], pk: "other")
            _ = try await s.call(Method.containerDelete, ContainerRequest(container: "c"), as: ContainerResult.self)
            try await s.makeContainer("c")
            let msg = await s.expectError(Method.documentRead, DocumentKey(container: "c", id: "a", partitionKey: "p"), .notFound)
            s.expectEqual(msg, #"document "a" (partition "p") not found in container "c""#, "read after the container was recreated")
            s.expectEqual(try await s.ids(QueryRequest(container: "c")), [], "query of the recreated container")
        },
        rule("containers.missing", containers, "every document method on a missing container is not_found \"container … does not exist\"") { s in
            let doc = Document(id: "x", partitionKey: "p", data: [:])
            let key = DocumentKey(container: "nope", id: "x", partitionKey: "p")
            let expected = #"container "nope" does not exist"#
            s.expectEqual(await s.expectError(Method.documentCreate, WriteRequest(container: "nope", document: doc), .notFound), expected, "create")
            s.expectEqual(await s.expectError(Method.documentUpsert, WriteRequest(container: "nope", document: doc), .notFound), expected, "upsert")
            s.expectEqual(await s.expectError(Method.documentReplace, WriteRequest(container: "nope", document: doc), .notFound), expected, "replace")
            s.expectEqual(await s.expectError(Method.documentRead, key, .notFound), expected, "read")
            s.expectEqual(await s.expectError(Method.documentDelete, key, .notFound), expected, "delete")
            s.expectEqual(await s.expectError(Method.documentQuery, QueryRequest(container: "nope"), .notFound), expected, "query")
        },
        rule("names.containers", names, "container names are 1–255 of A-Z a-z 0-9 _ - . ; others are invalid_argument with the contract's message") { s in
            let badNames = ["", "has space", "a/b", "smörgås", "semi;colon", String(repeating: "n", count: 256)]
            for name in badNames {
                let msg = await s.expectError(Method.containerCreate, ContainerRequest(container: name), .invalidArgument, "name \(name.prefix(20))")
                s.expectEqual(msg, "container name \(JSONValue.string(name)): expected 1 to 255 characters of letters, digits, '_', '-' or '.'", "message")
                await s.expectError(Method.containerExists, ContainerRequest(container: name), .invalidArgument, "name \(name.prefix(20))")
                await s.expectError(Method.documentQuery, QueryRequest(container: name), .invalidArgument, "name \(name.prefix(20))")
                await s.expectError(Method.documentRead, DocumentKey(container: name, id: "x"), .invalidArgument, "name \(name.prefix(20))")
            }
            s.expectEqual(try await s.call(Method.containerCreate, ContainerRequest(container: "A-b_c.9"), as: ContainerResult.self).created, true, "create A-b_c.9")
            let longest = String(repeating: "n", count: 255)
            s.expectEqual(try await s.call(Method.containerCreate, ContainerRequest(container: longest), as: ContainerResult.self).created, true, "create a 255-character name")
        },
        rule("names.ids", names, "document ids are 1–255 characters without / \\ ? #; others are invalid_argument naming field \"id\"") { s in
            try await s.makeContainer("c")
            for id in ["", "a/b", "a\\b", "a?b", "a#b", String(repeating: "i", count: 256)] {
                let msg = await s.expectError(Method.documentCreate, WriteRequest(container: "c", document: Document(id: id, partitionKey: "p", data: [:])),
                                              .invalidArgument, "id \(JSONValue.string(String(id.prefix(20))))")
                s.expect(msg?.hasPrefix("field \"id\": ") ?? true, "create with id \(JSONValue.string(String(id.prefix(20)))): message must start with field \"id\": , got \(msg ?? "")")
                await s.expectError(Method.documentRead, DocumentKey(container: "c", id: id, partitionKey: "p"), .invalidArgument, "read, id \(id.prefix(20))")
            }
            for id in ["héllo wörld", "with:colon", String(repeating: "i", count: 255)] {
                s.expectEqual(try await s.put("c", id, ["ok": true]).id, id, "create with id \(id.prefix(20))")
                s.expectEqual(try await s.read("c", id).id, id, "read with id \(id.prefix(20))")
            }
        },
    ]

    // MARK: Documents and timestamps

    static let documentRules: [ConformanceRule] = [
        rule("documents.key", documents, "the key is (container, partition_key, id): create conflicts on the same key only") { s in
            try await s.makeContainer("c")
            _ = try await s.put("c", "a", ["v": 1], pk: "p1")
            let msg = await s.expectError(Method.documentCreate, WriteRequest(container: "c", document: Document(id: "a", partitionKey: "p1", data: ["v": 2])), .conflict)
            s.expectEqual(msg, #"document "a" (partition "p1") already exists in container "c""#, "conflict message")
            _ = try await s.put("c", "a", ["v": 3], pk: "p2")
            s.expectEqual(try await s.read("c", "a", pk: "p1").data, ["v": 1], "p1/a")
            s.expectEqual(try await s.read("c", "a", pk: "p2").data, ["v": 3], "p2/a")
            await s.expectError(Method.documentRead, DocumentKey(container: "c", id: "a", partitionKey: "p3"), .notFound, "another partition")
        },
        rule("documents.read-back", documents, "a write answers the document exactly as read and query return it, with created_at = updated_at after the first write") { s in
            try await s.makeContainer("c")
            let data: JSONValue = ["name": "Ada", "tags": ["x", "y"], "address": ["city": "Oslo", "zip": 150], "ratio": 0.25, "none": nil, "empty": [:]]
            let written = try await s.put("c", "ada", data, pk: "people")
            s.expectEqual(written.id, "ada", "id")
            s.expectEqual(written.partitionKey, "people", "partition_key")
            s.expectEqual(written.data, data, "data")
            s.expect(written.etag?.isEmpty == false, "etag: expected one, got none")
            s.expect(written.createdAt != nil, "created_at: expected one, got none")
            s.expectEqual(written.createdAt, written.updatedAt, "updated_at after the first write")
            s.expectEqual(try await s.read("c", "ada", pk: "people"), written, "read")
            s.expectEqual(try await s.call(Method.documentQuery, QueryRequest(container: "c"), as: QueryResult.self).documents, [written], "query")
        },
        rule("documents.timestamps", documents, "replace and upsert keep created_at; updated_at strictly increases on every write, even within a millisecond") { s in
            try await s.makeContainer("c")
            let v1 = try await s.put("c", "a", ["v": 1])
            var last = v1
            for (i, method) in [Method.documentReplace, Method.documentUpsert, Method.documentReplace, Method.documentUpsert].enumerated() {
                let next = try await s.put("c", "a", ["v": .int(i + 2)], method: method)
                s.expectEqual(next.createdAt, v1.createdAt, "\(method) #\(i + 1): created_at")
                if let a = last.updatedAt, let b = next.updatedAt {
                    s.expect(b > a, "\(method) #\(i + 1): updated_at must be later than the previous \(a), got \(b)")
                } else {
                    s.fail("\(method) #\(i + 1): updated_at missing")
                }
                last = next
            }
        },
        rule("documents.missing", documents, "read, replace and delete of a missing document are not_found; delete never answers deleted: false") { s in
            try await s.makeContainer("c")
            let expected = #"document "x" (partition "p") not found in container "c""#
            s.expectEqual(await s.expectError(Method.documentRead, DocumentKey(container: "c", id: "x", partitionKey: "p"), .notFound), expected, "read")
            s.expectEqual(await s.expectError(Method.documentReplace, WriteRequest(container: "c", document: Document(id: "x", partitionKey: "p", data: [:])), .notFound), expected, "replace")
            s.expectEqual(await s.expectError(Method.documentDelete, DocumentKey(container: "c", id: "x", partitionKey: "p"), .notFound), expected, "delete")
            _ = try await s.put("c", "x", [:])
            s.expectEqual(try await s.raw(Method.documentDelete, #"{"container":"c","id":"x","partition_key":"p"}"#), ["deleted": true], "delete of an existing document")
            s.expectEqual(await s.expectError(Method.documentDelete, DocumentKey(container: "c", id: "x", partitionKey: "p"), .notFound), expected, "second delete")
        },
        rule("documents.upsert", documents, "upsert creates a missing document and replaces an existing one") { s in
            try await s.makeContainer("c")
            let created = try await s.put("c", "a", ["v": 1], method: Method.documentUpsert)
            s.expectEqual(created.createdAt, created.updatedAt, "updated_at after the creating upsert")
            s.expectEqual(try await s.read("c", "a"), created, "read after the creating upsert")
            let replaced = try await s.put("c", "a", ["v": 2], method: Method.documentUpsert)
            s.expectEqual(replaced.data, ["v": 2], "data after the replacing upsert")
            s.expectEqual(replaced.createdAt, created.createdAt, "created_at after the replacing upsert")
            s.expect(replaced.etag != created.etag, "etag after the replacing upsert: expected a new one, got the same \(created.etag ?? "")")
        },
        rule("documents.durable", documents, "documents survive closing the instance and opening another on the same data") { s in
            try await s.makeContainer("keep")
            var written: [Document] = []
            for i in 0..<3 { written.append(try await s.put("keep", "d\(i)", ["i": .int(i)], pk: "p\(i % 2)")) }
            written[1] = try await s.put("keep", "d1", ["i": 10], pk: "p1", method: Method.documentUpsert)
            _ = try await s.reopen()
            s.expectEqual(try await s.call(Method.containerList, Empty(), as: ContainerList.self).containers, ["keep"], "containers after reopening")
            for doc in written {
                s.expectEqual(try await s.read("keep", doc.id, pk: doc.partitionKey), doc, "\(doc.id) after reopening")
            }
        },
        rule("documents.concurrent-upserts", documents, "concurrent unconditional upserts all land") { s in
            try await s.makeContainer("c")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<200 {
                    group.addTask { _ = try await s.put("c", "u" + padded(i, 3), ["i": .int(i)], pk: "p\(i % 4)", method: Method.documentUpsert) }
                }
                try await group.waitForAll()
            }
            let all = try await s.call(Method.documentQuery, QueryRequest(container: "c", maxItems: 1000), as: QueryResult.self)
            s.expectEqual(all.documents.count, 200, "documents after 200 concurrent upserts")
            s.expect(all.documents.allSatisfy { $0.data["i"]?.intValue.map { "u" + padded($0, 3) } == $0.id }, "every document holds its own data")
        },
    ]

    // MARK: ETags and if_match

    static let etagRules: [ConformanceRule] = [
        rule("etag.format", etags, "etag is a strong entity tag with its quotes, new on every write even of identical data") { s in
            try await s.makeContainer("c")
            var seen: Set<String> = []
            for method in [Method.documentCreate, Method.documentReplace, Method.documentUpsert, Method.documentUpsert] {
                let d = try await s.put("c", "a", ["same": true], method: method)
                let e = try s.require(d.etag, "\(method): etag")
                s.expect(IfMatchSyntax.isStrongTag(e), "\(method): etag must be \"…\" (quotes included, 1–128 characters of ! or #…~), got \(e)")
                s.expect(!seen.contains(e), "\(method): etag must be new on every write, got \(e) again")
                seen.insert(e)
            }
        },
        rule("etag.if-match", etags, "replace, upsert, delete and read happen only when if_match equals the current etag; a mismatch is precondition_failed and changes nothing") { s in
            try await s.makeContainer("c")
            let v1 = try await s.put("c", "a", ["v": 1])
            let v2 = try await s.put("c", "a", ["v": 2], method: Method.documentReplace, ifMatch: v1.etag)
            s.expectEqual(v2.data, ["v": 2], "replace with the current etag")
            let stale = WriteRequest(container: "c", document: Document(id: "a", partitionKey: "p", data: ["v": 3]), ifMatch: v1.etag)
            let msg = await s.expectError(Method.documentReplace, stale, .preconditionFailed, "stale etag")
            s.expectEqual(msg, "etag mismatch for document \"a\": If-Match \(v1.etag ?? ""), current \(v2.etag ?? "")", "message")
            await s.expectError(Method.documentUpsert, stale, .preconditionFailed, "stale etag")
            await s.expectError(Method.documentDelete, DocumentKey(container: "c", id: "a", partitionKey: "p", ifMatch: v1.etag), .preconditionFailed, "stale etag")
            await s.expectError(Method.documentRead, DocumentKey(container: "c", id: "a", partitionKey: "p", ifMatch: v1.etag), .preconditionFailed, "stale etag")
            s.expectEqual(try await s.read("c", "a"), v2, "the document after refused writes")
            s.expectEqual(try await s.call(Method.documentRead, DocumentKey(container: "c", id: "a", partitionKey: "p", ifMatch: v2.etag), as: Document.self), v2, "read with the current etag")
            let v3 = try await s.put("c", "a", ["v": 4], method: Method.documentUpsert, ifMatch: v2.etag)
            s.expectEqual(v3.data, ["v": 4], "upsert with the current etag")
            s.expectEqual(try await s.raw(Method.documentDelete, String(decoding: try Wire.encode(DocumentKey(container: "c", id: "a", partitionKey: "p", ifMatch: v3.etag)), as: UTF8.self)),
                          ["deleted": true], "delete with the current etag")
        },
        rule("etag.star", etags, "if_match * matches any existing document and fails the precondition of a missing one") { s in
            try await s.makeContainer("c")
            let v1 = try await s.put("c", "a", ["v": 1])
            let v2 = try await s.put("c", "a", ["v": 2], method: Method.documentReplace, ifMatch: "*")
            s.expectEqual(v2.data, ["v": 2], "replace with *")
            let v3 = try await s.put("c", "a", ["v": 3], method: Method.documentUpsert, ifMatch: "*")
            s.expectEqual(v3.createdAt, v1.createdAt, "upsert with *: created_at")
            s.expectEqual(try await s.call(Method.documentRead, DocumentKey(container: "c", id: "a", partitionKey: "p", ifMatch: "*"), as: Document.self), v3, "read with *")
            let ghost = WriteRequest(container: "c", document: Document(id: "ghost", partitionKey: "p", data: [:]), ifMatch: "*")
            let msg = await s.expectError(Method.documentUpsert, ghost, .preconditionFailed, "upsert with * of a missing document")
            s.expect(msg?.hasSuffix("current none (the document does not exist)") ?? true, "upsert with * of a missing document: message must end \"current none (the document does not exist)\", got \(msg ?? "")")
            await s.expectError(Method.documentReplace, ghost, .notFound, "replace with * of a missing document")
            await s.expectError(Method.documentRead, DocumentKey(container: "c", id: "ghost", partitionKey: "p"), .notFound, "nothing was created")
            s.expectEqual(try await s.call(Method.documentDelete, DocumentKey(container: "c", id: "a", partitionKey: "p", ifMatch: "*"), as: DeleteResult.self),
                          DeleteResult(deleted: true), "delete with *")
            await s.expectError(Method.documentDelete, DocumentKey(container: "c", id: "a", partitionKey: "p", ifMatch: "*"), .notFound, "delete with * of a missing document")
        },
        rule("etag.upsert-missing", etags, "upsert with if_match of a missing document is precondition_failed and creates nothing") { s in
            try await s.makeContainer("c")
            let other = try await s.put("c", "other", [:])
            let ghost = WriteRequest(container: "c", document: Document(id: "ghost", partitionKey: "p", data: [:]), ifMatch: other.etag)
            let msg = await s.expectError(Method.documentUpsert, ghost, .preconditionFailed)
            s.expectEqual(msg, "etag mismatch for document \"ghost\": If-Match \(other.etag ?? ""), current none (the document does not exist)", "message")
            await s.expectError(Method.documentRead, DocumentKey(container: "c", id: "ghost", partitionKey: "p"), .notFound, "nothing was created")
            await s.expectError(Method.documentReplace, ghost, .notFound, "replace with if_match of a missing document")
        },
        rule("etag.refused-values", etags, "a weak, unquoted or empty if_match is invalid_argument on every method; create takes no if_match") { s in
            try await s.makeContainer("c")
            let doc = try await s.put("c", "a", ["v": 1])
            let tag = try s.require(doc.etag, "etag")
            for bad in ["W/\(tag)", String(tag.dropFirst().dropLast()), "", "\(tag), \(tag)"] {
                let label = "if_match \(JSONValue.string(bad))"
                let w = WriteRequest(container: "c", document: Document(id: "a", partitionKey: "p", data: ["v": 2]), ifMatch: bad)
                let msg = await s.expectError(Method.documentReplace, w, .invalidArgument, label)
                s.expect(msg?.hasPrefix("field \"if_match\": ") ?? true, "replace, \(label): message must start with field \"if_match\": , got \(msg ?? "")")
                await s.expectError(Method.documentUpsert, w, .invalidArgument, label)
                await s.expectError(Method.documentRead, DocumentKey(container: "c", id: "a", partitionKey: "p", ifMatch: bad), .invalidArgument, label)
                await s.expectError(Method.documentDelete, DocumentKey(container: "c", id: "a", partitionKey: "p", ifMatch: bad), .invalidArgument, label)
            }
            s.expectEqual(try await s.read("c", "a"), doc, "the document after refused calls")
            let create = WriteRequest(container: "c", document: Document(id: "b", partitionKey: "p", data: [:]), ifMatch: tag)
            let msg = await s.expectError(Method.documentCreate, create, .invalidArgument, "create with if_match")
            s.expectEqual(msg, "field \"if_match\": storage.create takes no if_match (use storage.replace or storage.upsert)", "message")
            await s.expectError(Method.documentRead, DocumentKey(container: "c", id: "b", partitionKey: "p"), .notFound, "nothing was created")
        },
        rule("etag.one-winner", etags, "of concurrent replaces with the same if_match exactly one succeeds") { s in
            try await s.makeContainer("c")
            let base = try await s.put("c", "counter", ["n": 0])
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 1...20 {
                    group.addTask {
                        do {
                            _ = try await s.put("c", "counter", ["n": .int(i)], method: Method.documentReplace, ifMatch: base.etag)
                            return true
                        } catch let e as WireError where e.code == .preconditionFailed {
                            return false
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            s.expectEqual(outcomes.filter { $0 }.count, 1, "successful conditional replaces out of 20")
        },
    ]

    static let health = rule("health", "\(doc)#health", "health answers healthy with a latency") { s in
        let report = try await s.call(Method.health, Empty(), as: HealthReport.self)
        s.expectEqual(report.status, .healthy, "status")
        s.expect(report.error == nil, "error: expected none, got \(report.error ?? "")")
        s.expect(report.latencyMs >= 0, "latency_ms: expected ≥ 0, got \(report.latencyMs)")
    }
}

/// The syntax of an entity tag (the kit does not link the providers' StorageSupport).
enum IfMatchSyntax {
    static func isStrongTag(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.count >= 3, b.count <= 130, b.first == 0x22, b.last == 0x22 else { return false }
        return b.dropFirst().dropLast().allSatisfy { $0 == 0x21 || (0x23...0x7e).contains($0) }
    }
}

/// `i` in decimal, left-padded with zeros to `width` digits.
func padded(_ i: Int, _ width: Int) -> String {
    let s = String(i)
    return String(repeating: "0", count: max(0, width - s.count)) + s
}

extension ConformanceCheck {
    func makeContainer(_ name: String) async throws {
        _ = try await call(Method.containerCreate, ContainerRequest(container: name), as: ContainerResult.self)
    }

    /// Writes a document with `method` (create by default) and returns what the provider stored.
    func put(_ container: String, _ id: String, _ data: JSONValue, pk: String = "p",
             method: String = Method.documentCreate, ifMatch: String? = nil) async throws -> Document {
        try await call(method, WriteRequest(container: container, document: Document(id: id, partitionKey: pk, data: data), ifMatch: ifMatch),
                       as: Document.self)
    }

    func read(_ container: String, _ id: String, pk: String = "p") async throws -> Document {
        try await call(Method.documentRead, DocumentKey(container: container, id: id, partitionKey: pk), as: Document.self)
    }

    /// The ids of one page of `q`, in result order.
    func ids(_ q: QueryRequest) async throws -> [String] {
        try await call(Method.documentQuery, q, as: QueryResult.self).documents.map(\.id)
    }
}
