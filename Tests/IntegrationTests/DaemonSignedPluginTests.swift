import Foundation
import LightningTestSupport
import LightningProtocol
import Testing

/// Signed plugins with the real binary (docs/plugin-abi.md#signed-plugins): `plugins keygen`,
/// `pin`, `sign`, `verify`, and a daemon with `plugins.require_signature` on that loads the
/// plugins signed by a trusted key and refuses, naming the key id and the file, the unsigned one
/// and the one signed by a key it does not trust, while starting with the rest.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DaemonSignedPluginTests {
    func lightning(_ args: [String], environment: [String: String] = [:]) async throws -> (Int32, String, String) {
        let p = try TestProcess(BuildProducts.lightning, args, environment: environment)
        let code = try await p.wait(timeout: .seconds(120))
        return (code, p.stdout, p.stderr)
    }

    @Test func requireSignatureLoadsTrustedPluginsAndRefusesUnsignedAndUntrustedOnes() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lt-signed-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let manifests = root.appendingPathComponent("manifests"), keys = root.appendingPathComponent("keys")
        let otherKeys = root.appendingPathComponent("other-keys"), data = root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: manifests, withIntermediateDirectories: true)
        for name in ["local-eventbus", "sqlite-storage", "echo-driver"] {
            try FileManager.default.copyItem(at: BuildProducts.repoRoot.appendingPathComponent("manifests/\(name).json"),
                                             to: manifests.appendingPathComponent("\(name).json"))
        }
        let pluginDir = ["--plugin-dir", BuildProducts.directory.path]

        // keygen: a private key of mode 0600, a public key, the key id printed.
        let (kc, kout, kerr) = try await lightning(["plugins", "keygen", "--out", keys.path, "--publisher", "acme"])
        #expect(kc == 0, "\(kerr)")
        let keyId = try #require(kout.split(separator: "\n").first { $0.hasPrefix("key id") }?.split(separator: " ").last.map(String.init))
        let attrs = try FileManager.default.attributesOfItem(atPath: keys.appendingPathComponent("acme.key").path)
        #expect((attrs[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let again = try await lightning(["plugins", "keygen", "--out", keys.path, "--publisher", "acme"])
        #expect(again.0 != 0 && again.2.contains("acme.key: already exists"), "\(again.2)")
        let (oc, oout, _) = try await lightning(["plugins", "keygen", "--out", otherKeys.path, "--publisher", "mallory"])
        #expect(oc == 0)
        let otherId = try #require(oout.split(separator: "\n").first { $0.hasPrefix("key id") }?.split(separator: " ").last.map(String.init))

        // sign refuses a manifest not pinned to its library; pin, then sign: the bus with the
        // trusted key, storage with the untrusted one, the echo driver not at all.
        let unpinned = try await lightning(["plugins", "sign", manifests.appendingPathComponent("local-eventbus.json").path,
                                            "--key", keys.appendingPathComponent("acme.key").path] + pluginDir)
        #expect(unpinned.0 != 0 && unpinned.1.contains("run `lightning plugins pin` before signing"), "\(unpinned.1)")
        #expect(try await lightning(["plugins", "pin", "--manifests", manifests.path] + pluginDir).0 == 0)
        let (sc, sout, serr) = try await lightning(["plugins", "sign", manifests.appendingPathComponent("local-eventbus.json").path,
                                                    "--key", keys.appendingPathComponent("acme.key").path] + pluginDir)
        #expect(sc == 0, "\(sout)\(serr)")
        #expect(sout.contains("signed  ") && sout.contains("local-eventbus.json.sig (key \(keyId), publisher \"acme\")"), "\(sout)")
        #expect(try await lightning(["plugins", "sign", manifests.appendingPathComponent("sqlite-storage.json").path,
                                     "--key", otherKeys.appendingPathComponent("mallory.key").path] + pluginDir).0 == 0)

        // verify reports each status, and refuses as the daemon will with --require-signature.
        let trusted = keys.appendingPathComponent("acme.pub").path
        let (vc, vout, _) = try await lightning(["plugins", "verify", "--manifests", manifests.path, "--trusted-keys", trusted] + pluginDir)
        #expect(vc == 0, "\(vout)")
        #expect(vout.contains("signature: signed by \"acme\" (key \(keyId))"), "\(vout)")
        #expect(vout.contains("signature: signed by an untrusted key \(otherId) (publisher \"mallory\")"), "\(vout)")
        #expect(vout.contains("signature: unsigned"), "\(vout)")
        let (rc, rout, _) = try await lightning(["plugins", "verify", "--manifests", manifests.path, "--trusted-keys", trusted, "--require-signature"] + pluginDir)
        #expect(rc != 0)
        #expect(rout.contains("echo-driver.json: unsigned plugin: no signature file"), "\(rout)")
        #expect(rout.contains("sqlite-storage.json: signed in ") && rout.contains("by key \(otherId) (publisher \"mallory\"), which is not in plugins.trusted_keys"), "\(rout)")

        // The daemon with the policy on: starts on the signed bus, refuses the other two.
        let daemon = try TestProcess(BuildProducts.lightning, ["serve", "--port", "0", "--data-dir", data.path, "--manifests", manifests.path] + pluginDir,
                                     environment: ["LIGHTNING_PLUGINS_REQUIRE_SIGNATURE": "on", "LIGHTNING_PLUGINS_TRUSTED_KEYS": keys.path])
        defer { daemon.signal(SIGKILL) }
        let line = try await daemon.waitForLine(containing: "listening on ", timeout: .seconds(60))
        let base = String(line.split(separator: " ").last ?? "")
        let env = ["LIGHTNING_URL": base, "LIGHTNING_DATA_DIR": data.path]
        let (lc, lout, lerr) = try await lightning(["plugins", "list", "--json"], environment: env)
        #expect(lc == 0, "\(lerr)")
        let plugins = try Wire.decode(JSONValue.self, from: Data(lout.utf8))["plugins"]?.arrayValue ?? []
        func plugin(_ id: String) -> JSONValue? { plugins.first { $0["id"]?.stringValue == id } }
        #expect(plugin("local-eventbus")?["state"] == "loaded", "\(plugins)")
        #expect(plugin("local-eventbus")?["signature"]?.stringValue == "signed by \"acme\" (key \(keyId))")
        #expect(plugin("echo-driver")?["state"] == "failed")
        let echoError = plugin("echo-driver")?["error"]?.stringValue ?? ""
        #expect(echoError.contains("unsigned plugin: no signature file") && echoError.contains("echo-driver.json.sig, and plugins.require_signature is on"), "\(echoError)")
        #expect(plugin("sqlite-storage")?["state"] == "failed")
        let storageError = plugin("sqlite-storage")?["error"]?.stringValue ?? ""
        #expect(storageError.contains("sqlite-storage.json.sig by key \(otherId) (publisher \"mallory\"), which is not in plugins.trusted_keys (\(keys.path))"), "\(storageError)")
        // The table shows the refusal too, and the log names the manifest.
        let (_, table, _) = try await lightning(["plugins"], environment: env)
        #expect(table.contains("unsigned plugin: no signature file"), "\(table)")
        #expect(daemon.stderr.contains("manifest refused: ") && daemon.stderr.contains("echo-driver.json: unsigned plugin"), "\(daemon.stderr.suffix(3000))")
        // The events path works on the signed bus.
        let (pc, _, perr) = try await lightning(["events", "publish", "signed.check", "--data", "{}"], environment: env)
        #expect(pc == 0, "\(perr)")
        daemon.signal(SIGTERM)
        _ = try await daemon.wait(timeout: .seconds(60))
    }

    /// A library changed after signing is refused even though the manifest is untouched; so is the
    /// manifest once re-pinned to it.
    @Test func aLibraryChangedAfterSigningIsRefused() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lt-signed-lib-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let manifests = root.appendingPathComponent("manifests"), keys = root.appendingPathComponent("keys"), libs = root.appendingPathComponent("libs")
        for d in [manifests, libs] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        try FileManager.default.copyItem(at: BuildProducts.repoRoot.appendingPathComponent("manifests/echo-driver.json"), to: manifests.appendingPathComponent("echo-driver.json"))
        let lib = libs.appendingPathComponent("libLightningEchoDriver.so")
        try FileManager.default.copyItem(at: BuildProducts.url("libLightningEchoDriver.so"), to: lib)
        #expect(try await lightning(["plugins", "keygen", "--out", keys.path]).0 == 0)
        #expect(try await lightning(["plugins", "pin", "--manifests", manifests.path, "--plugin-dir", libs.path,
                                     "--sign-key", keys.appendingPathComponent("publisher.key").path]).0 == 0)
        let args = ["plugins", "verify", "--manifests", manifests.path, "--plugin-dir", libs.path, "--trusted-keys", keys.path, "--require-signature"]
        let ok = try await lightning(args)
        #expect(ok.0 == 0, "\(ok.1)")
        // One byte appended to the library: the manifest is untouched, the library is not what was signed.
        let handle = try FileHandle(forWritingTo: lib)
        try handle.seekToEnd(); try handle.write(contentsOf: Data([0])); try handle.close()
        let changed = try await lightning(args)
        #expect(changed.0 != 0)
        #expect(changed.1.contains("echo-driver.json: bad signature in ") && changed.1.contains("the library changed since it was signed"), "\(changed.1)")
        // Pinned again (as after a rebuild): now the manifest is not what was signed either.
        let manifestBefore = try Data(contentsOf: manifests.appendingPathComponent("echo-driver.json"))
        #expect(try await lightning(["plugins", "pin", "--manifests", manifests.path, "--plugin-dir", libs.path]).0 == 0)
        #expect(try Data(contentsOf: manifests.appendingPathComponent("echo-driver.json")) != manifestBefore)
        let refused = try await lightning(args)
        #expect(refused.0 != 0)
        #expect(refused.1.contains("echo-driver.json: bad signature in ") && refused.1.contains("the manifest changed since it was signed"), "\(refused.1)")
    }
}
