import Foundation
import HostCore
import LightningTestSupport
import LightningProtocol
import Testing

/// cosmos-storage through the real loader against the loopback Cosmos DB fake, which recomputes
/// every signature: authentication failures, status mapping, throttling, the wire shape of
/// requests, config errors and secrets. The contract itself is checked by
/// Tests/ConformanceTests/StorageConformanceTests.swift (provider `cosmos-storage`).
@Suite(.serialized, .timeLimit(.minutes(2)))
struct CosmosStorageTests {
    @Test func wrongKeyIsUnauthenticatedWithCosmosMessageAndNoSecret() async throws {
        let wrong = CosmosTestEnv.randomKey()
        try await withCosmos(key: wrong) { s, fake in
            let e = try #require(await s.expectError(Method.containerCreate, ContainerRequest(container: "c"), .unauthenticated))
            #expect(e.message.contains("HTTP 401"), "\(e.message)")
            #expect(e.message.contains("The input authorization token can't serve the request"), "\(e.message)")
            #expect(e.message.contains("Server used the following payload to sign: 'post\\ndbs\\n\\n"), "\(e.message)")
            #expect(!e.message.contains(wrong) && !e.message.contains(CosmosTestEnv.key))
            #expect(fake.log.contains("REFUSED POST /dbs -> 401 Unauthorized"))

            let health = try await s.call(Method.health, Empty(), as: HealthReport.self)
            #expect(health.status == .unhealthy)
            let reason = try #require(health.error)
            #expect(reason.contains("unauthenticated") && reason.contains("HTTP 401"), "\(reason)")
            #expect(!reason.contains(wrong))
        }
    }

    @Test func healthReadsTheDatabaseAccount() async throws {
        try await withCosmos { s, fake in
            let health = try await s.call(Method.health, Empty(), as: HealthReport.self)
            #expect(health.status == .healthy)
            #expect(health.error == nil)
            #expect(health.details?["database"] == "lightning")
            #expect(fake.log.contains("GET / pk=None"))
        }
    }

    @Test func skewedClockIsForbiddenAndReportedAsUnauthenticated() async throws {
        try await withCosmos(fakeArgs: ["--clock-skew", "1200"]) { s, fake in
            let e = try #require(await s.expectError(Method.containerList, Empty(), .unauthenticated))
            #expect(e.message.contains("HTTP 403") && e.message.contains("not valid at the current time"), "\(e.message)")
            #expect(fake.log.contains("-> 403 Forbidden"))
        }
    }

    @Test func cosmosStatusesMapToContractErrors() async throws {
        try await withCosmos { s, fake in
            try await s.makeContainer("c")
            // 404 on a document and on a collection
            let missingDoc = await s.expectError(Method.documentRead, DocumentKey(container: "c", id: "x", partitionKey: "p"), .notFound)
            #expect(missingDoc?.message == #"document "x" (partition "p") not found in container "c""#)
            let missingColl = await s.expectError(Method.documentRead, DocumentKey(container: "gone", id: "x", partitionKey: "p"), .notFound)
            #expect(missingColl?.message == #"container "gone" does not exist"#)
            #expect(fake.log.contains("REFUSED GET /dbs/lightning/colls/c/docs/x -> 404 NotFound"))
            // 409 on a duplicate id in the same partition
            let first = try await s.put("c", "a", ["v": 1])
            let dup = await s.expectError(Method.documentCreate, WriteRequest(container: "c", document: Document(id: "a", partitionKey: "p", data: [:])), .conflict)
            #expect(dup?.message == #"document "a" (partition "p") already exists in container "c""#)
            #expect(fake.log.contains("REFUSED POST /dbs/lightning/colls/c/docs -> 409 Conflict"))
            // 412 when another writer changed the document between read and write (server-side If-Match)
            let second = try await s.put("c", "a", ["v": 2], method: Method.documentReplace, ifMatch: first.etag)
            let stale = DocumentKey(container: "c", id: "a", partitionKey: "p", ifMatch: first.etag)
            let e412 = await s.expectError(Method.documentDelete, stale, .preconditionFailed)
            #expect(e412?.message == "etag mismatch for document \"a\": If-Match \(first.etag ?? ""), current \(second.etag ?? "")")
            #expect(fake.log.contains("REFUSED DELETE /dbs/lightning/colls/c/docs/a -> 412 PreconditionFailed"))
            // Cosmos's _etag is the contract's etag.
            #expect(second.etag?.hasPrefix("\"") == true && second.etag?.hasSuffix("\"") == true)
        }
    }

    @Test func throttledRequestsAreRetriedThenSucceed() async throws {
        try await withCosmos { s, fake in
            try await CosmosTestEnv.throttle(fake, count: 3, retryAfterMs: 5)
            #expect(try await s.call(Method.containerCreate, ContainerRequest(container: "c"), as: ContainerResult.self).created == true)
            #expect(fake.log.components(separatedBy: "-> 429 TooManyRequests").count - 1 == 3)
            #expect(try await s.call(Method.containerExists, ContainerRequest(container: "c"), as: ContainerResult.self).exists == true)
        }
    }

    @Test func throttlingBeyondTheRetryBudgetIsThrottled() async throws {
        try await withCosmos(extra: ["max_throttle_retries": 2]) { s, fake in
            try await CosmosTestEnv.throttle(fake, count: 10, retryAfterMs: 5)
            let e = try #require(await s.expectError(Method.containerList, Empty(), .throttled))
            #expect(e.message.contains("still throttled (HTTP 429) after 3 attempt(s)"), "\(e.message)")
            #expect(fake.log.components(separatedBy: "-> 429 TooManyRequests").count - 1 == 3)
        }
    }

    @Test func pointOperationsCarryThePartitionKeyHeader() async throws {
        try await withCosmos { s, fake in
            try await s.makeContainer("c")
            _ = try await s.put("c", "a", ["v": 1], pk: "Zürich \"q\"")
            #expect(try await s.read("c", "a", pk: "Zürich \"q\"").partitionKey == "Zürich \"q\"")
            #expect(fake.log.contains(#"GET /dbs/lightning/colls/c/docs/a pk=["Z\u00fcrich \"q\""]"#), "\(fake.log)")
            // Without the header the fake (as Cosmos) refuses a point operation: the plugin never omits it.
            #expect(!fake.log.contains("PartitionKey value must be supplied"))
        }
    }

    @Test func queriesAreMergedAcrossPartitionKeyRangesInKeyOrder() async throws {
        for ranges in ["1", "4"] {
            try await withCosmos(fakeArgs: ["--ranges", ranges]) { s, fake in
                try await s.makeContainer("c")
                var expected: [String] = []
                for i in 0..<23 {
                    let pk = "k\(i % 7)", id = "d\(i)"
                    _ = try await s.put("c", id, ["kind": "x", "n": .int(i % 2)], pk: pk)
                    if i % 2 == 0 { expected.append("\(pk)/\(id)") }
                }
                expected.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
                var seen: [String] = []
                var token: String?
                var pages = 0
                repeat {
                    let page = try await s.call(Method.documentQuery, QueryRequest(container: "c", where: ["n": 0], maxItems: 5, continuation: token),
                                                as: QueryResult.self)
                    seen += page.documents.map { "\($0.partitionKey)/\($0.id)" }
                    token = page.continuation
                    pages += 1
                } while token != nil && pages < 10
                #expect(seen == expected, "ranges \(ranges)")
                #expect(pages == 3)
                #expect(fake.log.contains("range=\(Int(ranges)! - 1)"))
                #expect(!fake.log.contains("cross partition query can not be directly served"))
            }
        }
    }

    @Test func cosmosPagesAreFollowedWithinOneContractPage() async throws {
        // The fake cuts every query response at 3 documents, as Cosmos cuts at its size limit.
        try await withCosmos(fakeArgs: ["--ranges", "2", "--max-page", "3"]) { s, fake in
            try await s.makeContainer("c")
            for i in 0..<20 { _ = try await s.put("c", "d" + (i < 10 ? "0\(i)" : "\(i)"), ["i": .int(i)], pk: "p\(i % 3)") }
            let page = try await s.call(Method.documentQuery, QueryRequest(container: "c", maxItems: 12), as: QueryResult.self)
            #expect(page.documents.count == 12)
            let rest = try await s.call(Method.documentQuery, QueryRequest(container: "c", maxItems: 12, continuation: page.continuation),
                                        as: QueryResult.self)
            #expect(rest.documents.count == 8)
            #expect(rest.continuation == nil)
            let all = (page.documents + rest.documents).map { "\($0.partitionKey)/\($0.id)" }
            #expect(all == all.sorted() && Set(all).count == 20)
            #expect(fake.log.contains("POST /dbs/lightning/colls/c/docs pk=None range=0 continuation=yes"))
            let one = try await s.call(Method.documentQuery, QueryRequest(container: "c", partitionKey: "p1", maxItems: 100), as: QueryResult.self)
            #expect(one.documents.map(\.id) == ["d01", "d04", "d07", "d10", "d13", "d16", "d19"])
            #expect(fake.log.contains(#"POST /dbs/lightning/colls/c/docs pk=["p1"] range=None continuation=yes"#))
        }
    }

    @Test func cosmosBadRequestsAreInvalidArgumentWithTheServiceMessage() async throws {
        // A collection partitioned on another path (created by an instance configured with
        // /tenant) refuses documents that lack that property: Cosmos's 400 reaches the caller.
        try await withCosmos(extra: ["partition_key_path": "/tenant"]) { s, fake in
            try await s.makeContainer("c")
            let other = try CosmosTestEnv.open(fake)
            let e = await other.expectError(Method.documentCreate, WriteRequest(container: "c", document: Document(id: "a", partitionKey: "p", data: [:])),
                                            .invalidArgument)
            #expect(e?.message == "Cosmos DB: POST /dbs/lightning/colls/c/docs: HTTP 400 BadRequest: PartitionKey extracted from document doesn't match the one specified in the header.")
            await other.close()
        }
    }

    @Test func aConfiguredPartitionKeyPathHoldsThePartitionKey() async throws {
        try await withCosmos(extra: ["partition_key_path": "/tenant", "database": "other"]) { s, fake in
            try await s.makeContainer("c")
            let doc = try await s.put("c", "a", ["v": 1], pk: "t1")
            #expect(try await s.read("c", "a", pk: "t1") == doc)
            let found = try await s.call(Method.documentQuery, QueryRequest(container: "c", partitionKey: "t1", where: ["v": 1]), as: QueryResult.self)
            #expect(found.documents == [doc])
            #expect(fake.log.contains("POST /dbs/other/colls/c/docs"))
        }
    }

    @Test func endpointAndKeyFieldsWorkLikeTheConnectionString() async throws {
        let fake = try await CosmosTestEnv.startFake()
        let s = try CosmosTestEnv.open(["endpoint": .string(fake.baseURL), "key": .string(CosmosTestEnv.key)])
        let created = try await s.call(Method.containerCreate, ContainerRequest(container: "c"), as: ContainerResult.self)
        let listed = try await s.call(Method.containerList, Empty(), as: ContainerList.self)
        await s.close()
        #expect(created.created == true)
        #expect(listed.containers == ["c"])
        #expect(fake.log.contains("POST /dbs/lightning/colls"))
    }

    @Test func configErrorsNameTheFieldAndNeverTheKey() throws {
        let key = CosmosTestEnv.key
        let cases: [([String: JSONValue], String)] = [
            ([:], "no endpoint given"),
            (["connection_string": "AccountEndpoint=http://127.0.0.1:1/;"], "missing AccountKey="),
            (["connection_string": .string("AccountKey=\(key);")], "missing AccountEndpoint="),
            (["endpoint": "http://127.0.0.1:1"], "no key given"),
            (["endpoint": "ftp://x", "key": .string(key)], #"config field "endpoint": expected an http(s) URL"#),
            (["endpoint": "http://127.0.0.1:1", "key": .string("this is !! not base64 \(key)")], "Cosmos DB account key: expected the base64 key"),
            (["endpoint": "http://127.0.0.1:1", "key": 5], #"config field "key": expected a string, got an integer"#),
            (["endpoint": "http://127.0.0.1:1", "key": .string(key), "partition_key_path": "/data"], #"config field "partition_key_path""#),
            (["endpoint": "http://127.0.0.1:1", "key": .string(key), "partition_key_path": "a/b"], #"config field "partition_key_path""#),
            (["endpoint": "http://127.0.0.1:1", "key": .string(key), "database": "a/b"], #"config field "database""#),
            (["endpoint": "http://127.0.0.1:1", "key": .string(key), "max_throttle_retries": -1], #"config field "max_throttle_retries""#),
        ]
        for (config, expected) in cases {
            do {
                _ = try CosmosTestEnv.open(config)
                Issue.record("config \(config.keys.sorted()): expected a failure containing \(expected)")
            } catch {
                let text = "\(error)"
                #expect(text.contains(expected), "\(text)")
                #expect(!text.contains(key) && !text.contains("C2y6yDjf5"), "secret in: \(text)")
            }
        }
    }

    @Test func unreachableAccountIsUnavailableAndUnhealthy() async throws {
        // A port nothing listens on (the fake's, after it is gone).
        var url = ""
        do { url = try await CosmosTestEnv.startFake().baseURL }
        try await Task.sleep(for: .milliseconds(50))
        let s = try CosmosTestEnv.open(["endpoint": .string(url), "key": .string(CosmosTestEnv.key), "request_timeout_seconds": 5])
        let e = try #require(await s.expectError(Method.containerList, Empty(), .unavailable))
        #expect(e.message.hasPrefix("Cosmos DB: GET \(url)/dbs/lightning/colls failed"), "\(e.message)")
        let health = try await s.call(Method.health, Empty(), as: HealthReport.self)
        #expect(health.status == .unhealthy)
        #expect(health.error?.contains("unavailable") == true)
        await s.close()
    }
}
