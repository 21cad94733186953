import Foundation
import HostCore
import LightningContext
import LightningProtocol

/// `context`: the Context Hub (docs/context-hub.md) on the SQLite storage plugin through the ABI.
/// Search over 10k and 100k documents (the hub: FTS5, access-list filter, total, snippets) against
/// the same FTS5 work from C (Benchmarks/C/fts_floor.c); a write (a new version: read, replace with
/// If-Match, version record, index) against a plain storage upsert of the same document.
struct ContextBenchmark: Benchmark {
    let name = "context"
    let summary = "Context Hub search vs SQLite FTS5 from C; a versioned write vs a plain storage upsert"

    /// A deterministic corpus: about 60 words per document from a 20,000-word vocabulary with a
    /// skewed distribution, so common words match many documents and rare ones few.
    static func corpus(_ n: Int) -> [(name: String, content: String)] {
        var state: UInt64 = 0x5eed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        func word() -> String {
            // Squaring a uniform number skews towards small indices (common words).
            let u = Double(next() % 1_000_000) / 1_000_000
            return "w\(Int(u * u * 20_000))"
        }
        return (0..<n).map { i in ("doc-\(i).md", (0..<60).map { _ in word() }.joined(separator: " ")) }
    }

    func run(_ ctx: BenchContext) async throws -> [Figure] {
        let b = name
        var figures: [Figure] = []
        let loader = PluginLoader(logger: ctx.logger)
        let lib = try loader.loadLibrary(at: ctx.product("libLightningSQLiteStorage.so"), expectedId: "sqlite-storage")
        let floorExe = try CBuild.build("fts_floor.c", output: "fts_floor", ctx: ctx, libraries: ["sqlite3"])
        let iterations = ctx.scale(200, quick: 10)

        // MARK: Search
        // Terms: common (w1: in most documents), medium (w400), rare (w15000).
        let terms = ["w1", "w400", "w15000"]
        for n in [ctx.scale(10_000, quick: 1_000), ctx.scale(100_000, quick: 2_000)] {
            let docs = Self.corpus(n)
            let tsv = try ctx.scratch("fts-\(n)").appendingPathComponent("docs.tsv")
            try Data(docs.map { "\($0.name)\t\($0.content)\n" }.joined().utf8).write(to: tsv)
            let r = try Proc.run(floorExe.path, [tsv.path, "\(iterations)"] + terms)
            guard r.status == 0 else { throw BenchError("fts_floor failed: \(r.output)") }
            var floor: [String: [String: Double]] = [:]
            for line in r.output.split(separator: "\n") {
                if let t = line.split(separator: " ").first { floor[String(t)] = CBuild.fields(line) }
            }

            let dir = try ctx.scratch("context-search-\(n)")
            let store = try lib.makeInstance(config: ["data_dir": .string(dir.path), "synchronous": "normal"])
            let manager = ProviderManager(logger: ctx.logger)
            _ = try await manager.bind(ProviderSlot.Binding(connection: store, pluginId: "sqlite-storage", version: "bench", config: [:]), to: .storage)
            let index = ContextIndex(path: dir.appendingPathComponent("index.sqlite").path)
            let hub = ContextHub(storage: manager.storage, index: index, keepVersions: 100, publish: { _ in })
            let now = Timestamp.now()
            // Half the documents are shared with the searcher through a folder's access list, half
            // are not: the hub filters every match.
            var nodes = [ContextNode(id: "shared", name: "shared", docType: .folder, parent: "", owner: "owner",
                                     acl: [ContextACLEntry(principal: "reader", access: .read)], author: "owner", createdAt: now, updatedAt: now),
                         ContextNode(id: "private", name: "private", docType: .folder, parent: "", owner: "owner",
                                     author: "owner", createdAt: now, updatedAt: now)]
            for (i, d) in docs.enumerated() {
                nodes.append(ContextNode(id: "d\(i)", name: d.name, docType: .text, parent: i % 2 == 0 ? "shared" : "private", owner: "owner",
                                         content: d.content, author: "owner", createdAt: now, updatedAt: now))
            }
            try await index.replaceAllForBenchmark(nodes, generation: manager.storage.current?.generation)
            for term in terms {
                var total = 0
                let s = try await measure(iterations: iterations, warmup: max(1, iterations / 10)) {
                    total = try await hub.search(ContextCaller(principal: "reader"), q: term, limit: 20).total
                }
                let f = floor[term]
                figures.append(.latency(b, "search \"\(term)\" over \(n) documents (\(total) readable of \(Int(f?["matches"] ?? 0)) matches), page of 20",
                                        s, references: [.floor("C + SQLite FTS5: same MATCH, bm25 order, 20 snippets",
                                                               f?["median_ns"].map { $0 / 1e3 }, p99: f?["p99_ns"].map { $0 / 1e3 })]))
            }
            await store.close()
        }

        // MARK: Writes
        let writes = ctx.scale(500, quick: 30)
        for sync in ["full", "normal"] {
            let dir = try ctx.scratch("context-write-\(sync)")
            let store = try lib.makeInstance(config: ["data_dir": .string(dir.path), "synchronous": .string(sync)])
            let manager = ProviderManager(logger: ctx.logger)
            _ = try await manager.bind(ProviderSlot.Binding(connection: store, pluginId: "sqlite-storage", version: "bench", config: [:]), to: .storage)
            let hub = ContextHub(storage: manager.storage, index: ContextIndex(path: dir.appendingPathComponent("index.sqlite").path),
                                 keepVersions: 0, publish: { _ in })
            let owner = ContextCaller(principal: "owner")
            let text = Self.corpus(1)[0].content
            let (doc, _) = try await hub.put(owner, owner: "owner", path: "/bench.md", content: text)
            var i = 0
            let versioned = try await measure(iterations: writes, warmup: 3) {
                _ = try await hub.write(owner, doc.id, content: "\(text) \(i)", ifMatch: nil)
                i += 1
            }
            _ = try await store.call(Method.containerCreate, ContainerRequest(container: "plain"), as: ContainerResult.self)
            i = 0
            let plain = try await measure(iterations: writes, warmup: 3) {
                _ = try await store.call(Method.documentUpsert, WriteRequest(container: "plain", document: Document(id: "bench", data: ["content": .string("\(text) \(i)")])),
                                         as: Document.self)
                i += 1
            }
            figures.append(.latency(b, "write a new version (~400 B), synchronous \(sync)", versioned,
                                    references: [.peer("one storage upsert of the same text through the same plugin", plain.median / 1e3, p99: plain.p99 / 1e3)],
                                    note: "a version is a read, a replace with If-Match and a version record (two fsynced writes with full) plus the index update"))
            await store.close()
        }
        return figures
    }
}
