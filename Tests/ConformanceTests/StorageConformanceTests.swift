import Foundation
import LightningTestSupport
import HostCore
import LightningProtocol
import Testing

/// The storage contract (docs/plugin-abi.md#storage), checked at the ABI boundary against every
/// storage provider in `providers`. Nothing here depends on how a provider stores documents:
/// a new provider joins by adding one line to `providers`. Provider-specific checks (config,
/// ETag format, file layout) live in nested suites at the end.
@Suite(.timeLimit(.minutes(2)))
struct StorageConformanceTests {
    /// A storage provider library and the config to run it with.
    struct Provider: Sendable, CustomTestStringConvertible {
        let product: String
        let id: String
        var config: [String: JSONValue] = [:]
        /// The isolation tier the suite runs it in (an orthogonal dimension: `.inTier(.process)`).
        var tier: PluginUnderTest.Tier = .inProcess
        var testDescription: String { tier == .inProcess ? id : "\(id) (\(tier.rawValue))" }

        func open(dataDir: URL? = nil) throws -> PluginUnderTest {
            try PluginUnderTest.open(product: product, id: id, config: config, dataDir: dataDir, tier: tier)
        }

        /// The same provider in another isolation tier.
        func inTier(_ t: PluginUnderTest.Tier) -> Provider { var p = self; p.tier = t; return p }

        static let sqlite = Provider(product: "LightningSQLiteStorage", id: "sqlite-storage")
        /// Cosmos DB against its loopback fake (Tests/Fakes/cosmos_fake.py, the emulator's published key).
        static let cosmos = Provider(product: "LightningCosmosStorage", id: "cosmos-storage",
                                     config: ["key": "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="],
                                     fake: "cosmos_fake.py")

        /// PostgreSQL on the server of `LT_POSTGRES_URL` (Tests/Fakes/postgres-setup.sh), each
        /// store in its own schema named after its data directory (so reopening finds it again).
        static let postgres = Provider(product: "LightningPostgresStorage", id: "postgres-storage", onPostgres: true)

        /// A loopback fake (a script in Tests/Fakes) the provider needs, started per store.
        var fake: String? = nil
        /// Runs against `PostgresTestServer`: `start` adds `url` and a per-store `schema`.
        var onPostgres = false

        /// Opens the provider; with a `fake`, starts it (or reuses `server`, to reopen the same
        /// account) and passes its URL as config `endpoint`.
        func start(dataDir: URL? = nil, fake server: FakeServer? = nil) async throws -> PluginUnderTest {
            if onPostgres {
                let dir = dataDir ?? FileManager.default.temporaryDirectory.appendingPathComponent("lt-conf-\(UUID().uuidString.prefix(8))")
                var cfg = config
                cfg["url"] = .string(try PostgresTestServer.requireURL())
                cfg["schema"] = cfg["schema"] ?? .string(PostgresTestServer.schema(for: dir.lastPathComponent))
                return try PluginUnderTest.open(product: product, id: id, config: cfg, dataDir: dir, tier: tier)
            }
            guard let fake else { return try open(dataDir: dataDir) }
            let running: FakeServer
            if let server { running = server } else { running = try await FakeServer(script: fake) }
            var cfg = config
            cfg["endpoint"] = .string(running.baseURL)
            var store = try PluginUnderTest.open(product: product, id: id, config: cfg, dataDir: dataDir, tier: tier)
            store.fake = running
            return store
        }
    }

    static let providers: [Provider] = [.sqlite, .sqlite.inTier(.process), .cosmos, .cosmos.inTier(.process)]
        + (ExternalTool.shouldRun(ExternalTool.hasPostgres) ? [.postgres, .postgres.inTier(.process)] : [])

    // MARK: Containers

    @Test(arguments: providers)
    func containersAreCreatedListedAndDeleted(_ p: Provider) async throws {
        try await withStore(p) { s in
            #expect(try await s.raw(Method.containerExists, #"{"container":"orders"}"#) == ["exists": false])
            #expect(try await s.raw(Method.containerCreate, #"{"container":"orders","partition_key_path":"/customer"}"#) == ["created": true])
            #expect(try await s.raw(Method.containerCreate, #"{"container":"orders"}"#) == ["created": false])
            try await s.makeContainer("alpha")
            #expect(try await s.raw(Method.containerExists, #"{"container":"orders"}"#) == ["exists": true])
            #expect(try await s.call(Method.containerList, Empty(), as: ContainerList.self).containers == ["alpha", "orders"])

            #expect(try await s.raw(Method.containerDelete, #"{"container":"orders"}"#) == ["deleted": true])
            #expect(try await s.raw(Method.containerDelete, #"{"container":"orders"}"#) == ["deleted": false])
            #expect(try await s.raw(Method.containerExists, #"{"container":"orders"}"#) == ["exists": false])
            #expect(try await s.call(Method.containerList, Empty(), as: ContainerList.self).containers == ["alpha"])
        }
    }

    @Test(arguments: providers)
    func deletingAContainerDeletesItsDocuments(_ p: Provider) async throws {
        try await withStore(p) { s in
            try await s.makeContainer("c")
            _ = try await s.put("c", "a", ["n": 1])
            _ = try await s.put("c", "b", ["n": 2], pk: "other")
            _ = try await s.call(Method.containerDelete, ContainerRequest(container: "c"), as: ContainerResult.self)
            try await s.makeContainer("c")
            let msg = await s.expectError(Method.documentRead, DocumentKey(container: "c", id: "a", partitionKey: "p"), .notFound)
            #expect(msg == #"document "a" (partition "p") not found in container "c""#)
            #expect(try await s.ids(QueryRequest(container: "c")) == [])
        }
    }

    // MARK: Documents

    @Test(arguments: providers)
    func createConflictsOnTheSameKeyOnly(_ p: Provider) async throws {
        try await withStore(p) { s in
            try await s.makeContainer("c")
            _ = try await s.put("c", "a", ["v": 1], pk: "p1")
            let msg = await s.expectError(Method.documentCreate, WriteRequest(container: "c", document: Document(id: "a", partitionKey: "p1", data: ["v": 2])), .conflict)
            #expect(msg == #"document "a" (partition "p1") already exists in container "c""#)
            _ = try await s.put("c", "a", ["v": 3], pk: "p2")
            #expect(try await s.read("c", "a", pk: "p1").data == ["v": 1])
            #expect(try await s.read("c", "a", pk: "p2").data == ["v": 3])
        }
    }

    @Test(arguments: providers)
    func readReturnsTheStoredDocumentWithItsMetadata(_ p: Provider) async throws {
        try await withStore(p) { s in
            try await s.makeContainer("c")
            let data: JSONValue = ["name": "Ada", "tags": ["x", "y"], "address": ["city": "Oslo", "zip": 150], "ratio": 0.25, "none": nil]
            let written = try await s.put("c", "ada", data, pk: "people")
            #expect(written.id == "ada")
            #expect(written.partitionKey == "people")
            #expect(written.data == data)
            #expect(written.etag?.isEmpty == false)
            #expect(written.createdAt != nil)
            #expect(written.createdAt == written.updatedAt)
            #expect(try await s.read("c", "ada", pk: "people") == written)
            // The partition key is part of the key.
            await s.expectError(Method.documentRead, DocumentKey(container: "c", id: "ada", partitionKey: "robots"), .notFound)
        }
    }

    @Test(arguments: providers)
    func replaceHonoursIfMatchAndKeepsCreatedAt(_ p: Provider) async throws {
        try await withStore(p) { s in
            try await s.makeContainer("c")
            let v1 = try await s.put("c", "a", ["v": 1])
            try await Task.sleep(for: .milliseconds(20))
            let v2 = try await s.put("c", "a", ["v": 2], method: Method.documentReplace, ifMatch: v1.etag)
            #expect(v2.data == ["v": 2])
            #expect(v2.etag != nil && v2.etag != v1.etag)
            #expect(v2.createdAt == v1.createdAt)
            #expect(try #require(v2.updatedAt) > #require(v1.updatedAt))

            let stale = WriteRequest(container: "c", document: Document(id: "a", partitionKey: "p", data: ["v": 3]), ifMatch: v1.etag)
            let msg = await s.expectError(Method.documentReplace, stale, .preconditionFailed)
            #expect(msg == "etag mismatch for document \"a\": If-Match \(v1.etag ?? ""), current \(v2.etag ?? "")")
            #expect(try await s.read("c", "a") == v2)

            let v3 = try await s.put("c", "a", ["v": 4], method: Method.documentReplace)
            #expect(v3.data == ["v": 4])
            #expect(v3.etag != v2.etag)

            let missing = WriteRequest(container: "c", document: Document(id: "b", partitionKey: "p", data: [:]))
            let notFound = await s.expectError(Method.documentReplace, missing, .notFound)
            #expect(notFound == #"document "b" (partition "p") not found in container "c""#)
        }
    }

    @Test(arguments: providers)
    func upsertCreatesThenReplaces(_ p: Provider) async throws {
        try await withStore(p) { s in
            try await s.makeContainer("c")
            let created = try await s.put("c", "a", ["v": 1], method: Method.documentUpsert)
            #expect(created.createdAt == created.updatedAt)
            #expect(try await s.read("c", "a") == created)
            try await Task.sleep(for: .milliseconds(20))

            let replaced = try await s.put("c", "a", ["v": 2], method: Method.documentUpsert, ifMatch: created.etag)
            #expect(replaced.data == ["v": 2])
            #expect(replaced.createdAt == created.createdAt)
            #expect(try #require(replaced.updatedAt) > #require(created.updatedAt))
            #expect(replaced.etag != created.etag)

            let stale = WriteRequest(container: "c", document: Document(id: "a", partitionKey: "p", data: ["v": 3]), ifMatch: created.etag)
            await s.expectError(Method.documentUpsert, stale, .preconditionFailed)
            let unconditional = try await s.put("c", "a", ["v": 5], method: Method.documentUpsert)
            #expect(unconditional.data == ["v": 5])

            // If-Match on a document that does not exist fails the precondition and writes nothing.
            let ghost = WriteRequest(container: "c", document: Document(id: "ghost", partitionKey: "p", data: [:]), ifMatch: created.etag)
            await s.expectError(Method.documentUpsert, ghost, .preconditionFailed)
            await s.expectError(Method.documentRead, DocumentKey(container: "c", id: "ghost", partitionKey: "p"), .notFound)
        }
    }

    @Test(arguments: providers)
    func deleteHonoursIfMatch(_ p: Provider) async throws {
        try await withStore(p) { s in
            try await s.makeContainer("c")
            let doc = try await s.put("c", "a", ["v": 1])
            let other = try await s.put("c", "b", ["v": 2])
            let stale = DocumentKey(container: "c", id: "a", partitionKey: "p", ifMatch: other.etag)
            let msg = await s.expectError(Method.documentDelete, stale, .preconditionFailed)
            #expect(msg == "etag mismatch for document \"a\": If-Match \(other.etag ?? ""), current \(doc.etag ?? "")")
            #expect(try await s.read("c", "a") == doc)

            let key = DocumentKey(container: "c", id: "a", partitionKey: "p", ifMatch: doc.etag)
            #expect(try await s.raw(Method.documentDelete, String(decoding: try Wire.encode(key), as: UTF8.self)) == ["deleted": true])
            await s.expectError(Method.documentRead, DocumentKey(container: "c", id: "a", partitionKey: "p"), .notFound)
            let again = await s.expectError(Method.documentDelete, DocumentKey(container: "c", id: "a", partitionKey: "p"), .notFound)
            #expect(again == #"document "a" (partition "p") not found in container "c""#)

            let plain = try await s.call(Method.documentDelete, DocumentKey(container: "c", id: "b", partitionKey: "p"), as: DeleteResult.self)
            #expect(plain == DeleteResult(deleted: true))
            #expect(try await s.ids(QueryRequest(container: "c")) == [])
        }
    }

    @Test(arguments: providers)
    func missingContainersAndDocumentsAreNotFound(_ p: Provider) async throws {
        try await withStore(p) { s in
            let doc = Document(id: "x", partitionKey: "p", data: [:])
            let key = DocumentKey(container: "nope", id: "x", partitionKey: "p")
            let expected = #"container "nope" does not exist"#
            #expect(await s.expectError(Method.documentCreate, WriteRequest(container: "nope", document: doc), .notFound) == expected)
            #expect(await s.expectError(Method.documentUpsert, WriteRequest(container: "nope", document: doc), .notFound) == expected)
            #expect(await s.expectError(Method.documentReplace, WriteRequest(container: "nope", document: doc), .notFound) == expected)
            #expect(await s.expectError(Method.documentRead, key, .notFound) == expected)
            #expect(await s.expectError(Method.documentDelete, key, .notFound) == expected)
            #expect(await s.expectError(Method.documentQuery, QueryRequest(container: "nope"), .notFound) == expected)

            try await s.makeContainer("c")
            let msg = await s.expectError(Method.documentRead, DocumentKey(container: "c", id: "x", partitionKey: "p"), .notFound)
            #expect(msg == #"document "x" (partition "p") not found in container "c""#)
        }
    }

    @Test(arguments: providers)
    func invalidContainerNamesAndIdsAreRefused(_ p: Provider) async throws {
        try await withStore(p) { s in
            let badNames = ["", "has space", "a/b", "smörgås", "semi;colon", String(repeating: "n", count: 256)]
            for name in badNames {
                let msg = await s.expectError(Method.containerCreate, ContainerRequest(container: name), .invalidArgument)
                #expect(msg == "container name \(JSONValue.string(name)): expected 1 to 255 characters of letters, digits, '_', '-' or '.'")
                await s.expectError(Method.containerExists, ContainerRequest(container: name), .invalidArgument)
                await s.expectError(Method.documentQuery, QueryRequest(container: name), .invalidArgument)
            }
            #expect(try await s.call(Method.containerCreate, ContainerRequest(container: "A-b_c.9"), as: ContainerResult.self).created == true)
            let longest = String(repeating: "n", count: 255)
            #expect(try await s.call(Method.containerCreate, ContainerRequest(container: longest), as: ContainerResult.self).created == true)

            try await s.makeContainer("c")
            for id in ["", "a/b", "a\\b", "a?b", "a#b", String(repeating: "i", count: 256)] {
                let msg = await s.expectError(Method.documentCreate, WriteRequest(container: "c", document: Document(id: id, partitionKey: "p", data: [:])), .invalidArgument)
                #expect(msg?.hasPrefix("field \"id\": ") == true, "\(msg ?? "")")
                await s.expectError(Method.documentRead, DocumentKey(container: "c", id: id, partitionKey: "p"), .invalidArgument)
            }
            for id in ["héllo wörld", "with:colon", String(repeating: "i", count: 255)] {
                #expect(try await s.put("c", id, ["ok": true]).id == id)
                #expect(try await s.read("c", id).id == id)
            }
        }
    }

    // MARK: Queries

    @Test(arguments: providers)
    func queryMatchesNestedFieldsWithAnd(_ p: Provider) async throws {
        try await withStore(p) { s in
            try await s.makeContainer("c")
            _ = try await s.put("c", "ada", ["address": ["city": "Oslo", "geo": ["zone": 1]], "role": "admin"])
            _ = try await s.put("c", "bob", ["address": ["city": "Oslo", "geo": ["zone": 2]], "role": "user"])
            _ = try await s.put("c", "cy", ["address": ["city": "Bergen"], "role": "admin"])
            _ = try await s.put("c", "dee", ["address.city": "Oslo"])  // a key with a dot is not a path

            #expect(try await s.ids(QueryRequest(container: "c", where: ["address.city": "Oslo"])) == ["ada", "bob"])
            #expect(try await s.ids(QueryRequest(container: "c", where: ["address.city": "Oslo", "role": "admin"])) == ["ada"])
            #expect(try await s.ids(QueryRequest(container: "c", where: ["address.geo.zone": 2])) == ["bob"])
            #expect(try await s.ids(QueryRequest(container: "c", where: ["address.country": "NO"])) == [])
            #expect(try await s.ids(QueryRequest(container: "c")) == ["ada", "bob", "cy", "dee"])
            let all = try await s.call(Method.documentQuery, QueryRequest(container: "c"), as: QueryResult.self)
            #expect(all.continuation == nil)
            #expect(all.documents.allSatisfy { $0.etag != nil && $0.createdAt != nil && $0.updatedAt != nil })
        }
    }

    @Test(arguments: providers)
    func queryEqualityIsTypeCorrect(_ p: Provider) async throws {
        try await withStore(p) { s in
            try await s.makeContainer("c")
            let docs = [
                ("str", #"{"v":"1"}"#), ("int", #"{"v":1}"#), ("dbl", #"{"v":1.0}"#), ("half", #"{"v":1.5}"#),
                ("true", #"{"v":true}"#), ("null", #"{"v":null}"#), ("missing", #"{"w":1}"#),
                ("obj", #"{"v":{"b":2,"a":[1,"x"]}}"#), ("arr", #"{"v":[1,2]}"#),
            ]
            for (id, data) in docs {
                _ = try await s.raw(Method.documentCreate, #"{"container":"c","document":{"id":"\#(id)","partition_key":"p","data":\#(data)}}"#)
            }
            func matches(_ value: String) async throws -> [String] {
                let out = try await s.raw(Method.documentQuery, #"{"container":"c","where":{"v":\#(value)}}"#)
                return out["documents"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? ["<no documents>"]
            }
            #expect(try await matches(#""1""#) == ["str"])
            #expect(try await matches("1") == ["dbl", "int"])
            #expect(try await matches("1.0") == ["dbl", "int"])
            #expect(try await matches("1.5") == ["half"])
            #expect(try await matches("true") == ["true"])
            #expect(try await matches("false") == [])
            #expect(try await matches("null") == ["null"])
            #expect(try await matches(#"{"a":[1,"x"],"b":2}"#) == ["obj"])
            #expect(try await matches(#"{"a":[1,"x"]}"#) == [])
            #expect(try await matches("[1,2]") == ["arr"])
            #expect(try await matches("[2,1]") == [])
            #expect(try await s.ids(QueryRequest(container: "c", where: ["v.a": [1, "x"]])) == ["obj"])
            #expect(try await s.ids(QueryRequest(container: "c", where: ["v.b": 2])) == ["obj"])
        }
    }

    @Test(arguments: providers)
    func queryCanBeRestrictedToOnePartition(_ p: Provider) async throws {
        try await withStore(p) { s in
            try await s.makeContainer("c")
            _ = try await s.put("c", "b", ["k": "x"], pk: "p1")
            _ = try await s.put("c", "a", ["k": "y"], pk: "p1")
            _ = try await s.put("c", "a", ["k": "x"], pk: "p2")
            _ = try await s.put("c", "c", ["k": "x"], pk: "p2")

            let p1 = try await s.call(Method.documentQuery, QueryRequest(container: "c", partitionKey: "p1"), as: QueryResult.self)
            #expect(p1.documents.map { "\($0.partitionKey)/\($0.id)" } == ["p1/a", "p1/b"])
            let x = try await s.call(Method.documentQuery, QueryRequest(container: "c", where: ["k": "x"]), as: QueryResult.self)
            #expect(x.documents.map { "\($0.partitionKey)/\($0.id)" } == ["p1/b", "p2/a", "p2/c"])
            #expect(try await s.ids(QueryRequest(container: "c", partitionKey: "p2", where: ["k": "x"])) == ["a", "c"])
            #expect(try await s.ids(QueryRequest(container: "c", partitionKey: "p3")) == [])
        }
    }

    @Test(arguments: providers)
    func queryPagesInKeyOrderWithoutGapsOrDuplicates(_ p: Provider) async throws {
        try await withStore(p) { s in
            try await s.makeContainer("c")
            var expected: [String] = []
            for i in (0..<25).shuffled() {
                let pk = "p\(i % 3)", id = "d" + padded(i, 2)
                _ = try await s.put("c", id, ["kind": "page", "i": .int(i)], pk: pk)
                expected.append("\(pk)/\(id)")
            }
            for i in 0..<5 { _ = try await s.put("c", "z\(i)", ["kind": "other"], pk: "p1") }
            expected.sort()

            var seen: [String] = []
            var sizes: [Int] = []
            var token: String?
            repeat {
                let page = try await s.call(Method.documentQuery,
                                            QueryRequest(container: "c", where: ["kind": "page"], maxItems: 10, continuation: token),
                                            as: QueryResult.self)
                sizes.append(page.documents.count)
                seen += page.documents.map { "\($0.partitionKey)/\($0.id)" }
                token = page.continuation
            } while token != nil && sizes.count < 10
            #expect(sizes == [10, 10, 5])
            #expect(seen == expected)

            let one = try await s.call(Method.documentQuery, QueryRequest(container: "c", where: ["kind": "page"], maxItems: 25), as: QueryResult.self)
            #expect(one.documents.count == 25)
            #expect(one.continuation == nil)
            let byDefault = try await s.call(Method.documentQuery, QueryRequest(container: "c"), as: QueryResult.self)
            #expect(byDefault.documents.count == 30)
            #expect(byDefault.continuation == nil)
        }
    }

    @Test(arguments: providers)
    func continuationTokensBelongToTheirQuery(_ p: Provider) async throws {
        try await withStore(p) { s in
            try await s.makeContainer("c")
            try await s.makeContainer("d")
            for i in 0..<4 { _ = try await s.put("c", "a\(i)", ["kind": "x"]) }
            let first = try await s.call(Method.documentQuery, QueryRequest(container: "c", where: ["kind": "x"], maxItems: 2), as: QueryResult.self)
            let token = try #require(first.continuation)

            let refused = "continuation: token does not belong to this query"
            let others = [
                QueryRequest(container: "c", where: ["kind": "y"], maxItems: 2, continuation: token),
                QueryRequest(container: "c", where: [:], maxItems: 2, continuation: token),
                QueryRequest(container: "c", partitionKey: "p", where: ["kind": "x"], maxItems: 2, continuation: token),
                QueryRequest(container: "d", where: ["kind": "x"], maxItems: 2, continuation: token),
            ]
            for q in others {
                #expect(await s.expectError(Method.documentQuery, q, .invalidArgument) == refused)
            }
            await s.expectError(Method.documentQuery, QueryRequest(container: "c", where: ["kind": "x"], continuation: "not-a-token!"), .invalidArgument)

            // The same query continues where it stopped, whatever the page size.
            let rest = try await s.call(Method.documentQuery, QueryRequest(container: "c", where: ["kind": "x"], maxItems: 10, continuation: token), as: QueryResult.self)
            #expect(rest.documents.map(\.id) == ["a2", "a3"])
            #expect(rest.continuation == nil)
        }
    }

    @Test(arguments: providers)
    func queryArgumentsAreChecked(_ p: Provider) async throws {
        try await withStore(p) { s in
            try await s.makeContainer("c")
            for bad in [0, -1, 1001] {
                let msg = await s.expectError(Method.documentQuery, QueryRequest(container: "c", maxItems: bad), .invalidArgument)
                #expect(msg?.contains("max_items") == true, "\(msg ?? "")")
            }
            for good in [1, 1000] {
                _ = try await s.call(Method.documentQuery, QueryRequest(container: "c", maxItems: good), as: QueryResult.self)
            }
            for key in ["", "a..b", ".a", "a.", #"a"b"#] {
                let msg = await s.expectError(Method.documentQuery, QueryRequest(container: "c", where: [key: 1]), .invalidArgument)
                #expect(msg?.contains("where") == true && msg?.contains("\(JSONValue.string(key))") == true, "\(msg ?? "")")
            }
        }
    }

    // MARK: Durability and concurrency

    @Test(arguments: providers)
    func documentsSurviveReopeningTheStore(_ p: Provider) async throws {
        let first = try await p.start()
        var written: [Document] = []
        do {
            try await first.makeContainer("keep")
            for i in 0..<3 { written.append(try await first.put("keep", "d\(i)", ["i": .int(i)], pk: "p\(i % 2)")) }
            written[1] = try await first.put("keep", "d1", ["i": 10], pk: "p1", method: Method.documentUpsert)
        } catch {
            await first.close()
            throw error
        }
        await first.close()

        let second = try await p.start(dataDir: first.dataDir, fake: first.fake)
        defer { try? FileManager.default.removeItem(at: first.dataDir) }
        do {
            #expect(try await second.call(Method.containerList, Empty(), as: ContainerList.self).containers == ["keep"])
            for doc in written {
                #expect(try await second.read("keep", doc.id, pk: doc.partitionKey) == doc)
            }
        } catch {
            await second.close()
            throw error
        }
        await second.close()
    }

    @Test(arguments: providers)
    func concurrentUpsertsAllLand(_ p: Provider) async throws {
        try await withStore(p) { s in
            try await s.makeContainer("c")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<200 {
                    group.addTask {
                        _ = try await s.put("c", "u" + padded(i, 3), ["i": .int(i)], pk: "p\(i % 4)", method: Method.documentUpsert)
                    }
                }
                try await group.waitForAll()
            }
            let all = try await s.call(Method.documentQuery, QueryRequest(container: "c", maxItems: 1000), as: QueryResult.self)
            #expect(all.documents.count == 200)
            #expect(Set(all.documents.map(\.id)) == Set((0..<200).map { "u" + padded($0, 3) }))
            #expect(all.documents.allSatisfy { $0.data["i"]?.intValue.map { "u" + padded($0, 3) } == $0.id })
        }
    }

    @Test(arguments: providers)
    func concurrentConditionalReplacesHaveOneWinner(_ p: Provider) async throws {
        try await withStore(p) { s in
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
            #expect(outcomes.filter { $0 }.count == 1)
            #expect(outcomes.count == 20)
        }
    }

    @Test(arguments: providers)
    func healthReportsHealthy(_ p: Provider) async throws {
        try await withStore(p) { s in
            let report = try await s.call(Method.health, Empty(), as: HealthReport.self)
            #expect(report.status == .healthy)
            #expect(report.error == nil)
            #expect(report.latencyMs >= 0)
        }
    }

}

// MARK: Helpers

/// Runs `body` against a fresh instance of `p`, then closes it and removes its data.
private func withStore(_ p: StorageConformanceTests.Provider, _ body: (PluginUnderTest) async throws -> Void) async throws {
    let store = try await p.start()
    defer { try? FileManager.default.removeItem(at: store.dataDir) }
    do {
        try await body(store)
    } catch {
        await store.close()
        throw error
    }
    await store.close()
}

private extension PluginUnderTest {
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

    /// Calls `method` with literal JSON params and returns the literal JSON result, to check
    /// wire shapes exactly (`{"created": true}` and nothing else).
    func raw(_ method: String, _ json: String) async throws -> JSONValue {
        try Wire.decode(JSONValue.self, from: try await connection.call(method, Data(json.utf8)), what: "result of \(method)")
    }
}

/// `i` in decimal, left-padded with zeros to `width` digits.
private func padded(_ i: Int, _ width: Int) -> String {
    let s = String(i)
    return String(repeating: "0", count: max(0, width - s.count)) + s
}

extension StorageConformanceTests {
    /// What only the SQLite provider promises: its config, its files, its ETag format and the
    /// limits of its path syntax.
    @Suite struct SQLiteSpecifics {
        let provider = Provider.sqlite

        @Test func etagsAreSixteenHexDigitsInQuotes() async throws {
            try await withStore(provider) { s in
                try await s.makeContainer("c")
                let a = try await s.put("c", "a", [:])
                let b = try await s.put("c", "a", [:], method: Method.documentUpsert)
                for etag in [a.etag, b.etag] {
                    let e = try #require(etag)
                    #expect(e.wholeMatch(of: /"[0-9a-f]{16}"/) != nil, "\(e)")
                }
                #expect(a.etag != b.etag)
            }
        }

        @Test func configErrorsNameTheFieldAndValue() throws {
            let cases: [([String: JSONValue], String)] = [
                (["synchronous": "fast"], #"config field "synchronous": expected "full" or "normal", got "fast""#),
                (["synchronous": 1], #"config field "synchronous": expected "full" or "normal", got 1"#),
                (["path": 5], #"config field "path": expected a string, got an integer"#),
                (["path": ""], #"config field "path": expected a file path or ":memory:", got """#),
            ]
            for (config, message) in cases {
                let error = #expect(throws: HostError.self) { try Provider(product: provider.product, id: provider.id, config: config).open() }
                #expect(error?.code == .configInvalid)
                #expect(error?.message == message)
            }
            let plugin = try PluginUnderTest.Shared.loader.loadLibrary(at: BuildProducts.url("lib\(provider.product).so"), expectedId: provider.id)
            let error = #expect(throws: HostError.self) { try plugin.makeInstance(config: ["synchronous": "normal"]) }
            #expect(error?.message == #"config field "data_dir": required when "path" is not set (the host injects it)"#)
        }

        @Test func databaseFileDefaultsToDataDirAndParentsAreCreated() async throws {
            try await withStore(provider) { s in
                try await s.makeContainer("c")
                #expect(FileManager.default.fileExists(atPath: s.dataDir.appendingPathComponent("storage.sqlite").path))
            }
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lt-conf-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: dir) }
            let file = dir.appendingPathComponent("nested/deeper/db.sqlite")
            let custom = Provider(product: provider.product, id: provider.id, config: ["path": .string(file.path), "synchronous": "normal"])
            try await withStore(custom) { s in
                try await s.makeContainer("c")
                #expect(FileManager.default.fileExists(atPath: file.path))
                #expect(!FileManager.default.fileExists(atPath: s.dataDir.appendingPathComponent("storage.sqlite").path))
            }
            let relative = Provider(product: provider.product, id: provider.id, config: ["path": "sub/relative.sqlite"])
            try await withStore(relative) { s in
                try await s.makeContainer("c")
                #expect(FileManager.default.fileExists(atPath: s.dataDir.appendingPathComponent("sub/relative.sqlite").path))
            }
        }

        @Test func inMemoryDatabaseKeepsNoFile() async throws {
            let memory = Provider(product: provider.product, id: provider.id, config: ["path": ":memory:"])
            try await withStore(memory) { s in
                try await s.makeContainer("c")
                let doc = try await s.put("c", "a", ["v": 1])
                #expect(try await s.read("c", "a") == doc)
                #expect(try FileManager.default.contentsOfDirectory(atPath: s.dataDir.path) == [])
            }
        }

        @Test func unopenableDatabaseIsRefusedWithItsPath() throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lt-conf-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let directoryAsFile = Provider(product: provider.product, id: provider.id, config: ["path": .string(dir.path)])
            let e1 = #expect(throws: HostError.self) { try directoryAsFile.open() }
            #expect(e1?.message.hasPrefix("storage database \"\(dir.path)\": ") == true, "\(e1?.message ?? "")")

            let underAFile = Provider(product: provider.product, id: provider.id, config: ["path": "/dev/null/sub/db.sqlite"])
            let e2 = #expect(throws: HostError.self) { try underAFile.open() }
            #expect(e2?.message.hasPrefix(#"storage database "/dev/null/sub/db.sqlite": cannot create directory "/dev/null/sub": "#) == true,
                    "\(e2?.message ?? "")")
        }

        @Test func textWithNulCharactersIsKeptWhole() async throws {
            try await withStore(provider) { s in
                try await s.makeContainer("c")
                _ = try await s.put("c", "a", ["s": "x"])
                let nul = try await s.put("c", "a\u{0}b", ["s": "x\u{0}y"], pk: "p\u{0}q")
                #expect(try await s.read("c", "a\u{0}b", pk: "p\u{0}q") == nul)
                #expect(try await s.read("c", "a").data == ["s": "x"])
                #expect(try await s.ids(QueryRequest(container: "c", where: ["s": "x\u{0}y"])) == ["a\u{0}b"])
                #expect(try await s.ids(QueryRequest(container: "c", where: ["s": "x"])) == ["a"])
            }
        }

        @Test func whereKeysThePathSyntaxCannotExpressAreRefused() async throws {
            try await withStore(provider) { s in
                try await s.makeContainer("c")
                for key in [#"a\b"#, "a\u{1}b", "a..b"] {
                    let msg = await s.expectError(Method.documentQuery, QueryRequest(container: "c", where: [key: 1]), .invalidArgument)
                    #expect(msg == "field \"where\" key \(JSONValue.string(key)): expected a dotted path of non-empty names without '\"', '\\' or control characters")
                }
            }
        }
    }
}
