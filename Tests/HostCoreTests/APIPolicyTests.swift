import Foundation
@testable import HostCore
import LightningProtocol
import Testing

/// The bounds on what the API may ask for (issue 17, item 9), and the binding rule (item 3).
@Suite struct APIPolicyTests {
    let allowed = [URL(fileURLWithPath: "/opt/lightning/bin"), URL(fileURLWithPath: "/srv/manifests")]

    func message(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch let e as WireError {
            return e.code == .permissionDenied ? e.message : "unexpected code \(e.code): \(e.message)"
        } catch { return "unexpected error \(error)" }
    }

    /// The issue's first attack: profile none and /bin/sh, deployed over the API.
    @Test func refusesAWeakerSandboxThanTheDefault() {
        let policy = ManifestPolicy(sandboxDefault: .strict, commandDirs: allowed)
        let m: JSONValue = ["id": "pwn", "sandbox": ["profile": "none"], "process": ["command": "/opt/lightning/bin/fn"]]
        let text = message { try policy.check(manifest: m, program: "/opt/lightning/bin/fn", manifestDir: "/d/functions") }
        #expect(text?.hasPrefix("manifest \"pwn\": field \"sandbox.profile\": policy sandbox_default: ") == true, "\(text ?? "accepted")")
        #expect(text?.contains("got \"none\"") == true)
        let standard = ManifestPolicy(sandboxDefault: .standard, commandDirs: allowed)
        #expect(message { try standard.check(manifest: ["id": "x", "sandbox": ["profile": "strict"]], program: nil, manifestDir: "/d") } == nil)
        #expect(message { try standard.check(manifest: ["id": "x", "sandbox": ["profile": "standard"]], program: nil, manifestDir: "/d") } == nil)
        #expect(message { try standard.check(manifest: ["id": "x"], program: nil, manifestDir: "/d") } == nil)
    }

    @Test func refusesAProgramOutsideTheAllowedDirectories() {
        let policy = ManifestPolicy(sandboxDefault: .none, commandDirs: allowed)
        let m: JSONValue = ["id": "pwn", "process": ["command": "/bin/sh"]]
        let text = message { try policy.check(manifest: m, program: "/bin/sh", manifestDir: "/d/functions") }
        #expect(text?.hasPrefix("manifest \"pwn\": field \"process.command\": policy api_command_dirs: ") == true, "\(text ?? "accepted")")
        #expect(text?.contains("/opt/lightning/bin, /srv/manifests") == true)
        #expect(message { try policy.check(manifest: m, program: "/opt/lightning/bin/fn", manifestDir: "/d") } == nil)
        // Whole path components: /opt/lightning/binx is not inside /opt/lightning/bin.
        #expect(message { try policy.check(manifest: m, program: "/opt/lightning/binx/fn", manifestDir: "/d") } != nil)
        // A sandbox path outside the allowed folders widens what the child sees.
        let paths: JSONValue = ["id": "p", "sandbox": ["paths": [["path": "/etc", "mode": "rw"]]]]
        #expect(message { try policy.check(manifest: paths, program: nil, manifestDir: "/d") }?.contains("field \"sandbox.paths[0].path\"") == true)
    }

    /// The issue's second attack: a storage path anywhere.
    @Test func confinesProviderPathsToTheDataFolder() {
        let policy = ProviderConfigPolicy(dataDir: URL(fileURLWithPath: "/var/lib/lightning"), allowedDirs: [URL(fileURLWithPath: "/mnt/fast")])
        let text = message { try policy.check(["path": "/any/path"]) }
        #expect(text?.hasPrefix("field \"config.path\": policy api_provider_paths: /any/path is outside the data folder /var/lib/lightning") == true,
                "\(text ?? "accepted")")
        #expect(message { try policy.check(["path": "../../etc/x"]) }?.contains("contains \"..\"") == true)
        #expect(message { try policy.check(["path": "/var/lib/lightning/../../etc/x"]) } != nil)
        #expect(message { try policy.check(["nested": ["list": ["ok", "/etc/passwd"]]]) }?.hasPrefix("field \"config.nested.list[1]\"") == true)
        #expect(message { try policy.check(["path": "file:/etc/x.sqlite?mode=rwc"]) } != nil)
        // Allowed: inside the data folder, an allowed folder, relative names, non-path strings.
        #expect(message { try policy.check(["path": "/var/lib/lightning/s.sqlite", "journal": "/mnt/fast/j.sqlite"]) } == nil)
        #expect(message { try policy.check(["path": "swapped.sqlite", "durability": "full", "url": "redis://h:6379/0", "db": ":memory:"]) } == nil)
    }

    @Test func refusesToListenBeyondLoopbackWithoutAuthentication() throws {
        for host in ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"] {
            #expect(BindPolicy.isLoopback(host), "\(host)")
            try BindPolicy.check(host: host, authEnabled: false, hostSource: "default", authSource: "env LIGHTNING_AUTH")
        }
        for host in ["0.0.0.0", "::", "10.0.0.5", "128.0.0.1", "example.com"] { #expect(!BindPolicy.isLoopback(host), "\(host)") }
        try BindPolicy.check(host: "0.0.0.0", authEnabled: true, hostSource: "flag --host", authSource: "default")
        do {
            try BindPolicy.check(host: "0.0.0.0", authEnabled: false, hostSource: "flag --host", authSource: "env LIGHTNING_AUTH")
            Issue.record("expected a refusal for 0.0.0.0 with authentication off")
        } catch let e as HostError {
            #expect(e.description.hasPrefix("host: refusing to listen on 0.0.0.0 (from flag --host) with authentication off (auth: false, from env LIGHTNING_AUTH)"), "\(e)")
            #expect(e.description.contains("listen on 127.0.0.1"))
        }
    }

    @Test func authIsOnUnlessTurnedOffExplicitly() throws {
        var c = DaemonConfig()
        #expect(c.authEnabled)
        try c.apply(environment: ["LIGHTNING_AUTH": "off"])
        #expect(!c.authEnabled && c.source(of: "auth") == "env LIGHTNING_AUTH")
        #expect(throws: HostError.self) { try c.apply(environment: ["LIGHTNING_AUTH": "maybe"]) }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lt-auth-\(UUID().uuidString).json")
        try Data(#"{"auth": false, "api_command_dirs": ["/opt/bin"], "api_provider_paths": ["/mnt"]}"#.utf8).write(to: url)
        var f = DaemonConfig()
        try f.apply(fileAt: url)
        #expect(!f.authEnabled && f.source(of: "auth") == "file \(url.path)")
        #expect(f.apiCommandDirs.map(\.path) == ["/opt/bin"] && f.apiProviderPaths.map(\.path) == ["/mnt"])
        try Data(#"{"auth": "no"}"#.utf8).write(to: url)
        var g = DaemonConfig()
        #expect(throws: HostError.self) { try g.apply(fileAt: url) }
    }
}
