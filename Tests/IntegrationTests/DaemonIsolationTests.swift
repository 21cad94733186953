import Foundation
import HostCore
import LightningProtocol
import LightningTestSupport
import Testing

/// The `process` isolation tier in the real daemon: providers and drivers whose manifests say
/// `isolation: process` run in supervised `lightning plugin-host` children; a plugin that
/// crashes takes down its child only, which restarts while the daemon keeps serving.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DaemonIsolationTests {
    @Test func aProviderThatSegfaultsRestartsWhileTheDaemonKeepsServing() async throws {
        let lib = try await FixtureStorage.build(version: "1.0.0", defines: ["ALLOW_CRASH"])
        let d = try await TestDaemon.start(config: FixtureStorage.daemonConfig, manifests: FixtureStorage.repoManifests,
                                           extraManifests: ["fixture-storage.json": FixtureStorage.manifest(version: "1.0.0", library: lib, isolation: "process")])
        let plugin = try #require(try await d.get("/v1/plugins").json["plugins"]?.arrayValue?.first { $0["id"] == "fixture-storage" })
        #expect(plugin["isolation"] == "process")
        #expect(plugin["state"] == "loaded")
        let name = try #require(plugin["process"]?.stringValue)
        #expect(name.hasPrefix("plugin:fixture-storage#"))
        let pid = try #require(plugin["pid"]?.intValue)
        #expect(pid != Int(d.process.pid))
        let proc = try await d.get("/v1/processes/\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
        #expect(proc.status == 200)
        #expect(proc.json["pid"]?.intValue == pid)
        #expect(proc.json["kind"] == "provider")
        #expect(proc.json["state"] == "ready")
        #expect(try await FixtureStorage.servedBy(d) == "served-by-1.0.0")

        // The fixture dereferences NULL while answering: the call in flight fails, nothing else does.
        let crashed = try await d.get("/v1/storage/containers/crash")
        #expect(crashed.status == 503, "\(crashed.text)")
        #expect(crashed.json["error"]?["code"] == "unavailable")
        #expect(try await d.get("/v1/health").status != 500)
        #expect(try await d.get("/v1/plugins").status == 200)
        _ = try await d.publish(["type": "still.serving"])

        try await d.eventually("child restarted") {
            let p = try await d.get("/v1/processes").json["processes"]?.arrayValue?.first { $0["name"]?.stringValue == name }
            return p?["state"] == "ready" && (p?["restarts"]?.intValue ?? 0) >= 1
        }
        let after = try await d.get("/v1/processes").json["processes"]?.arrayValue?.first { $0["name"]?.stringValue == name }
        #expect(after?["last_exit"]?["reason"]?.stringValue?.contains("SIGSEGV") == true, "\(String(describing: after))")
        #expect(after?["pid"]?.intValue != pid)
        #expect(try await FixtureStorage.servedBy(d) == "served-by-1.0.0")
        #expect(try await d.get("/v1/storage/containers/other").status == 200)
        let newPid = try await d.get("/v1/plugins").json["plugins"]?.arrayValue?.first { $0["id"] == "fixture-storage" }?["pid"]?.intValue
        #expect(newPid == after?["pid"]?.intValue)
        try await d.eventually("process.exited event") { try await d.history("type=process.exited").count >= 1 }
        try await d.stop()
    }

    @Test func shippedPluginsServeFromChildProcessesAndSurviveACrash() async throws {
        var extra: [String: String] = [:]
        for file in ["sqlite-storage.json", "local-eventbus.json", "echo-driver.json"] {
            extra[file] = try Self.isolated(file)
        }
        let wanted = Set(extra.keys)
        let d = try await TestDaemon.start(manifests: { wanted.contains($0) }, extraManifests: extra)
        let plugins = try await d.get("/v1/plugins").json["plugins"]?.arrayValue ?? []
        for id in ["sqlite-storage", "local-eventbus", "echo-driver"] {
            let p = plugins.first { $0["id"]?.stringValue == id }
            #expect(p?["isolation"] == "process", "\(id)")
            #expect(p?["state"] == "loaded", "\(id): \(String(describing: p))")
            #expect(p?["pid"]?.intValue != nil, "\(id)")
        }
        let processes = try await d.get("/v1/processes").json["processes"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(processes.count == 3)

        // Storage through the child, events through the child bus, the driver in its child.
        #expect(try await d.put("/v1/storage/containers/people", [:]).status == 201)
        #expect(try await d.post("/v1/storage/containers/people/documents", ["id": "ada", "data": ["n": 1]]).status == 201)
        let id = try await d.publish(["type": "echo.request", "data": ["x": 1]])
        try await d.eventually("echo reply") {
            try await d.history("type=echo.reply").contains { $0["correlation_id"]?.stringValue == id }
        }

        // The storage child dies abruptly (SIGKILL: a SIGSEGV sent from outside is first caught by
        // the Swift runtime's crash handler, a real fault is not): it restarts on the same database.
        let storage = try #require(plugins.first { $0["id"] == "sqlite-storage" })
        let pid = try #require(storage["pid"]?.intValue)
        kill(pid_t(pid), SIGKILL)
        try await d.eventually("storage answers again") {
            let r = try await d.get("/v1/storage/containers/people/documents/ada")
            let now = try await d.get("/v1/plugins").json["plugins"]?.arrayValue?.first { $0["id"] == "sqlite-storage" }?["pid"]?.intValue
            return r.status == 200 && r.json["data"]?["n"] == 1 && now != nil && now != pid
        }
        let id2 = try await d.publish(["type": "echo.request", "data": ["x": 2]])
        try await d.eventually("echo reply after the crash") {
            try await d.history("type=echo.reply").contains { $0["correlation_id"]?.stringValue == id2 }
        }

        // A config the plugin refuses in its child: 400 as in-process, the old child keeps serving.
        // A database under a regular file, inside the data folder (a path outside it is refused
        // with 403 by the API's policy before any child starts).
        try Data().write(to: d.dataDir.appendingPathComponent("blocker"))
        let refused = try await d.put("/v1/providers/storage", ["plugin": "sqlite-storage", "config": ["path": "blocker/db.sqlite"]])
        #expect(refused.status == 400, "\(refused.text)")
        #expect(refused.json["error"]?["message"]?.stringValue?.hasPrefix("swap refused, sqlite-storage keeps serving: the plugin host process did not start: handshake failed: invalid_argument: ") == true,
                "\(refused.text)")
        #expect(try await d.get("/v1/storage/containers/people/documents/ada").status == 200)
        try await d.eventually("refused child gone") {
            (try await d.get("/v1/processes").json["processes"]?.arrayValue?.count) == 3
        }
        try await d.stop()
    }

    @Test func aProviderThatKeepsCrashingIsReportedFailed() async throws {
        let lib = try await FixtureStorage.build(version: "1.0.0", defines: ["ALLOW_CRASH"])
        let manifest = FixtureStorage.manifest(version: "1.0.0", library: lib, isolation: "process")
            .replacingOccurrences(of: #""isolation": "process","#, with: #""isolation": "process", "process": {"intensity": {"max_restarts": 2, "within_seconds": 60}},"#)
        let d = try await TestDaemon.start(config: FixtureStorage.daemonConfig, manifests: FixtureStorage.repoManifests,
                                           extraManifests: ["fixture-storage.json": manifest])
        for _ in 0..<3 {
            try await d.eventually("ready or failed") {
                let p = try await d.get("/v1/processes").json["processes"]?.arrayValue?.first
                return p?["state"] == "ready" || p?["state"] == "failed"
            }
            _ = try await d.get("/v1/storage/containers/crash")
        }
        try await d.eventually("plugin failed") {
            try await d.get("/v1/plugins").json["plugins"]?.arrayValue?.first { $0["id"] == "fixture-storage" }?["state"] == "failed"
        }
        let plugin = try await d.get("/v1/plugins").json["plugins"]?.arrayValue?.first { $0["id"] == "fixture-storage" }
        #expect(plugin?["error"]?.stringValue?.hasPrefix("process failed: killed by signal 11 (SIGSEGV)") == true, "\(String(describing: plugin))")
        let r = try await d.get("/v1/storage/containers")
        #expect(r.status == 503)
        #expect(try await d.get("/v1/plugins").status == 200)
        try await d.stop()
    }

    @Test func aSandboxedProviderKeepsItsDataInItsScratchDirectory() async throws {
        guard case .object(var o) = try JSONDecoder().decode(JSONValue.self, from: Data(try Self.isolated("sqlite-storage.json").utf8)) else {
            throw TestFailure("sqlite-storage.json is not a JSON object")
        }
        o["sandbox"] = ["profile": "standard"]
        let d = try await TestDaemon.start(manifests: { $0 == "local-eventbus.json" },
                                           extraManifests: ["sqlite-storage.json": String(decoding: try Wire.encode(JSONValue.object(o)), as: UTF8.self)])
        let proc = try await d.get("/v1/processes").json["processes"]?.arrayValue?.first { $0["manifest"] == "sqlite-storage" }
        #expect(proc?["sandbox"] == "standard")
        #expect(proc?["state"] == "ready")
        #expect(try await d.put("/v1/storage/containers/boxed", [:]).status == 201)
        let db = d.dataDir.appendingPathComponent("scratch/plugin_sqlite-storage/storage.sqlite")
        #expect(FileManager.default.fileExists(atPath: db.path), "\(db.path)")
        #expect(!FileManager.default.fileExists(atPath: d.dataDir.appendingPathComponent("storage.sqlite").path))
        try await d.stop()
    }

    @Test func thePluginHostChecksAConfigAndIsHiddenFromHelp() async throws {
        let bus = BuildProducts.url("libLightningLocalEventBus.so").path
        let bad = try TestProcess(BuildProducts.lightning, ["plugin-host", "--library", bus, "--id", "local-eventbus",
                                                            "--check-config", #"{"durability": "eventually"}"#])
        #expect(try await bad.wait() == 1)
        #expect(bad.stderr.contains(#"config field "durability": expected "full", "normal" or "memory", got "eventually""#), "\(bad.stderr)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lt-check-\(UUID().uuidString)").path
        let good = try TestProcess(BuildProducts.lightning, ["plugin-host", "--library", bus, "--id", "local-eventbus",
                                                             "--check-config", #"{"data_dir": "\#(dir)"}"#])
        #expect(try await good.wait() == 0, "\(good.stderr)")
        let wrongId = try TestProcess(BuildProducts.lightning, ["plugin-host", "--library", bus, "--id", "someone-else", "--check-config", "{}"])
        #expect(try await wrongId.wait() == 1)
        #expect(wrongId.stderr.contains(#"field "id": manifest says "someone-else" but the library reports "local-eventbus""#), "\(wrongId.stderr)")
        let help = try TestProcess(BuildProducts.lightning, ["--help"])
        #expect(try await help.wait() == 0)
        #expect(!help.stdout.contains("plugin-host"))
        #expect(help.stdout.contains("serve"))
    }

    /// A repository manifest with `isolation: process`.
    static func isolated(_ file: String) throws -> String {
        let url = BuildProducts.repoRoot.appendingPathComponent("manifests/\(file)")
        guard case .object(var o) = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: url)) else {
            throw TestFailure("\(file) is not a JSON object")
        }
        o["isolation"] = "process"
        return String(decoding: try Wire.encode(JSONValue.object(o)), as: UTF8.self)
    }
}
