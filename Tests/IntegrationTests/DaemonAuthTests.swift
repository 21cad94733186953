import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LightningTestSupport
import LightningProtocol
import Testing

/// Issue 17 with the real daemon: tokens and scopes (item 1), binding (item 3), and the bounds
/// on what the API may ask for (item 9), including both attacks the issue describes.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DaemonAuthTests {
    static let minimal: @Sendable (String) -> Bool = { ["sqlite-storage.json", "local-eventbus.json", "echo-driver.json"].contains($0) }

    @Test func firstStartWritesAnAdminTokenOnlyTheOwnerCanRead() async throws {
        let d = try await TestDaemon.start(manifests: Self.minimal)
        let tokenFile = d.dataDir.appendingPathComponent("admin.token")
        let storeFile = d.dataDir.appendingPathComponent("tokens.json")
        let admin = try #require(d.adminToken)
        #expect(admin.hasPrefix("lt_") && admin.count == 67)
        for f in [tokenFile, storeFile, d.dataDir] {
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: f.path)[.posixPermissions] as? Int)
            #expect(mode == (f == d.dataDir ? 0o700 : 0o600), "\(f.lastPathComponent): mode \(String(mode, radix: 8))")
        }
        #expect(!(try String(contentsOf: storeFile, encoding: .utf8)).contains(admin), "tokens.json holds a secret")
        #expect(d.process.stderr.contains("first start: wrote admin token"), "\(d.process.stderr.suffix(2000))")
        // A restart keeps the store and does not write a new admin token.
        try await d.stop()
        try await d.restart()
        #expect(d.adminToken == admin)
        #expect(try await d.get("/v1/plugins").status == 200)
        try await d.stop()
    }

    @Test func requestsNeedAValidTokenWithTheRoutesScope() async throws {
        let d = try await TestDaemon.start(manifests: Self.minimal)
        // Open routes: probes and the API's description.
        for path in ["/health", "/ready", "/openapi.json"] {
            #expect(try await d.request("GET", path, token: .some(nil)).status == 200, "\(path)")
        }
        // No token: 401, the JSON error shape, WWW-Authenticate.
        let none = try await d.request("GET", "/v1/plugins", token: .some(nil))
        #expect(none.status == 401)
        #expect(none.json["error"]?["code"] == "unauthenticated")
        #expect(none.json["error"]?["message"]?.stringValue?.hasPrefix("GET /v1/plugins needs a token with scope \"read\"") == true, "\(none.text)")
        #expect(none.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
        let wrong = try await d.request("GET", "/metrics", token: "lt_" + String(repeating: "0", count: 64))
        #expect(wrong.status == 401)
        #expect(wrong.headers["www-authenticate"]?.contains("invalid_token") == true)
        // Unknown routes and methods fail closed: 401 without a token, 404/405 with an admin one.
        #expect(try await d.request("GET", "/v2/nothing", token: .some(nil)).status == 401)
        #expect(try await d.request("POST", "/health", token: .some(nil)).status == 401)
        #expect(try await d.get("/v2/nothing").status == 404)
        #expect(try await d.request("POST", "/health").status == 405)

        // A read token: reads, but cannot publish or administer (403 naming the scope).
        let (code, secret, err) = try await d.cli(["tokens", "create", "--scope", "read", "--name", "dashboard"])
        #expect(code == 0, "\(err)")
        let reader = secret.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(reader.hasPrefix("lt_") && err.contains("shown only once"))
        #expect(try await d.request("GET", "/v1/plugins", token: reader).status == 200)
        let denied = try await d.request("POST", "/v1/events", body: try Wire.encode(["type": "echo.request"] as JSONValue), token: reader)
        #expect(denied.status == 403)
        #expect(denied.json["error"]?["code"] == "permission_denied")
        #expect(denied.json["error"]?["message"]?.stringValue?.contains("needs scope \"events:write\"") == true, "\(denied.text)")
        #expect(try await d.request("GET", "/v1/config", token: reader).status == 403)
        #expect(try await d.request("GET", "/v1/tokens", token: reader).status == 403)

        // A publisher limited to echo.*: publishes those, 403 for any other type, cannot read.
        let created = try await d.post("/v1/tokens", ["scopes": ["events:write"], "events": ["echo.*"]])
        #expect(created.status == 201, "\(created.text)")
        let publisher = try #require(created.json["secret"]?.stringValue)
        let pid = try #require(created.json["token"]?["id"]?.stringValue)
        #expect(try await d.request("POST", "/v1/events", body: try Wire.encode(["type": "echo.request"] as JSONValue), token: publisher).status == 202)
        let outside = try await d.request("POST", "/v1/events", body: try Wire.encode([["type": "echo.request"], ["type": "billing.refund"]] as JSONValue),
                                          token: publisher)
        #expect(outside.status == 403)
        #expect(outside.json["error"]?["message"] == .string("events[1]: field \"type\": token \(pid) may publish echo.* only, got \"billing.refund\""))
        #expect(try await d.request("GET", "/v1/events", token: publisher).status == 403)

        // List and revoke through the CLI (admin token found through LIGHTNING_DATA_DIR).
        let (lcode, list, _) = try await d.cli(["tokens", "list"])
        #expect(lcode == 0 && list.hasPrefix("ID") && list.contains(pid) && list.contains("dashboard"), "\(list)")
        #expect(!list.contains(reader) && !list.contains(publisher))
        let (rcode, revoked, _) = try await d.cli(["tokens", "revoke", pid])
        #expect(rcode == 0 && revoked == "revoked \(pid)\n")
        #expect(try await d.request("POST", "/v1/events", body: try Wire.encode(["type": "echo.request"] as JSONValue), token: publisher).status == 401)

        // Expiry.
        // (5 s: on a loaded machine the first request can take more than 1 s to arrive.)
        let short = try await d.post("/v1/tokens", ["scopes": ["read"], "expires_in_seconds": 5])
        let shortSecret = try #require(short.json["secret"]?.stringValue)
        #expect(try await d.request("GET", "/v1/plugins", token: shortSecret).status == 200)
        try await Task.sleep(for: .milliseconds(5300))
        let expired = try await d.request("GET", "/v1/plugins", token: shortSecret)
        #expect(expired.status == 401)
        #expect(expired.json["error"]?["message"]?.stringValue?.contains("expired at") == true, "\(expired.text)")

        // The CLI without any token says where it looked.
        let p = try TestProcess(BuildProducts.lightning, ["plugins"], environment: ["LIGHTNING_URL": d.base, "LIGHTNING_DATA_DIR": d.root.path])
        #expect(try await p.wait() == 1)
        #expect(p.stderr.contains("(unauthenticated, HTTP 401) [no token found; looked at LIGHTNING_TOKEN"), "\(p.stderr)")
        // A token file others can read is refused, as ssh refuses such keys.
        let loose = d.root.appendingPathComponent("loose.token")
        try Data((reader + "\n").utf8).write(to: loose)
        chmod(loose.path, 0o644)
        let (lc, _, lerr) = try await d.cli(["plugins", "--token-file", loose.path])
        #expect(lc == 1 && lerr.contains("token file \(loose.path) (from --token-file \(loose.path)): expected mode 0600 (owner only), got 0644"), "\(lerr)")
        chmod(loose.path, 0o600)
        #expect(try await d.cli(["plugins", "--token-file", loose.path]).0 == 0)
        // Bad scopes are usage errors before anything is sent.
        let (sc, _, serr) = try await d.cli(["tokens", "create", "--scope", "root"])
        #expect(sc == 64 && serr.contains("--scope: expected read, events:write, admin, got \"root\""), "\(serr)")
        // LIGHTNING_TOKEN wins over the data folder.
        let q = try TestProcess(BuildProducts.lightning, ["config"], environment: d.cliEnvironment.merging(["LIGHTNING_TOKEN": reader]) { $1 })
        #expect(try await q.wait() == 1)
        #expect(q.stderr.contains("permission_denied, HTTP 403"), "\(q.stderr)")
        try await d.stop()
    }

    /// The two attacks, as a local user with an admin token would send them.
    @Test func theAPICannotAskForMoreThanTheOperatorsPolicy() async throws {
        let d = try await TestDaemon.start(manifests: Self.minimal)
        // 1. A function with no sandbox running /bin/sh.
        // A well-formed manifest (one the document's schema and the parser accept): only the
        // policy stands in its way.
        let shell: JSONValue = ["manifest_version": 1, "id": "pwn", "name": "pwn", "kind": "function", "version": "1.0.0", "sandbox": ["profile": "none"],
                                "process": ["command": "/bin/sh", "args": ["-c", "id > /tmp/pwned"]]]
        let r1 = try await d.post("/v1/functions", shell)
        #expect(r1.status == 403, "\(r1.text)")
        #expect(r1.json["error"]?["code"] == "permission_denied")
        #expect(r1.json["error"]?["message"]?.stringValue?.contains("field \"sandbox.profile\": policy sandbox_default") == true, "\(r1.text)")
        // Even with the strongest sandbox, /bin/sh is outside the allowed directories.
        var strict = shell
        if case .object(var o) = strict { o["sandbox"] = ["profile": "strict"]; strict = .object(o) }
        let r2 = try await d.post("/v1/functions", strict)
        #expect(r2.status == 403, "\(r2.text)")
        #expect(r2.json["error"]?["message"]?.stringValue?.contains("field \"process.command\": policy api_command_dirs: /") == true, "\(r2.text)")
        #expect(try await d.get("/v1/functions/pwn").status == 404)

        // 2. A storage provider whose database is anywhere: the issue's own request, then a path we can watch.
        let any = try await d.put("/v1/providers/storage", ["plugin": "sqlite-storage", "config": ["path": "/any/path"]])
        #expect(any.status == 403 && any.json["error"]?["code"] == "permission_denied", "\(any.text)")
        #expect(!FileManager.default.fileExists(atPath: "/any"))
        let outside = d.root.appendingPathComponent("outside/any.sqlite")
        let r3 = try await d.put("/v1/providers/storage", ["plugin": "sqlite-storage", "config": ["path": .string(outside.path)]])
        #expect(r3.status == 403, "\(r3.text)")
        #expect(r3.json["error"]?["message"]?.stringValue?.hasPrefix("PUT /v1/providers/storage: field \"config.path\": policy api_provider_paths: ") == true, "\(r3.text)")
        #expect(!FileManager.default.fileExists(atPath: outside.deletingLastPathComponent().path))
        let r4 = try await d.put("/v1/providers/storage", ["plugin": "sqlite-storage", "config": ["path": "../../escape.sqlite"]])
        #expect(r4.status == 403, "\(r4.text)")
        // Inside the data folder is still fine.
        let ok = try await d.put("/v1/providers/storage", ["plugin": "sqlite-storage", "config": ["path": "inside.sqlite"], "probation_ms": 0])
        #expect(ok.status == 200, "\(ok.text)")

        // Every one of those calls is audited, refused or not, with the admin token's id.
        let adminId = try #require(try await d.get("/v1/tokens").json["tokens"]?.arrayValue?.first?["id"]?.stringValue)
        let audit = try await d.history("type=audit.*")
        let swaps = audit.filter { $0["data"]?["route"] == "PUT /v1/providers/{kind}" }
        #expect(swaps.map { $0["data"]?["outcome"]?.stringValue ?? "" }.sorted() == ["failed", "failed", "failed", "succeeded"], "\(audit)")
        #expect(swaps.allSatisfy { $0["type"] == "audit.providers" && $0["data"]?["principal"] == .string(adminId) })
        let deploys = audit.filter { $0["data"]?["route"] == "POST /v1/functions" }
        #expect(deploys.count == 2 && deploys.allSatisfy { $0["data"]?["status"] == 403 && $0["type"] == "audit.functions" })
        try await d.stop()
    }

    @Test func authenticationOffIsExplicitWarnedAndLoopbackOnly() async throws {
        // Beyond loopback with auth off: refused, saying why and how.
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lt-bind-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let p = try TestProcess(BuildProducts.lightning, [
            "serve", "--host", "0.0.0.0", "--port", "0", "--data-dir", root.appendingPathComponent("data").path,
            "--manifests", BuildProducts.repoRoot.appendingPathComponent("manifests").path, "--plugin-dir", BuildProducts.directory.path,
        ], environment: ["LIGHTNING_AUTH": "off"])
        #expect(try await p.wait() != 0)
        #expect(p.stderr.contains("refusing to listen on 0.0.0.0 (from flag --host) with authentication off (auth: false, from env LIGHTNING_AUTH)"), "\(p.stderr)")
        #expect(p.stderr.contains("or listen on 127.0.0.1"))

        // On loopback: starts with a warning, writes no token, answers without one.
        let d = try await TestDaemon.start(manifests: Self.minimal, environment: ["LIGHTNING_AUTH": "off"])
        #expect(d.process.stderr.contains("authentication is OFF (auth: false, from env LIGHTNING_AUTH)"), "\(d.process.stderr.suffix(2000))")
        #expect(d.adminToken == nil)
        #expect(!FileManager.default.fileExists(atPath: d.dataDir.appendingPathComponent("tokens.json").path))
        #expect(try await d.get("/v1/plugins").status == 200)
        let (code, out, _) = try await d.cli(["config"])
        #expect(code == 0)
        #expect(out.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }.contains("auth false env LIGHTNING_AUTH"), "\(out)")
        #expect(try await d.get("/v1/tokens").status == 503)
        // The policy holds without authentication too.
        let r = try await d.put("/v1/providers/storage", ["plugin": "sqlite-storage", "config": ["path": "/any/path"]])
        #expect(r.status == 403, "\(r.text)")
        try await d.stop()
    }
}
