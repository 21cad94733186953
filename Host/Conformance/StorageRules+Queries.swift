import Foundation
import HostCore
import LightningProtocol

extension StorageRules {
    // MARK: Queries

    static let queryRules: [ConformanceRule] = [
        rule("query.paths", queries, "where maps dotted paths of data to values, all of which must match; a key with a dot in the data is not a path") { s in
            try await s.makeContainer("c")
            _ = try await s.put("c", "ada", ["address": ["city": "Oslo", "geo": ["zone": 1]], "role": "admin"])
            _ = try await s.put("c", "bob", ["address": ["city": "Oslo", "geo": ["zone": 2]], "role": "user"])
            _ = try await s.put("c", "cy", ["address": ["city": "Bergen"], "role": "admin"])
            _ = try await s.put("c", "dee", ["address.city": "Oslo"])
            s.expectEqual(try await s.ids(QueryRequest(container: "c", where: ["address.city": "Oslo"])), ["ada", "bob"], "address.city = Oslo")
            s.expectEqual(try await s.ids(QueryRequest(container: "c", where: ["address.city": "Oslo", "role": "admin"])), ["ada"], "two entries (AND)")
            s.expectEqual(try await s.ids(QueryRequest(container: "c", where: ["address.geo.zone": 2])), ["bob"], "three segments")
            s.expectEqual(try await s.ids(QueryRequest(container: "c", where: ["address.country": "NO"])), [], "a path no document has")
            s.expectEqual(try await s.ids(QueryRequest(container: "c")), ["ada", "bob", "cy", "dee"], "no where")
        },
        rule("query.arrays", queries, "a path segment names an object key and never indexes into an array; arrays compare whole and in order") { s in
            try await s.makeContainer("c")
            _ = try await s.raw(Method.documentCreate, #"{"container":"c","document":{"id":"list","partition_key":"p","data":{"tags":["x","y"]}}}"#)
            _ = try await s.raw(Method.documentCreate, #"{"container":"c","document":{"id":"map","partition_key":"p","data":{"tags":{"0":"x"}}}}"#)
            _ = try await s.raw(Method.documentCreate, #"{"container":"c","document":{"id":"nested","partition_key":"p","data":{"rows":[{"k":"v"}]}}}"#)
            s.expectEqual(try await s.ids(QueryRequest(container: "c", where: ["tags.0": "x"])), ["map"], "tags.0 = \"x\"")
            s.expectEqual(try await s.ids(QueryRequest(container: "c", where: ["rows.0.k": "v"])), [], "rows.0.k = \"v\"")
            s.expectEqual(try await s.ids(QueryRequest(container: "c", where: ["rows.k": "v"])), [], "rows.k = \"v\"")
            s.expectEqual(try await s.ids(QueryRequest(container: "c", where: ["tags": ["x", "y"]])), ["list"], "tags = [\"x\",\"y\"]")
            s.expectEqual(try await s.ids(QueryRequest(container: "c", where: ["tags": ["y", "x"]])), [], "tags = [\"y\",\"x\"]")
            s.expectEqual(try await s.ids(QueryRequest(container: "c", where: ["tags": "x"])), [], "tags = \"x\" (no membership test)")
        },
        rule("query.equality", queries, "equality is type-correct: \"1\" ≠ 1, 1 = 1.0, booleans only match booleans, null only an explicit null (never a missing field), arrays and objects by value") { s in
            try await s.makeContainer("c")
            let docs = [
                ("str", #"{"v":"1"}"#), ("int", #"{"v":1}"#), ("dbl", #"{"v":1.0}"#), ("half", #"{"v":1.5}"#),
                ("true", #"{"v":true}"#), ("null", #"{"v":null}"#), ("missing", #"{"w":1}"#), ("zero", #"{"v":0}"#),
                ("obj", #"{"v":{"b":2,"a":[1,"x"]}}"#), ("arr", #"{"v":[1,2]}"#),
            ]
            for (id, data) in docs {
                _ = try await s.raw(Method.documentCreate, #"{"container":"c","document":{"id":"\#(id)","partition_key":"p","data":\#(data)}}"#)
            }
            func matches(_ value: String) async throws -> [String] {
                let out = try await s.raw(Method.documentQuery, #"{"container":"c","where":{"v":\#(value)}}"#)
                return out["documents"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? ["<no documents>"]
            }
            s.expectEqual(try await matches(#""1""#), ["str"], #"where v = "1""#)
            s.expectEqual(try await matches("1"), ["dbl", "int"], "where v = 1")
            s.expectEqual(try await matches("1.0"), ["dbl", "int"], "where v = 1.0")
            s.expectEqual(try await matches("1.5"), ["half"], "where v = 1.5")
            s.expectEqual(try await matches("true"), ["true"], "where v = true")
            s.expectEqual(try await matches("false"), [], "where v = false")
            s.expectEqual(try await matches("0"), ["zero"], "where v = 0")
            s.expectEqual(try await matches("null"), ["null"], "where v = null")
            s.expectEqual(try await matches(#"{"a":[1,"x"],"b":2}"#), ["obj"], "where v = an object in another key order")
            s.expectEqual(try await matches(#"{"a":[1,"x"]}"#), [], "where v = an object with fewer keys")
            s.expectEqual(try await matches("[1,2]"), ["arr"], "where v = [1,2]")
            s.expectEqual(try await matches("[2,1]"), [], "where v = [2,1]")
            s.expectEqual(try await s.ids(QueryRequest(container: "c", where: ["v.a": [1, "x"]])), ["obj"], "where v.a = [1,\"x\"]")
            s.expectEqual(try await s.ids(QueryRequest(container: "c", where: ["v.b": 2])), ["obj"], "where v.b = 2")
        },
        rule("query.bad-paths", queries, "a where key with an empty segment or \", \\ or a control character is invalid_argument naming the key") { s in
            try await s.makeContainer("c")
            for key in ["", "a..b", ".a", "a.", #"a"b"#, #"a\b"#, "a\u{1}b"] {
                let msg = await s.expectError(Method.documentQuery, QueryRequest(container: "c", where: [key: 1]), .invalidArgument, "where key \(JSONValue.string(key))")
                s.expectEqual(msg, "field \"where\" key \(JSONValue.string(key)): expected a dotted path of non-empty names without '\"', '\\' or control characters", "message")
            }
        },
        rule("query.partition", queries, "partition_key restricts a query to one partition; without it every partition is searched") { s in
            try await s.makeContainer("c")
            _ = try await s.put("c", "b", ["k": "x"], pk: "p1")
            _ = try await s.put("c", "a", ["k": "y"], pk: "p1")
            _ = try await s.put("c", "a", ["k": "x"], pk: "p2")
            _ = try await s.put("c", "c", ["k": "x"], pk: "p2")
            let p1 = try await s.call(Method.documentQuery, QueryRequest(container: "c", partitionKey: "p1"), as: QueryResult.self)
            s.expectEqual(p1.documents.map { "\($0.partitionKey)/\($0.id)" }, ["p1/a", "p1/b"], "partition p1")
            let x = try await s.call(Method.documentQuery, QueryRequest(container: "c", where: ["k": "x"]), as: QueryResult.self)
            s.expectEqual(x.documents.map { "\($0.partitionKey)/\($0.id)" }, ["p1/b", "p2/a", "p2/c"], "k = x in every partition")
            s.expectEqual(try await s.ids(QueryRequest(container: "c", partitionKey: "p2", where: ["k": "x"])), ["a", "c"], "k = x in p2")
            s.expectEqual(try await s.ids(QueryRequest(container: "c", partitionKey: "p3")), [], "an empty partition")
        },
        rule("query.order", queries, "results come in (partition_key, id) order by UTF-8 bytes, whatever the order of writes") { s in
            try await s.makeContainer("c")
            let keys = [("b", "Z"), ("b", "a"), ("", "m"), ("a", "é"), ("a", "z"), ("a", "Z"), ("a", "10"), ("a", "9"), ("A", "x")]
            for (pk, id) in keys { _ = try await s.put("c", id, [:], pk: pk) }
            let expected = keys.sorted { l, r in
                l.0 != r.0 ? Array(l.0.utf8).lexicographicallyPrecedes(Array(r.0.utf8)) : Array(l.1.utf8).lexicographicallyPrecedes(Array(r.1.utf8))
            }.map { "\($0.0)/\($0.1)" }
            let got = try await s.call(Method.documentQuery, QueryRequest(container: "c"), as: QueryResult.self).documents.map { "\($0.partitionKey)/\($0.id)" }
            s.expectEqual(got, expected, "order of a query over every partition")
        },
    ]

    // MARK: Paging

    static let pagingRules: [ConformanceRule] = [
        rule("paging.complete", paging, "pages follow the order without gaps or duplicates; the last page has no continuation; tokens are base64url") { s in
            try await s.makeContainer("c")
            var expected: [String] = []
            for i in (0..<25).shuffled() {
                let pk = "p\(i % 3)", id = "d" + padded(i, 2)
                _ = try await s.put("c", id, ["kind": "page", "i": .int(i)], pk: pk)
                expected.append("\(pk)/\(id)")
            }
            for i in 0..<5 { _ = try await s.put("c", "z\(i)", ["kind": "other"], pk: "p1") }
            expected.sort()
            let seen = try await s.allPages(QueryRequest(container: "c", where: ["kind": "page"], maxItems: 10), limit: 10)
            s.expectEqual(seen, expected, "documents over every page")
            let one = try await s.call(Method.documentQuery, QueryRequest(container: "c", where: ["kind": "page"], maxItems: 1000), as: QueryResult.self)
            s.expectEqual(one.documents.count, 25, "one page of max_items 1000")
            s.expect(one.continuation == nil, "one page holding every document: expected no continuation, got \(one.continuation ?? "")")
        },
        rule("paging.max-items", paging, "max_items is 1 to 1000, default 100; others are invalid_argument naming max_items") { s in
            try await s.makeContainer("c")
            for bad in [0, -1, 1001] {
                let msg = await s.expectError(Method.documentQuery, QueryRequest(container: "c", maxItems: bad), .invalidArgument, "max_items \(bad)")
                s.expect(msg?.contains("max_items") ?? true, "max_items \(bad): message must name max_items, got \(msg ?? "")")
            }
            for i in 0..<101 { _ = try await s.put("c", "d" + padded(i, 3), [:]) }
            for good in [1, 1000] {
                let page = try await s.call(Method.documentQuery, QueryRequest(container: "c", maxItems: good), as: QueryResult.self)
                s.expect(page.documents.count <= good, "max_items \(good): expected at most \(good) documents, got \(page.documents.count)")
            }
            let byDefault = try await s.call(Method.documentQuery, QueryRequest(container: "c"), as: QueryResult.self)
            s.expect(byDefault.documents.count <= 100, "default max_items: expected at most 100 documents, got \(byDefault.documents.count)")
            s.expect(byDefault.continuation != nil, "default max_items with 101 documents: expected a continuation")
        },
        rule("paging.tokens", paging, "a token belongs to its query (container, partition_key, where), may be used with another max_items, and is refused by any other query") { s in
            try await s.makeContainer("c")
            try await s.makeContainer("d")
            for i in 0..<4 { _ = try await s.put("c", "a\(i)", ["kind": "x"]) }
            let first = try await s.call(Method.documentQuery, QueryRequest(container: "c", where: ["kind": "x"], maxItems: 2), as: QueryResult.self)
            let token = try s.require(first.continuation, "continuation after the first of two pages")
            s.expect(token.count <= 4096 && !token.isEmpty && token.utf8.allSatisfy { c in
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2d || c == 0x5f
            }, "continuation: expected 1 to 4096 base64url characters (A-Z a-z 0-9 - _), got \(token)")
            let others = [
                ("another where", QueryRequest(container: "c", where: ["kind": "y"], maxItems: 2, continuation: token)),
                ("no where", QueryRequest(container: "c", where: [:], maxItems: 2, continuation: token)),
                ("a partition", QueryRequest(container: "c", partitionKey: "p", where: ["kind": "x"], maxItems: 2, continuation: token)),
                ("another container", QueryRequest(container: "d", where: ["kind": "x"], maxItems: 2, continuation: token)),
            ]
            for (label, q) in others {
                s.expectEqual(await s.expectError(Method.documentQuery, q, .invalidArgument, label), "continuation: token does not belong to this query", label)
            }
            let garbage = await s.expectError(Method.documentQuery, QueryRequest(container: "c", where: ["kind": "x"], continuation: "not-a-token"), .invalidArgument, "a string that is no token")
            s.expect(garbage?.hasPrefix("continuation: ") ?? true, "a string that is no token: message must start with continuation: , got \(garbage ?? "")")
            // The same query continues where it stopped, whatever the page size.
            let rest = try await s.allPages(QueryRequest(container: "c", where: ["kind": "x"], maxItems: 10, continuation: token), limit: 5)
            s.expectEqual(rest, ["p/a2", "p/a3"], "the rest after the token, with max_items 10")
        },
        rule("paging.stable", paging, "documents written or deleted between pages do not shift the others") { s in
            try await s.makeContainer("c")
            for i in 0..<10 { _ = try await s.put("c", "k" + padded(i * 2, 2), [:]) }  // k00, k02, … k18
            let first = try await s.call(Method.documentQuery, QueryRequest(container: "c", maxItems: 4), as: QueryResult.self)
            s.expectEqual(first.documents.map(\.id), ["k00", "k02", "k04", "k06"], "first page")
            let token = try s.require(first.continuation, "continuation after the first page")
            _ = try await s.put("c", "k01", [:])  // behind the last one returned: not seen
            _ = try await s.put("c", "k09", [:])  // ahead: seen
            _ = try await s.call(Method.documentDelete, DocumentKey(container: "c", id: "k02", partitionKey: "p"), as: DeleteResult.self)
            _ = try await s.call(Method.documentDelete, DocumentKey(container: "c", id: "k10", partitionKey: "p"), as: DeleteResult.self)
            let rest = try await s.allPages(QueryRequest(container: "c", maxItems: 4, continuation: token), limit: 10)
            s.expectEqual(rest, ["p/k08", "p/k09", "p/k12", "p/k14", "p/k16", "p/k18"], "the pages after writes and deletes")
        },
    ]
}

extension ConformanceCheck {
    /// Every document of `q` and the pages after it, as `partition_key/id`, following
    /// `continuation` until it is absent. Each page is checked: at most `max_items` documents.
    /// - Throws: when more than `limit` pages come (a continuation that never ends).
    func allPages(_ q: QueryRequest, limit: Int) async throws -> [String] {
        var seen: [String] = []
        var query = q
        for _ in 0..<limit {
            let page = try await call(Method.documentQuery, query, as: QueryResult.self)
            expect(page.documents.count <= (q.maxItems ?? 100), "a page of max_items \(q.maxItems ?? 100) held \(page.documents.count) documents")
            seen += page.documents.map { "\($0.partitionKey)/\($0.id)" }
            guard let next = page.continuation else { return seen }
            query.continuation = next
        }
        throw Stop(message: "storage.query: still a continuation after \(limit) pages (documents so far: \(seen.count))")
    }
}
