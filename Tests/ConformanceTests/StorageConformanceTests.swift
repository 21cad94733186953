import Foundation
import LightningTestSupport
import HostCore
import LightningConformance
import LightningProtocol
import Testing

/// The storage contract (docs/plugin-abi.md#storage), checked at the ABI boundary against every
/// storage provider in `providers`: the rules live in the `LightningConformance` library
/// (`StorageRules`), so that the `lightning plugins test` command runs the very same ones.
/// Nothing here depends on how a provider stores documents: a new provider joins with one
/// `…KeepsTheContract` test function per tier (below) and a line in `providers`. Provider-specific checks (config, ETag format, file layout) live in
/// nested suites at the end.
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

        func open(dataDir: URL? = nil) async throws -> PluginUnderTest {
            try await PluginUnderTest.open(product: product, id: id, config: config, dataDir: dataDir, tier: tier)
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
        /// Runs against `PostgresTestServer`: `start` and `target` add `url` and a per-store `schema`.
        var onPostgres = false

        /// Opens the provider; with a `fake`, starts it (or reuses `server`, to reopen the same
        /// account) and passes its URL as config `endpoint`.
        func start(dataDir: URL? = nil, fake server: FakeServer? = nil) async throws -> PluginUnderTest {
            if onPostgres {
                let dir = dataDir ?? FileManager.default.temporaryDirectory.appendingPathComponent("lt-conf-\(UUID().uuidString.prefix(8))")
                var cfg = config
                cfg["url"] = .string(try PostgresTestServer.requireURL())
                cfg["schema"] = cfg["schema"] ?? .string(PostgresTestServer.schema(for: dir.lastPathComponent))
                return try await PluginUnderTest.open(product: product, id: id, config: cfg, dataDir: dir, tier: tier)
            }
            guard let fake else { return try await open(dataDir: dataDir) }
            let running: FakeServer
            if let server { running = server } else { running = try await FakeServer(script: fake) }
            var cfg = config
            cfg["endpoint"] = .string(running.baseURL)
            var store = try await PluginUnderTest.open(product: product, id: id, config: cfg, dataDir: dataDir, tier: tier)
            store.fake = running
            return store
        }
    }

    static let providers: [Provider] = [.sqlite, .sqlite.inTier(.process), .cosmos, .cosmos.inTier(.process)]
        + (ExternalTool.shouldRun(ExternalTool.hasPostgres) ? [.postgres, .postgres.inTier(.process)] : [])

    /// Every rule of the storage contract (LightningConformance's `StorageRules`, each naming its
    /// section of docs/plugin-abi.md#storage) against every provider, a fresh store per case:
    /// the same rules `lightning plugins test` runs against a third party's provider.
    /// One test per provider and tier, its rules one after another: the providers run side by
    /// side, but 29 rules × 6 stores at once (each PostgreSQL store with its own connection pool,
    /// each process-tier store with its own plugin-host child) overran a 2-core machine and
    /// PostgreSQL's connection limit.
    @Test(.serialized, arguments: StorageRules.all) func sqliteKeepsTheContract(_ rule: ConformanceRule) async { await check(.sqlite, rule) }
    @Test(.serialized, arguments: StorageRules.all) func sqliteInAProcessKeepsTheContract(_ rule: ConformanceRule) async { await check(.sqlite.inTier(.process), rule) }
    @Test(.serialized, arguments: StorageRules.all) func cosmosKeepsTheContract(_ rule: ConformanceRule) async { await check(.cosmos, rule) }
    @Test(.serialized, arguments: StorageRules.all) func cosmosInAProcessKeepsTheContract(_ rule: ConformanceRule) async { await check(.cosmos.inTier(.process), rule) }
    @Test(.serialized, .enabled(if: ExternalTool.shouldRun(ExternalTool.hasPostgres), "no PostgreSQL server (LT_POSTGRES_URL; .ci/run starts one)"),
          arguments: StorageRules.all) func postgresKeepsTheContract(_ rule: ConformanceRule) async { await check(.postgres, rule) }
    @Test(.serialized, .enabled(if: ExternalTool.shouldRun(ExternalTool.hasPostgres), "no PostgreSQL server (LT_POSTGRES_URL; .ci/run starts one)"),
          arguments: StorageRules.all) func postgresInAProcessKeepsTheContract(_ rule: ConformanceRule) async { await check(.postgres.inTier(.process), rule) }

    func check(_ p: Provider, _ rule: ConformanceRule) async {
        let result = await ConformanceRunner.run(rule, on: p.target)
        for failure in result.failures {
            Issue.record("\(rule.id) (\(rule.section)): \(failure)")
        }
    }

    /// What `lightning plugins test --config` relies on for a store outside `data_dir`: each
    /// fresh store gets its own `{unique}` token, and a reopened store keeps it.
    @Test func theKitGivesEveryFreshStoreItsOwnUniqueToken() async throws {
        let dir = try ConformanceTarget.freshDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = LibrarySpec(url: BuildProducts.url("libLightningSQLiteStorage.so"), sha256: nil, expectedId: "sqlite-storage",
                               expectedVersion: nil, subject: "sqlite-storage")
        let target = ConformanceTarget.library(spec, tier: .inProcess, lightning: BuildProducts.lightning,
                                               config: ["path": .string(dir.appendingPathComponent("kit-{unique}.sqlite").path)])
        let rules = StorageRules.all.filter { ["storage.documents.durable", "storage.containers.lifecycle"].contains($0.id) }
        #expect(rules.count == 2)
        for result in await ConformanceRunner.run(rules, on: target) {
            #expect(result.passed, "\(result.rule.id): \(result.failures)")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".sqlite") }
        #expect(files.count == 2, "\(files)")
        #expect(!files.contains("kit-{unique}.sqlite"))
    }
}

extension StorageConformanceTests.Provider {
    /// The provider as the conformance kit opens it: a fresh data folder per store, and for a
    /// provider with a `fake`, a fresh fake (kept, with the folder, when the store is reopened).
    var target: ConformanceTarget {
        let (product, id, config, tier, fake, onPostgres) = (product, id, config, tier, fake, onPostgres)
        let library = BuildProducts.url("lib\(product).so")
        return ConformanceTarget(name: testDescription) { dataDir, context in
            let dir = try dataDir ?? ConformanceTarget.freshDirectory()
            var cfg = config
            cfg["data_dir"] = .string(dir.path)
            if onPostgres {
                // A schema per store, named after its folder: a reopened store finds its data again.
                cfg["url"] = .string(try PostgresTestServer.requireURL())
                cfg["schema"] = cfg["schema"] ?? .string(PostgresTestServer.schema(for: dir.lastPathComponent))
            }
            var server = context as? FakeServer
            if let fake, server == nil { server = try await FakeServer(script: fake, timeout: .seconds(60)) }  // 116 cases start fakes at once on a loaded machine
            if let server { cfg["endpoint"] = .string(server.baseURL) }
            let connection = try await ConformanceTarget.connect(library: library, id: id, tier: tier == .inProcess ? .inProcess : .process,
                                                           lightning: BuildProducts.lightning, config: cfg)
            return ConformanceInstance(connection: connection, dataDir: dir, context: server)
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

        @Test func configErrorsNameTheFieldAndValue() async throws {
            let cases: [([String: JSONValue], String)] = [
                (["synchronous": "fast"], #"config field "synchronous": expected "full" or "normal", got "fast""#),
                (["synchronous": 1], #"config field "synchronous": expected "full" or "normal", got 1"#),
                (["path": 5], #"config field "path": expected a string, got an integer"#),
                (["path": ""], #"config field "path": expected a file path or ":memory:", got """#),
            ]
            for (config, message) in cases {
                let error = await #expect(throws: HostError.self) { try await Provider(product: provider.product, id: provider.id, config: config).open() }
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

        @Test func unopenableDatabaseIsRefusedWithItsPath() async throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lt-conf-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let directoryAsFile = Provider(product: provider.product, id: provider.id, config: ["path": .string(dir.path)])
            let e1 = await #expect(throws: HostError.self) { try await directoryAsFile.open() }
            #expect(e1?.message.hasPrefix("storage database \"\(dir.path)\": ") == true, "\(e1?.message ?? "")")

            let underAFile = Provider(product: provider.product, id: provider.id, config: ["path": "/dev/null/sub/db.sqlite"])
            let e2 = await #expect(throws: HostError.self) { try await underAFile.open() }
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
    }
}
