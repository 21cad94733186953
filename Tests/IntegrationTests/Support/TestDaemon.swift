import Foundation
import LightningTestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HostCore
import LightningProtocol

/// The real `lightning` binary, started on a free loopback port with its own data folder and a
/// pinned copy of the repository's manifests.
final class TestDaemon: @unchecked Sendable {
    // Mutated only by the test that owns the daemon, sequentially.
    let root: URL
    let dataDir: URL
    let manifestsDir: URL
    let configFile: URL?
    let environment: [String: String]
    /// A program and its arguments that run the daemon (e.g. `prlimit --nofile=…`); empty = run it directly.
    let launcher: [String]
    /// More `serve` arguments, e.g. `["--host", "10.213.1.2"]`.
    let arguments: [String]
    private(set) var process: TestProcess
    private(set) var base: String
    /// The admin token the daemon wrote to `<data>/admin.token` at its first start (nil with
    /// `auth: false`). Every helper request sends it unless told otherwise.
    private(set) var adminToken: String?

    /// Starts a daemon.
    /// - Parameters:
    ///   - config: written to a config file passed with `--config` (docs/configuration.md).
    ///   - manifests: which repository manifests to copy (by file name); all by default.
    ///   - extraManifests: more manifest files (name → text), e.g. deliberately broken ones.
    ///   - agents: also copy the repository's agent and function manifests (they spawn children
    ///     and publish process events, which would change other tests' counts).
    ///   - launcher: a program and arguments that run the daemon, e.g. `["/usr/bin/prlimit", "--nofile=1024:1024"]`.
    ///   - arguments: more `lightning serve` arguments, e.g. `["--host", address]`.
    static func start(config: JSONValue? = nil, manifests: ((String) -> Bool)? = nil,
                      extraManifests: [String: String] = [:], environment: [String: String] = [:],
                      agents: Bool = false, launcher: [String] = [], arguments: [String] = []) async throws -> TestDaemon {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lt-daemon-\(UUID().uuidString)")
        let manifestsDir = root.appendingPathComponent("manifests")
        try FileManager.default.createDirectory(at: manifestsDir, withIntermediateDirectories: true)
        let repoManifests = BuildProducts.repoRoot.appendingPathComponent("manifests")
        for name in try FileManager.default.contentsOfDirectory(atPath: repoManifests.path) where name.hasSuffix(".json") {
            guard manifests?(name) ?? true else { continue }
            let source = repoManifests.appendingPathComponent(name)
            let text = (try? String(contentsOf: source, encoding: .utf8)) ?? ""
            let isChild = text.contains("\"process\"")
            if isChild && !agents { continue }  // the repository's agents only where a test asks for them
            if isChild {
                // Agents and functions: linked, so `${manifest_dir}` still finds the repository's files.
                try FileManager.default.createSymbolicLink(at: manifestsDir.appendingPathComponent(name), withDestinationURL: source)
            } else {
                try FileManager.default.copyItem(at: source, to: manifestsDir.appendingPathComponent(name))
            }
        }
        for (name, text) in extraManifests { try Data(text.utf8).write(to: manifestsDir.appendingPathComponent(name)) }
        let pinned = ManifestPinner.pin(manifestsIn: manifestsDir, pluginDirs: [BuildProducts.directory])
        _ = pinned
        var configFile: URL?
        if let config {
            let url = root.appendingPathComponent("lightning.json")
            try Wire.encode(config).write(to: url)
            configFile = url
        }
        let d = try TestDaemon(root: root, configFile: configFile, environment: environment, launcher: launcher, arguments: arguments)
        try await d.waitReady()
        return d
    }

    private init(root: URL, configFile: URL?, environment: [String: String], launcher: [String], arguments: [String]) throws {
        self.root = root
        self.environment = environment
        self.launcher = launcher
        self.arguments = arguments
        self.dataDir = root.appendingPathComponent("data")
        self.manifestsDir = root.appendingPathComponent("manifests")
        self.configFile = configFile
        self.process = try Self.spawn(root: root, configFile: configFile, environment: environment, launcher: launcher, arguments: arguments)
        self.base = ""
    }

    private static func spawn(root: URL, configFile: URL?, environment: [String: String], launcher: [String] = [], arguments: [String] = []) throws -> TestProcess {
        var args = ["serve", "--port", "0", "--data-dir", root.appendingPathComponent("data").path,
                    "--manifests", root.appendingPathComponent("manifests").path, "--plugin-dir", BuildProducts.directory.path,
                    "--log-level", "info"]
        if let configFile { args += ["--config", configFile.path] }
        args += arguments
        if let program = launcher.first {
            return try TestProcess(URL(fileURLWithPath: program), Array(launcher.dropFirst()) + [BuildProducts.lightning.path] + args, environment: environment)
        }
        return try TestProcess(BuildProducts.lightning, args, environment: environment)
    }

    private func waitReady() async throws {
        let line = try await process.waitForLine(containing: "listening on ")
        guard let url = line.split(separator: " ").last else { throw TestFailure("no URL in \"\(line)\"") }
        base = String(url)
        adminToken = (try? String(contentsOf: dataDir.appendingPathComponent("admin.token"), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The environment under which the CLI finds this daemon and its admin token (through
    /// `LIGHTNING_DATA_DIR`, as an operator's shell would).
    var cliEnvironment: [String: String] { ["LIGHTNING_URL": base, "LIGHTNING_DATA_DIR": dataDir.path] }

    /// Kills the daemon with SIGKILL (no chance to clean up) and waits for it.
    func kill9() async throws {
        process.signal(SIGKILL)
        try await process.wait()
    }

    /// SIGTERM and wait; returns the exit code.
    @discardableResult
    func stop() async throws -> Int32 {
        process.signal(SIGTERM)
        return try await process.wait()
    }

    /// Starts a new daemon process on the same data and manifests (after `kill9` or `stop`).
    func restart() async throws {
        process = try Self.spawn(root: root, configFile: configFile, environment: environment, launcher: launcher, arguments: arguments)
        try await waitReady()
    }

    // MARK: HTTP

    struct HTTPResult: Sendable {
        var status: Int
        var json: JSONValue
        var headers: [String: String]
        var text: String
    }

    /// - Parameter token: sent as `Authorization: Bearer`; the admin token by default, `.some(nil)` for none.
    func request(_ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:],
                 token: String?? = .none) async throws -> HTTPResult {
        var req = URLRequest(url: URL(string: base + path)!)
        req.httpMethod = method
        req.httpBody = body
        req.timeoutInterval = 30
        if body != nil { req.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        if let t = token ?? adminToken { req.setValue("Bearer \(t)", forHTTPHeaderField: "Authorization") }
        for (k, v) in headers { req.setValue(v, forHTTPHeaderField: k) }
        let (data, response) = try await URLSession.shared.data(for: req)
        let http = response as! HTTPURLResponse
        var h: [String: String] = [:]
        for (k, v) in http.allHeaderFields { h["\(k)".lowercased()] = "\(v)" }
        let json = (try? JSONDecoder().decode(JSONValue.self, from: data)) ?? .null
        return HTTPResult(status: http.statusCode, json: json, headers: h, text: String(decoding: data, as: UTF8.self))
    }

    func get(_ path: String) async throws -> HTTPResult { try await request("GET", path) }

    func post(_ path: String, _ body: JSONValue, headers: [String: String] = [:]) async throws -> HTTPResult {
        try await request("POST", path, body: try Wire.encode(body), headers: headers)
    }

    func put(_ path: String, _ body: JSONValue, headers: [String: String] = [:]) async throws -> HTTPResult {
        try await request("PUT", path, body: try Wire.encode(body), headers: headers)
    }

    /// Publishes one event; returns its id (after checking it was accepted).
    func publish(_ event: JSONValue) async throws -> String {
        let r = try await post("/v1/events", event)
        guard r.status == 202, let id = r.json["results"]?.arrayValue?.first?["id"]?.stringValue else {
            throw TestFailure("publish failed: HTTP \(r.status) \(r.text)")
        }
        return id
    }

    /// Journaled events (newest first) matching a query string.
    func history(_ query: String) async throws -> [JSONValue] {
        try await get("/v1/events?\(query)").json["events"]?.arrayValue ?? []
    }

    /// Polls `condition` until it holds or `timeout` passes.
    func eventually(_ what: String, timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("timed out waiting for: \(what); daemon stderr:\n\(process.stderr.suffix(3000))")
    }

    /// Runs the `lightning` CLI against this daemon; returns (exit code, stdout, stderr).
    func cli(_ args: [String]) async throws -> (Int32, String, String) {
        let p = try TestProcess(BuildProducts.lightning, args, environment: cliEnvironment)
        let code = try await p.wait()
        return (code, p.stdout, p.stderr)
    }

    deinit {
        kill(process.pid, SIGKILL)
        var status: Int32 = 0
        waitpid(process.pid, &status, WNOHANG)
        try? FileManager.default.removeItem(at: root)
    }
}
