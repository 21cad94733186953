import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LightningTestSupport
import LightningProtocol
import Testing

/// Issue 17, item 2, with the real daemon: the unix socket in the data folder (mode 0600) where
/// the peer's uid (`SO_PEERCRED`) decides; the CLI uses it by default, without a token.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DaemonUnixSocketTests {
    static let minimal: @Sendable (String) -> Bool = { ["sqlite-storage.json", "local-eventbus.json"].contains($0) }

    /// Starts a daemon and waits for its unix socket (bound after the TCP listener).
    func start(config: JSONValue? = nil) async throws -> (TestDaemon, String) {
        let d = try await TestDaemon.start(config: config, manifests: Self.minimal)
        let line = try await d.process.waitForLine(containing: "unix socket ready at ")
        return (d, String(line.split(separator: " ").last ?? ""))
    }

    func mode(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    /// Runs `program` with `args` (no LIGHTNING_* from this process); returns (exit code, stdout, stderr).
    func run(_ program: String, _ args: [String], environment: [String: String] = [:]) async throws -> (Int32, String, String) {
        let p = try TestProcess(URL(fileURLWithPath: program), args, environment: environment)
        let code = try await p.wait()
        return (code, p.stdout, p.stderr)
    }

    @Test func cliWorksThroughTheSocketWithoutAToken() async throws {
        let (d, socket) = try await start()
        #expect(socket == d.dataDir.appendingPathComponent("lightning.sock").path)
        #expect(try mode(socket) & 0o777 == 0o600)
        #expect(d.process.stderr.contains("listening on unix:\(socket)"), "\(d.process.stderr.suffix(2000))")
        // No token anywhere: the admin token file is gone, no LIGHTNING_URL / LIGHTNING_TOKEN.
        try FileManager.default.removeItem(at: d.dataDir.appendingPathComponent("admin.token"))
        let env = ["LIGHTNING_DATA_DIR": d.dataDir.path]
        let (code, out, err) = try await run(BuildProducts.lightning.path, ["plugins", "list"], environment: env)
        #expect(code == 0, "\(err)")
        #expect(out.contains("sqlite-storage"), "\(out)")
        // An admin route, audited with the socket's principal.
        let (created, secret, createErr) = try await run(BuildProducts.lightning.path, ["tokens", "create", "--scope", "read", "--name", "via-socket"], environment: env)
        #expect(created == 0, "\(createErr)")
        #expect(secret.hasPrefix("lt_"), "\(secret)")
        try await d.eventually("audit event of the socket's principal") {
            try await d.history("type=audit.tokens").contains { $0["data"]?["principal"]?.stringValue == "unix:uid=\(getuid())" }
        }
        // Over TCP the same call still needs a token.
        let (tcp, _, tcpErr) = try await run(BuildProducts.lightning.path, ["plugins", "list", "--url", d.base], environment: env)
        #expect(tcp != 0)
        #expect(tcpErr.contains("unauthenticated"), "\(tcpErr)")
        try await d.stop()
    }

    @Test func otherUIDIsRefusedOnTheSocket() async throws {
        let (d, socket) = try await start()
        let asNobody = ["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/curl", "-s", "-w", "\n%{http_code}", "--unix-socket", socket, "http://lightning/v1/plugins"]
        // Mode 0600 in a 0700 folder: another uid cannot even connect.
        let (blocked, _, _) = try await run("/usr/bin/setpriv", asNobody)
        #expect(blocked == 7, "curl exit \(blocked): connected")
        // Opened up by the owner, the socket still refuses the uid (SO_PEERCRED).
        #expect(chmod(d.dataDir.path, 0o755) == 0 && chmod(socket, 0o666) == 0)
        let (code, out, err) = try await run("/usr/bin/setpriv", asNobody)
        #expect(code == 0, "\(err)")
        #expect(out.hasSuffix("\n403"), "\(out)")
        #expect(out.contains("\"permission_denied\"") && out.contains("uid 65534"), "\(out)")
        // The daemon's own uid through the same socket is admin.
        let (own, ownOut, _) = try await run("/usr/bin/curl", ["-s", "-w", "\n%{http_code}", "--unix-socket", socket, "http://lightning/v1/tokens"])
        #expect(own == 0 && ownOut.hasSuffix("\n200"), "\(ownOut)")
        try await d.stop()
    }

    @Test func configuredUIDIsAdmittedOnTheSocket() async throws {
        let (d, socket) = try await start(config: ["unix_socket_allow_uids": [65534]])
        #expect(chmod(d.dataDir.path, 0o755) == 0 && chmod(socket, 0o666) == 0)
        let (code, out, err) = try await run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/curl", "-s", "-w", "\n%{http_code}",
                                                               "--unix-socket", socket, "http://lightning/v1/plugins"])
        #expect(code == 0, "\(err)")
        #expect(out.hasSuffix("\n200"), "\(out)")
        try await d.stop()
    }
}
