import Foundation
import HostCore
import LightningProtocol
import LightningTestSupport
import Testing

/// `lightning plugins test MANIFEST`, the conformance kit as a plugin author runs it: full stdout
/// and exit code, against a shipped provider that keeps the contract and a C fixture that does not.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct PluginsTestCommandTests {
    func run(_ args: [String]) async throws -> (Int32, String, String) {
        let p = try TestProcess(BuildProducts.lightning, ["plugins", "test"] + args)
        let code = try await p.wait(timeout: .seconds(240))
        return (code, p.stdout, p.stderr)
    }

    @Test func aProviderThatKeepsTheContractPassesInBothTiers() async throws {
        let manifest = BuildProducts.repoRoot.appendingPathComponent("manifests/sqlite-storage.json").path
        let (code, out, err) = try await run([manifest, "--pin", "--rule", "storage.etag"])
        #expect(code == 0, "\(out)\n\(err)")
        #expect(out.hasPrefix("testing sqlite-storage 1.0.0 (storage contract, 6 rules) from /"), "\(out)")
        for rule in ["storage.etag.format", "storage.etag.if-match", "storage.etag.star", "storage.etag.upsert-missing",
                     "storage.etag.refused-values", "storage.etag.one-winner"] {
            #expect(out.contains("ok    \(rule) [in-process]\n") && out.contains("ok    \(rule) [process]\n"), "\(rule): \(out)")
        }
        #expect(out.hasSuffix("all 12 rule runs passed\n"), "\(out)")
    }

    @Test func aProviderThatBreaksTheContractFailsNamingTheRuleAndItsSection() async throws {
        let library = try await FixtureStorage.build(version: "1.0.0")
        let sha = try PluginLoader.sha256(ofFileAt: library, subject: library.path)
        let manifest = library.deletingLastPathComponent().appendingPathComponent("fixture-storage.json")
        try Data(FixtureStorage.manifest(version: "1.0.0", library: library, isolation: "in-process", sha256: sha).utf8).write(to: manifest)
        defer { try? FileManager.default.removeItem(at: library.deletingLastPathComponent()) }
        let (code, out, _) = try await run([manifest.path, "--tier", "in-process", "--rule", "storage.containers.lifecycle"])
        #expect(code == 1, "\(out)")
        #expect(out.contains("FAIL  storage.containers.lifecycle [in-process]: containers are created"), "\(out)")
        #expect(out.contains("      breaks docs/plugin-abi.md#storage-containers\n"), "\(out)")
        #expect(out.contains("      - "), "\(out)")
        #expect(out.hasSuffix("1 of 1 rule runs failed\n"), "\(out)")

        // The pin is checked unless --pin: a manifest that does not match its library is refused.
        try Data(FixtureStorage.manifest(version: "1.0.0", library: library, isolation: "in-process").utf8).write(to: manifest)
        let (badPin, _, pinErr) = try await run([manifest.path, "--tier", "in-process"])
        #expect(badPin == 64)
        #expect(pinErr.contains("field \"library.sha256\": expected 0000"), "\(pinErr)")
    }

    @Test func badInputIsRefusedAndTheRulesCanBeListed() async throws {
        let agent = BuildProducts.repoRoot.appendingPathComponent("manifests/example-agent.json").path
        let (code, _, err) = try await run([agent])
        #expect(code == 64)
        #expect(err.contains("the kit tests storage, eventbus, functions and containers providers and drivers; this manifest is kind agent"), "\(err)")
        let bus = BuildProducts.repoRoot.appendingPathComponent("manifests/local-eventbus.json").path
        let (none, _, noneErr) = try await run([bus, "--rule", "storage."])
        #expect(none == 64)
        #expect(noneErr.contains("--rule storage.: no eventbus rule starts with it"), "\(noneErr)")
        let (listed, list, _) = try await run([bus, "--list"])
        #expect(listed == 0)
        #expect(list.contains("eventbus.retry-dead-letter  a nacked event is retried") && list.contains("[docs/plugin-abi.md#busnack]"), "\(list)")
    }

    /// The functions kit against azure-functions and its loopback app (the fixture `echo`), and the
    /// containers kit's required fixture.
    @Test func functionsAndContainersProvidersHaveSuites() async throws {
        let description: JSONValue = ["master_key": "mk-kit", "functions": ["echo": ["trigger": "http", "auth": "anonymous", "behavior": "echo"]]]
        let app = try await FakeServer(script: "functions_fake.py", args: ["--config", String(decoding: try Wire.encode(description), as: UTF8.self)])
        let manifest = BuildProducts.repoRoot.appendingPathComponent("manifests/azure-functions.json").path
        let config = #"{"app_url": "\#(app.baseURL)", "functions": [{"name": "echo"}], "master_key": "mk-kit"}"#
        let (code, out, err) = try await run([manifest, "--pin", "--rule", "functions.invoke", "--config", config])
        #expect(code == 0, "\(out)\n\(err)")
        #expect(out.hasPrefix("testing azure-functions 1.0.0 (functions contract, 3 rules) from /"), "\(out)")
        for rule in ["functions.invoke.sync", "functions.invoke.concurrent", "functions.invoke.async"] {
            #expect(out.contains("ok    \(rule) [in-process]\n") && out.contains("ok    \(rule) [process]\n"), "\(rule): \(out)")
        }
        #expect(out.hasSuffix("all 6 rule runs passed\n"), "\(out)")
        // A function the app does not answer with its input breaks the rule, naming its section.
        let (failed, failOut, _) = try await run([manifest, "--pin", "--tier", "in-process", "--rule", "functions.invoke.sync", "--fixture", "function=ghost",
                                                  "--config", #"{"app_url": "\#(app.baseURL)", "functions": [{"name": "ghost"}]}"#])
        #expect(failed == 1, "\(failOut)")
        #expect(failOut.contains("      breaks docs/plugin-abi.md#functions-invocations\n"), "\(failOut)")

        let docker = BuildProducts.repoRoot.appendingPathComponent("manifests/docker-containers.json").path
        let (noImage, _, noImageErr) = try await run([docker, "--pin"])
        #expect(noImage == 64)
        #expect(noImageErr.contains("--fixture image=REF: required for a containers provider"), "\(noImageErr)")
        let (listed, list, _) = try await run([docker, "--list"])
        #expect(listed == 0)
        #expect(list.contains("containers.stop-delete  a running container") && list.contains("[docs/plugin-abi.md#containers-methods]"), "\(list)")
    }
}
