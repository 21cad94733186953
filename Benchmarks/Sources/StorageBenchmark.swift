import Foundation
import HostCore
import LightningProtocol

/// `storage`: the SQLite storage plugin through the ABI (typed calls, as the REST API makes
/// them): create, upsert, read by id, equality query; sequential latency and ops/s. Floor: the
/// same SQLite statements from C (Benchmarks/C/sqlite_floor.c), same schema and settings.
struct StorageBenchmark: Benchmark {
    let name = "storage"
    let summary = "SQLite storage plugin through the ABI vs the same SQL from C; PostgreSQL storage vs pgbench (with LT_POSTGRES_URL)"

    func run(_ ctx: BenchContext) async throws -> [Figure] {
        let b = name
        let writes = ctx.scale(2_000, quick: 100)
        let reads = ctx.scale(10_000, quick: 200)
        let queries = ctx.scale(300, quick: 20)

        // Floor.
        let floorExe = try CBuild.build("sqlite_floor.c", output: "sqlite_floor", ctx: ctx, libraries: ["sqlite3"])
        func floor(_ sync: String) throws -> [String: [String: Double]] {
            let dir = try ctx.scratch("sqlite-floor")
            let r = try Proc.run(floorExe.path, [dir.appendingPathComponent("floor.sqlite").path, sync, "\(writes)"])
            guard r.status == 0 else { throw BenchError("sqlite_floor failed: \(r.output)") }
            var out: [String: [String: Double]] = [:]
            for line in r.output.split(separator: "\n") {
                guard let op = line.split(separator: " ").first else { continue }
                out[String(op)] = CBuild.fields(line)
            }
            return out
        }
        let floorFull = try floor("full"), floorNormal = try floor("normal")
        func ref(_ f: [String: [String: Double]], _ op: String, _ label: String) -> Reference {
            .floor("C + SQLite, \(label)", f[op]?["median_ns"].map { $0 / 1e3 }, p99: f[op]?["p99_ns"].map { $0 / 1e3 })
        }
        func rateRef(_ f: [String: [String: Double]], _ op: String, _ label: String) -> Reference {
            .floor("C + SQLite, \(label)", f[op]?["rate"])
        }

        let loader = PluginLoader(logger: ctx.logger)
        let lib = try loader.loadLibrary(at: ctx.product("libLightningSQLiteStorage.so"), expectedId: "sqlite-storage")
        var figures: [Figure] = []
        for sync in ["full", "normal"] {
            let dir = try ctx.scratch("storage-\(sync)")
            let store = try lib.makeInstance(config: ["data_dir": .string(dir.path), "synchronous": .string(sync)])
            _ = try await store.call(Method.containerCreate, ContainerRequest(container: "bench"), as: ContainerResult.self)
            var i = 0
            let clock = ContinuousClock()
            let c0 = clock.now
            let create = try await measure(iterations: writes, warmup: 0) {
                _ = try await store.call(Method.documentCreate, WriteRequest(container: "bench", document: Self.doc(i)), as: Document.self)
                i += 1
            }
            let createRate = rate(writes, clock.now - c0)
            i = 0
            let u0 = clock.now
            let upsert = try await measure(iterations: writes, warmup: 0) {
                _ = try await store.call(Method.documentUpsert, WriteRequest(container: "bench", document: Self.doc(i, v: 2)), as: Document.self)
                i += 1
            }
            let upsertRate = rate(writes, clock.now - u0)
            let f = sync == "full" ? floorFull : floorNormal
            figures.append(.latency(b, "create (new document, ~200 B), synchronous \(sync)", create,
                                    references: [ref(f, "upsert", "BEGIN IMMEDIATE + lookup + insert + COMMIT")],
                                    note: "\(Report.number(createRate)) ops/s sequential"))
            figures.append(.latency(b, "upsert (existing document), synchronous \(sync)", upsert,
                                    references: [ref(f, "upsert", "BEGIN IMMEDIATE + lookup + insert + COMMIT")],
                                    note: "\(Report.number(upsertRate)) ops/s sequential"))
            if sync == "full" {
                i = 0
                let r0 = clock.now
                let read = try await measure(iterations: reads, warmup: reads / 10) {
                    _ = try await store.call(Method.documentRead, DocumentKey(container: "bench", id: "doc-\((i * 7919) % writes)"), as: Document.self)
                    i += 1
                }
                let readRate = rate(reads + reads / 10, clock.now - r0)
                i = 0
                let query = try await measure(iterations: queries, warmup: 5) {
                    let r = try await store.call(Method.documentQuery, QueryRequest(container: "bench", where: ["group": .int(i % 100)], maxItems: 10),
                                                 as: QueryResult.self)
                    precondition(!r.documents.isEmpty || writes < 100)
                    i += 1
                }
                figures.append(.latency(b, "read by id", read, references: [ref(f, "read", "SELECT by primary key")],
                                        note: "\(Report.number(readRate)) ops/s sequential"))
                figures.append(.latency(b, "query {\"group\": k}, max_items 10, over \(writes) documents", query,
                                        references: [ref(f, "query", "same json_extract scan, LIMIT 11")]))
                // Several callers at once: the plugin serializes statements on one queue.
                let callers = 16, per = max(10, reads / callers)
                let t0 = clock.now
                try await withThrowingTaskGroup(of: Void.self) { g in
                    for c in 0..<callers {
                        g.addTask {
                            for k in 0..<per {
                                _ = try await store.call(Method.documentRead, DocumentKey(container: "bench", id: "doc-\((c * per + k) % writes)"), as: Document.self)
                            }
                        }
                    }
                    try await g.waitForAll()
                }
                figures.append(Figure(b, "read by id, \(callers) callers at once", unit: "ops/s", value: rate(callers * per, clock.now - t0),
                                      references: [rateRef(f, "read", "SELECT by primary key, one thread")]))
                let w0 = clock.now
                let wper = max(5, writes / callers)
                try await withThrowingTaskGroup(of: Void.self) { g in
                    for c in 0..<callers {
                        g.addTask {
                            for k in 0..<wper {
                                _ = try await store.call(Method.documentUpsert, WriteRequest(container: "bench", document: Self.doc((c * wper + k) % writes, v: 3)),
                                                         as: Document.self)
                            }
                        }
                    }
                    try await g.waitForAll()
                }
                figures.append(Figure(b, "upsert, \(callers) callers at once, synchronous full", unit: "ops/s", value: rate(callers * wper, clock.now - w0),
                                      references: [rateRef(f, "upsert", "one transaction per upsert, one thread")],
                                      note: "every write is its own fsynced transaction; writes are not batched across callers"))
            }
            await store.close()
        }
        figures += try await postgres(ctx)
        return figures
    }

    static func doc(_ i: Int, v: Int = 1) -> Document {
        Document(id: "doc-\(i)", data: ["group": .int(i % 100), "n": .int(i), "v": .int(v), "name": .string("document number \(i)"),
                                        "pad": .string(String(repeating: "x", count: 96)), "tags": ["a", "b", "c"]])
    }
}
