import Foundation
import HostCore
import LightningProtocol

/// The `storage` benchmark's PostgreSQL part: the postgres-storage plugin through the ABI, on the
/// server of `LT_POSTGRES_URL` (Tests/Fakes/postgres-setup.sh starts one on loopback), in a
/// schema of its own that is dropped at the end. Floor: `pgbench` (libpq, C) running the same
/// statements in the same transactions against the same tables, measured in the same run.
extension StorageBenchmark {
    func postgres(_ ctx: BenchContext) async throws -> [Figure] {
        let b = name
        let url = ProcessInfo.processInfo.environment["LT_POSTGRES_URL"] ?? ""
        guard !url.isEmpty else {
            return [.skipped(b, "postgres-storage", "LT_POSTGRES_URL is not set (export LT_POSTGRES_URL=$(bash Tests/Fakes/postgres-setup.sh))")]
        }
        let writes = ctx.scale(2_000, quick: 100)
        let reads = ctx.scale(5_000, quick: 200)
        let queries = ctx.scale(300, quick: 20)
        let schema = "bench_\(getpid())"
        let loader = PluginLoader(logger: ctx.logger)
        let library = ctx.product("libLightningPostgresStorage.so")
        guard FileManager.default.fileExists(atPath: library.path) else {
            return [.skipped(b, "postgres-storage", "\(library.path) is not built")]
        }
        let lib = try loader.loadLibrary(at: library, expectedId: "postgres-storage")
        let dir = try ctx.scratch("storage-postgres")
        let store = try lib.makeInstance(config: ["data_dir": .string(dir.path), "url": .string(url), "schema": .string(schema), "max_connections": 16])
        defer { _ = try? Proc.run("/usr/bin/env", ["psql", url, "-q", "-c", "DROP SCHEMA IF EXISTS \(schema) CASCADE"]) }
        _ = try await store.call(Method.containerCreate, ContainerRequest(container: "bench"), as: ContainerResult.self)

        var figures: [Figure] = []
        let clock = ContinuousClock()
        var i = 0
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
        i = 0
        let read = try await measure(iterations: reads, warmup: reads / 10) {
            _ = try await store.call(Method.documentRead, DocumentKey(container: "bench", id: "doc-\((i * 7919) % writes)"), as: Document.self)
            i += 1
        }
        i = 0
        let query = try await measure(iterations: queries, warmup: 5) {
            _ = try await store.call(Method.documentQuery, QueryRequest(container: "bench", where: ["group": .int(i % 100)], maxItems: 10), as: QueryResult.self)
            i += 1
        }
        let callers = 16, per = max(10, reads / callers), wper = max(5, writes / callers)
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
        let readsAtOnce = rate(callers * per, clock.now - t0)
        let w0 = clock.now
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
        let upsertsAtOnce = rate(callers * wper, clock.now - w0)
        await store.close()

        // The floor: pgbench, same statements (a row lock and an update in one transaction for
        // the upsert), over libpq's extended protocol like postgres-nio.
        let s = "\"\(schema)\""
        let floors = try PgBench(url: url, work: dir, ctx: ctx)
        let fRead = floors.run("read", """
            \\set i random(0, \(writes - 1))
            SELECT id, partition_key, data, created_at, updated_at, etag FROM \(s).documents WHERE container = 'bench' AND partition_key = '' AND id = 'doc-' || :i;
            """, transactions: reads)
        let fUpsert = floors.run("upsert", """
            \\set i random(0, \(writes - 1))
            BEGIN;
            SELECT 1 FROM \(s).containers WHERE name = 'bench' FOR SHARE;
            SELECT id, partition_key, data, created_at, updated_at, etag FROM \(s).documents WHERE container = 'bench' AND partition_key = '' AND id = 'doc-' || :i FOR UPDATE;
            UPDATE \(s).documents SET data = data, doc = doc, updated_at = updated_at + 1, etag = md5(random()::text) WHERE container = 'bench' AND partition_key = '' AND id = 'doc-' || :i;
            COMMIT;
            """, transactions: writes)
        let fQuery = floors.run("query", """
            \\set g random(0, 99)
            SELECT id, partition_key, data, created_at, updated_at, etag FROM \(s).documents WHERE container = 'bench' AND (doc -> 'group') = (:g)::text::jsonb ORDER BY partition_key, id LIMIT 11;
            """, transactions: queries)
        let fReadMany = floors.run("read", """
            \\set i random(0, \(writes - 1))
            SELECT id, partition_key, data, created_at, updated_at, etag FROM \(s).documents WHERE container = 'bench' AND partition_key = '' AND id = 'doc-' || :i;
            """, transactions: per, clients: callers)
        let fUpsertMany = floors.run("upsert", """
            \\set i random(0, \(writes - 1))
            BEGIN;
            SELECT 1 FROM \(s).containers WHERE name = 'bench' FOR SHARE;
            SELECT id FROM \(s).documents WHERE container = 'bench' AND partition_key = '' AND id = 'doc-' || :i FOR UPDATE;
            UPDATE \(s).documents SET updated_at = updated_at + 1, etag = md5(random()::text) WHERE container = 'bench' AND partition_key = '' AND id = 'doc-' || :i;
            COMMIT;
            """, transactions: wper, clients: callers)

        func ref(_ f: PgBench.Result, _ label: String) -> Reference { .floor("pgbench (libpq), \(label), average", f.latencyMicros) }
        func rateRef(_ f: PgBench.Result, _ label: String) -> Reference { .floor("pgbench (libpq), \(label)", f.tps) }
        figures.append(.latency(b, "postgres: create (new document, ~200 B)", create, references: [ref(fUpsert, "lock + update transaction")],
                                note: "\(Report.number(createRate)) ops/s sequential; loopback server, fsync on"))
        figures.append(.latency(b, "postgres: upsert (existing document)", upsert, references: [ref(fUpsert, "lock + update transaction")],
                                note: "\(Report.number(upsertRate)) ops/s sequential"))
        figures.append(.latency(b, "postgres: read by id", read, references: [ref(fRead, "SELECT by primary key")]))
        figures.append(.latency(b, "postgres: query {\"group\": k}, max_items 10, over \(writes) documents", query,
                                references: [ref(fQuery, "same jsonb scan, LIMIT 11")]))
        figures.append(Figure(b, "postgres: read by id, \(callers) callers at once", unit: "ops/s", value: readsAtOnce,
                              references: [rateRef(fReadMany, "SELECT by primary key, \(callers) clients")]))
        figures.append(Figure(b, "postgres: upsert, \(callers) callers at once", unit: "ops/s", value: upsertsAtOnce,
                              references: [rateRef(fUpsertMany, "lock + update transaction, \(callers) clients")],
                              note: "pool of 16 connections; every write its own committed transaction"))
        return figures
    }
}

/// `pgbench` with a custom script: its average latency and rate. A failed run gives nil figures
/// (the reference then shows as not measured) rather than failing the benchmark.
struct PgBench {
    struct Result { var latencyMicros: Double?; var tps: Double? }
    let url: String
    let work: URL
    let executable: String?

    init(url: String, work: URL, ctx: BenchContext) throws {
        self.url = url
        self.work = work
        executable = ["/usr/bin/pgbench", "/usr/local/bin/pgbench"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func run(_ name: String, _ script: String, transactions: Int, clients: Int = 1) -> Result {
        guard let executable else { return Result() }
        let file = work.appendingPathComponent("\(name)-\(clients).sql")
        guard (try? script.write(to: file, atomically: true, encoding: .utf8)) != nil,
              let r = try? Proc.run(executable, ["-n", "-M", "extended", "-f", file.path, "-t", "\(max(1, transactions))",
                                                 "-c", "\(clients)", "-j", "\(min(clients, 2))", url]),
              r.status == 0 else { return Result() }
        var result = Result()
        for line in r.output.split(separator: "\n") {
            let words = line.split(separator: " ")
            if line.hasPrefix("latency average = "), words.count >= 4, let ms = Double(words[3]) { result.latencyMicros = ms * 1000 }
            if line.hasPrefix("tps = "), words.count >= 3, let tps = Double(words[2]) { result.tps = tps }
        }
        return result
    }
}
