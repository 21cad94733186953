import Foundation
import LightningTestSupport
import LightningProtocol
import Testing

/// Runtime configuration of the real daemon: provider choice by mode and environment, refusal
/// of unknown ids, and `lightning config` with sources and masked secrets.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct DaemonConfigurationTests {
    /// Runs `lightning serve` expecting it to refuse to start; returns its stderr.
    func refusedStart(_ environment: [String: String]) async throws -> (Int32, String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lt-refused-\(UUID().uuidString.prefix(8))")
        let p = try TestProcess(BuildProducts.lightning, [
            "serve", "--port", "0", "--data-dir", root.appendingPathComponent("data").path,
            "--manifests", BuildProducts.repoRoot.appendingPathComponent("manifests").path,
            "--plugin-dir", BuildProducts.directory.path,
        ], environment: environment)
        let code = try await p.wait()
        return (code, p.stderr)
    }

    @Test func anUnknownProviderIdStopsTheStartAndListsTheKnownOnes() async throws {
        let (code, err) = try await refusedStart(["LIGHTNING_STORAGE_PROVIDER": "mongo-storage"])
        #expect(code != 0)
        #expect(err.contains("providers.storage = \"mongo-storage\" (from env LIGHTNING_STORAGE_PROVIDER): no storage provider with that id; known: cosmos-storage, postgres-storage, sqlite-storage"))
    }

    @Test func pinTrustsTheBuiltLibrariesWithoutRewritingTheManifests() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lt-pin-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let manifests = root.appendingPathComponent("manifests")
        try FileManager.default.createDirectory(at: manifests, withIntermediateDirectories: true)
        var before: [String: Data] = [:]
        for name in ["sqlite-storage.json", "local-eventbus.json"] {
            let data = try Data(contentsOf: BuildProducts.repoRoot.appendingPathComponent("manifests/\(name)"))
            #expect(String(decoding: data, as: UTF8.self).contains(String(repeating: "0", count: 64)))
            try data.write(to: manifests.appendingPathComponent(name))
            before[name] = data
        }
        func serve(_ extra: [String]) throws -> TestProcess {
            try TestProcess(BuildProducts.lightning, ["serve", "--port", "0", "--data-dir", root.appendingPathComponent("data").path,
                                                     "--manifests", manifests.path, "--plugin-dir", BuildProducts.directory.path] + extra)
        }
        // Without --pin the placeholder digests do not match: no event bus, no start.
        let refused = try serve([])
        #expect(try await refused.wait() != 0)
        #expect(refused.stderr.contains("sha256"), "\(refused.stderr)")
        // With --pin it starts on the libraries as built, and the files are untouched.
        let pinned = try serve(["--pin"])
        defer { pinned.signal(SIGKILL); pinned.waitBlockingForTests() }
        let line = try await pinned.waitForLine(containing: "listening on ", timeout: .seconds(60))
        let base = String(line.split(separator: " ").last ?? "")
        let (_, providers, _) = try await cli(["providers"], base: base, dataDir: root.appendingPathComponent("data"))
        #expect(providers.contains("local-eventbus") && providers.contains("sqlite-storage"), "\(providers)")
        for (name, data) in before {
            #expect(try Data(contentsOf: manifests.appendingPathComponent(name)) == data, "\(name) was rewritten")
        }
    }

    /// An author's folder next to the shipped one: the daemon reads both; `--pin` trusts only the
    /// libraries built next to it, so the author's own library is checked against its manifest
    /// until `lightning plugins pin` writes its sha256.
    @Test func extraManifestFoldersLoadAndPinTrustsOnlyTheBuild() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lt-extra-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let shipped = root.appendingPathComponent("shipped"), mine = root.appendingPathComponent("mine")
        for dir in [shipped, mine] { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
        for name in ["sqlite-storage.json", "local-eventbus.json"] {
            try FileManager.default.copyItem(at: BuildProducts.repoRoot.appendingPathComponent("manifests/\(name)"), to: shipped.appendingPathComponent(name))
        }
        // The author's driver: a library of its own (a copy outside the build folder) and a placeholder pin.
        try FileManager.default.copyItem(at: BuildProducts.url("libLightningEchoDriver.so"), to: mine.appendingPathComponent("libLightningEchoDriver.so"))
        try FileManager.default.copyItem(at: BuildProducts.repoRoot.appendingPathComponent("manifests/echo-driver.json"), to: mine.appendingPathComponent("echo-driver.json"))
        let data = root.appendingPathComponent("data")
        func serve() throws -> TestProcess {
            try TestProcess(BuildProducts.lightning, ["serve", "--port", "0", "--data-dir", data.path, "--manifests", shipped.path,
                                                     "--extra-manifests", mine.path, "--plugin-dir", BuildProducts.directory.path, "--pin"])
        }
        func plugins(_ d: TestProcess) async throws -> [JSONValue] {
            let line = try await d.waitForLine(containing: "listening on ", timeout: .seconds(60))
            let (code, out, err) = try await cli(["plugins", "list", "--json"], base: String(line.split(separator: " ").last ?? ""), dataDir: data)
            #expect(code == 0, "\(err)")
            return try Wire.decode(JSONValue.self, from: Data(out.utf8))["plugins"]?.arrayValue ?? []
        }
        let first = try serve()
        let before = try await plugins(first)
        first.signal(SIGTERM)
        _ = try await first.wait(timeout: .seconds(30))
        #expect(before.first { $0["id"] == "sqlite-storage" }?["state"] == "loaded")
        let refused = before.first { $0["id"] == "echo-driver" }
        #expect(refused?["state"] == "failed")
        #expect(refused?["manifest"]?.stringValue?.hasSuffix("mine/echo-driver.json") == true)
        #expect(refused?["error"]?.stringValue?.contains("field \"library.sha256\": expected 0000") == true, "\(refused ?? nil)")

        let pin = try TestProcess(BuildProducts.lightning, ["plugins", "pin", "--manifests", mine.path])
        #expect(try await pin.wait() == 0)
        #expect(pin.stdout.contains("pinned  ") && pin.stdout.contains("echo-driver.json"), "\(pin.stdout)")
        let second = try serve()
        defer { second.signal(SIGKILL); second.waitBlockingForTests() }
        let after = try await plugins(second)
        #expect(after.first { $0["id"] == "echo-driver" }?["state"] == "loaded", "\(after)")
    }

    /// Runs the CLI against `base`.
    func cli(_ args: [String], base: String, dataDir: URL) async throws -> (Int32, String, String) {
        let p = try TestProcess(BuildProducts.lightning, args, environment: ["LIGHTNING_URL": base, "LIGHTNING_DATA_DIR": dataDir.path])
        let code = try await p.wait(timeout: .seconds(30))
        return (code, p.stdout, p.stderr)
    }

    /// Azure mode end to end (with credentials, and without) is in CloudTests/AzureModeTests.
    @Test func anUnknownModeIsRefused() async throws {
        let (code2, err2) = try await refusedStart(["LIGHTNING_MODE": "cloudy"])
        #expect(code2 != 0)
        #expect(err2.contains("LIGHTNING_MODE: expected local or azure, got \"cloudy\""))
    }

    @Test func configShowsValuesWithTheirSourcesAndMasksSecrets() async throws {
        let config: JSONValue = [
            "router": ["hop_limit": 5],
            "providers": ["storage": ["plugin": "sqlite-storage", "config": ["synchronous": "normal"]]],
            "plugin_config": ["echo-driver": ["prefix": "x-", "api_key": "hunter2"]],
        ]
        let d = try await TestDaemon.start(config: config, environment: ["LIGHTNING_EVENT_BUS_PROVIDER": "local-eventbus"])
        let c = try await d.get("/v1/config").json
        #expect(c["sources"]?["port"] == "flag --port")
        #expect(c["sources"]?["providers.eventbus"] == "env LIGHTNING_EVENT_BUS_PROVIDER")
        #expect(c["sources"]?["providers.storage"]?.stringValue?.hasPrefix("file ") == true)
        #expect(c["sources"]?["router.hop_limit"]?.stringValue?.hasPrefix("file ") == true)
        #expect(c["sources"]?["mode"] == "default")
        #expect(c["router"]?["hop_limit"] == 5)
        #expect(c["plugin_config"]?["echo-driver"]?["api_key"] == "<redacted>")
        #expect(c["plugin_config"]?["echo-driver"]?["prefix"] == "x-")
        // What the instance really got: defaults merged with overrides, secrets still masked.
        #expect(c["instances"]?["echo-driver"]?["prefix"] == "x-")
        #expect(c["instances"]?["echo-driver"]?["api_key"] == "<redacted>")
        #expect(c["instances"]?["sqlite-storage"]?["synchronous"] == "normal")
        // Every field the code writes is one the document lists (the answer is read into its
        // Config type, which allows no other): the listener limits, the socket, TLS, versions.
        #expect(c["http"]?["max_body_bytes"] == 4_194_304 && c["http"]?["max_json_depth"] == 64, "\(c)")
        #expect(c["unix_socket"]?.stringValue?.hasSuffix("lightning.sock") == true && c["unix_socket_allow_uids"] == [])
        #expect(c["context_keep_versions"] == 100 && c["tls"] == nil)
        let (code, out, _) = try await d.cli(["config"])
        #expect(code == 0)
        #expect(out.hasPrefix("KEY"))
        let lines = out.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(lines.contains("providers.eventbus local-eventbus env LIGHTNING_EVENT_BUS_PROVIDER"))
        #expect(lines.contains("mode local default"))
        #expect(lines.contains("auth true default"))
        #expect(!out.contains("hunter2"))
    }

    @Test func theOverviewsProviderNamesWorkAsAliasesAndConfigShowsWhatTheyResolvedTo() async throws {
        let d = try await TestDaemon.start(environment: ["LIGHTNING_STORAGE_PROVIDER": "local", "LIGHTNING_EVENT_BUS_PROVIDER": "local"])
        #expect(try await d.put("/v1/storage/containers/aliased", [:]).status == 201)
        let c = try await d.get("/v1/config").json
        #expect(c["providers"]?["storage"]?["plugin"] == "sqlite-storage")
        #expect(c["providers"]?["storage"]?["alias"] == "local")
        #expect(c["providers"]?["eventbus"]?["plugin"] == "local-eventbus")
        let (code, out, _) = try await d.cli(["config"])
        #expect(code == 0)
        let lines = out.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(lines.contains("providers.storage sqlite-storage (alias local) env LIGHTNING_STORAGE_PROVIDER"))
        #expect(lines.contains("providers.eventbus local-eventbus (alias local) env LIGHTNING_EVENT_BUS_PROVIDER"))
    }
}
