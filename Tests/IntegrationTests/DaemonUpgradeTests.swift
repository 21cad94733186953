import Foundation
import HostCore
import LightningProtocol
import LightningTestSupport
import Testing

/// Upgrading a loaded provider to a new version of the same plugin while the daemon serves:
/// `PUT /v1/providers/storage` with the manifest rewritten to v2 (a new library at a path of its
/// own), make-before-break, in both isolation tiers. The plugin is the C fixture
/// `Tests/ABITests/Fixtures/versioned_storage.c`, built with `cc` at test time, so v1 and v2 are
/// genuinely different libraries that report their own version.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DaemonUpgradeTests {
    @Test(arguments: ["in-process", "process"])
    func aNewVersionReplacesTheOldWhileServing(_ isolation: String) async throws {
        let v1 = try await FixtureStorage.build(version: "1.0.0")
        let v2 = try await FixtureStorage.build(version: "2.0.0")
        let d = try await TestDaemon.start(config: FixtureStorage.daemonConfig, manifests: FixtureStorage.repoManifests,
                                           extraManifests: ["fixture-storage.json": FixtureStorage.manifest(version: "1.0.0", library: v1, isolation: isolation)])
        #expect(try await FixtureStorage.servedBy(d) == "served-by-1.0.0")

        // Keep reading during the upgrade: every request must be answered by v1 or v2. (Until the
        // swap has answered, and a few reads after: 200 reads one after another took over two
        // minutes on CI's loaded machine.)
        let swapped = Locked(false)
        let reader = Task { () -> [String] in  // owned here: its value is awaited below
            var seen: [String] = []
            var after = 0
            for _ in 0..<200 {
                if swapped.value { after += 1; if after > 5 { break } }
                let r = try await d.get("/v1/storage/containers")
                seen.append(r.status == 200 ? (r.json["containers"]?.arrayValue?.first?.stringValue ?? "?") : "HTTP \(r.status)")
                try await Task.sleep(for: .milliseconds(5))
            }
            return seen
        }
        try FixtureStorage.rewrite(d, version: "2.0.0", library: v2, isolation: isolation)
        let swap = try await d.put("/v1/providers/storage", ["plugin": "fixture-storage", "probation_ms": 300])
        swapped.withLock { $0 = true }
        #expect(swap.status == 200, "\(swap.text)")
        #expect(swap.json["from"] == "fixture-storage@1.0.0")
        #expect(swap.json["to"] == "fixture-storage@2.0.0")
        let seen = try await reader.value
        #expect(seen.allSatisfy { $0 == "served-by-1.0.0" || $0 == "served-by-2.0.0" }, "\(Set(seen))")
        #expect(try await FixtureStorage.servedBy(d) == "served-by-2.0.0")

        let provider = try await d.get("/v1/providers").json["providers"]?.arrayValue?.first { $0["kind"] == "storage" }
        #expect(provider?["version"] == "2.0.0")
        let plugin = try await d.get("/v1/plugins").json["plugins"]?.arrayValue?.first { $0["id"] == "fixture-storage" }
        #expect(plugin?["version"] == "2.0.0")
        #expect(plugin?["library"]?.stringValue == v2.path)
        #expect(plugin?["isolation"]?.stringValue == isolation)
        if isolation == "process" {
            // After probation the v1 child is stopped and forgotten; the v2 child serves.
            try await d.eventually("v1 child gone") {
                let names = try await d.get("/v1/processes").json["processes"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
                return names.count == 1 && names[0].hasPrefix("plugin:fixture-storage#")
            }
            let name = plugin?["process"]?.stringValue
            let running = try await d.get("/v1/processes").json["processes"]?.arrayValue?.first
            #expect(running?["name"]?.stringValue == name)
            #expect(running?["state"] == "ready")
        }
        try await d.stop()
    }

    @Test(arguments: ["in-process", "process"])
    func aBrokenNewVersionLeavesTheOldOneServing(_ isolation: String) async throws {
        let v1 = try await FixtureStorage.build(version: "1.0.0")
        let unhealthy = try await FixtureStorage.build(version: "2.0.0", defines: ["UNHEALTHY"])
        let mislabelled = try await FixtureStorage.build(version: "1.0.0")
        let d = try await TestDaemon.start(config: FixtureStorage.daemonConfig, manifests: FixtureStorage.repoManifests,
                                           extraManifests: ["fixture-storage.json": FixtureStorage.manifest(version: "1.0.0", library: v1, isolation: isolation)])

        // v2 that fails its health check.
        try FixtureStorage.rewrite(d, version: "2.0.0", library: unhealthy, isolation: isolation)
        let r1 = try await d.put("/v1/providers/storage", ["plugin": "fixture-storage", "probation_ms": 200])
        #expect(r1.status == 503)
        #expect(r1.json["error"]?["message"]?.stringValue?.hasPrefix("swap refused, fixture-storage keeps serving: fixture-storage failed its health check") == true, "\(r1.text)")
        #expect(try await FixtureStorage.servedBy(d) == "served-by-1.0.0")

        // A manifest that says 2.0.0 for a library that reports 1.0.0.
        try FixtureStorage.rewrite(d, version: "2.0.0", library: mislabelled, isolation: isolation)
        let r2 = try await d.put("/v1/providers/storage", ["plugin": "fixture-storage", "probation_ms": 200])
        #expect(r2.status == 503)
        #expect(r2.json["error"]?["message"]?.stringValue?.contains("field \"version\": manifest says \"2.0.0\" but the library reports \"1.0.0\"") == true, "\(r2.text)")
        #expect(try await FixtureStorage.servedBy(d) == "served-by-1.0.0")

        // A v2 library that is not there.
        try FixtureStorage.rewrite(d, version: "2.0.0", library: v1.deletingLastPathComponent().appendingPathComponent("missing.so"),
                                   isolation: isolation, pin: false)
        let r3 = try await d.put("/v1/providers/storage", ["plugin": "fixture-storage"])
        #expect(r3.status == 503)
        #expect(r3.json["error"]?["message"]?.stringValue?.contains("missing.so not found") == true, "\(r3.text)")
        #expect(try await FixtureStorage.servedBy(d) == "served-by-1.0.0")
        if isolation == "process" {
            // Refused v2 children are gone; only v1's runs.
            let names = try await d.get("/v1/processes").json["processes"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(names.count == 1)
        }
        try await d.stop()
    }
}

/// The C fixture storage plugin: builds, manifests, and how to see which version serves.
enum FixtureStorage {
    static let source = BuildProducts.repoRoot.appendingPathComponent("Tests/ABITests/Fixtures/versioned_storage.c")
    static let headerDir = BuildProducts.repoRoot.appendingPathComponent("PluginSDK/CLightningABI/include")

    /// The daemon config that binds the fixture as the storage provider.
    static let daemonConfig: JSONValue = ["providers": ["storage": ["plugin": "fixture-storage"]]]

    /// The repository manifests a fixture daemon needs (the event bus; no other storage).
    static func repoManifests(_ name: String) -> Bool { name == "local-eventbus.json" }

    /// Compiles the fixture into a new folder (each build has a path of its own).
    static func build(version: String, defines: [String] = []) async throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lt-fixture-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let out = dir.appendingPathComponent("libfixture-storage.so")
        let args = ["-shared", "-fPIC", "-O1", "-Wall", "-Werror", "-I", headerDir.path, "-DPLUGIN_VERSION=\"\(version)\""]
            + defines.map { "-D\($0)" } + [source.path, "-o", out.path]
        let (status, output) = try await TestProcess.run("/usr/bin/cc", args)
        guard status == 0 else { throw TestFailure("cc \(args.joined(separator: " ")) failed (\(status)): \(output)") }
        return out
    }

    static func manifest(version: String, library: URL, isolation: String, sha256: String = String(repeating: "0", count: 64)) -> String {
        """
        {"manifest_version": 1, "id": "fixture-storage", "name": "Fixture storage (C, tests only)", "version": "\(version)",
         "kind": "provider", "provides": "storage", "isolation": "\(isolation)", "abi_version": 1,
         "library": {"path": "\(library.path)", "sha256": "\(sha256)"}}
        """
    }

    /// Replaces the daemon's fixture manifest (pinned to the library's sha256 unless `pin` is false).
    static func rewrite(_ d: TestDaemon, version: String, library: URL, isolation: String, pin: Bool = true) throws {
        let sha = pin ? try PluginLoader.sha256(ofFileAt: library, subject: library.path) : String(repeating: "0", count: 64)
        try Data(manifest(version: version, library: library, isolation: isolation, sha256: sha).utf8)
            .write(to: d.manifestsDir.appendingPathComponent("fixture-storage.json"))
    }

    /// The one container name the fixture lists: `served-by-<its version>`.
    static func servedBy(_ d: TestDaemon) async throws -> String? {
        let r = try await d.get("/v1/storage/containers")
        guard r.status == 200 else { throw TestFailure("GET /v1/storage/containers: HTTP \(r.status) \(r.text)") }
        return r.json["containers"]?.arrayValue?.first?.stringValue
    }
}

