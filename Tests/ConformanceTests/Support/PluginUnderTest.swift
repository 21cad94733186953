import Foundation
import HostCore
import LightningTestSupport
import LightningProtocol
import Logging
import Testing

/// A shipped plugin library loaded through the real loader and C ABI, with a fresh data
/// directory: what the conformance suites run against. Every call goes through the same
/// `ProviderConnection` the daemon uses, so a suite passes only if the plugin keeps the contract
/// at the ABI boundary (JSON shapes, error codes), not just in Swift.
struct PluginUnderTest: Sendable {
    let connection: any ProviderConnection
    let dataDir: URL
    /// The loopback fake the instance talks to (Tests/Fakes), kept alive with it; nil for local providers.
    var fake: FakeServer? = nil

    /// The isolation tier a plugin runs in (docs/plugin-abi.md#isolation-tiers).
    enum Tier: String, Sendable {
        /// Loaded into the test process, called through the C ABI.
        case inProcess = "in-process"
        /// Loaded into a `lightning plugin-host` child, called over its stdio JSON-RPC connection.
        case process
    }

    /// Loads `lib<product>.so` from the build products and creates an instance with `config`
    /// (plus `data_dir`, as the daemon injects it), in `tier`. In the process tier the config is
    /// first checked by `lightning plugin-host --check-config` (a child that loads and creates an
    /// instance, then exits), so a refused config throws here as it does in-process; then a
    /// supervised `plugin-host` child serves the instance (the first call waits for it).
    static func open(product: String, id: String, config: [String: JSONValue] = [:], dataDir: URL? = nil,
                     tier: Tier = .inProcess) throws -> PluginUnderTest {
        let dir = dataDir ?? FileManager.default.temporaryDirectory.appendingPathComponent("lt-conf-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let library = BuildProducts.url("lib\(product).so")
        var cfg = config
        cfg["data_dir"] = .string(dir.path)
        switch tier {
        case .inProcess:
            let plugin = try Shared.loader.loadLibrary(at: library, expectedId: id)
            return PluginUnderTest(connection: try plugin.makeInstance(config: .object(cfg)), dataDir: dir)
        case .process:
            let (status, stderr) = try ChildRun.run(BuildProducts.lightning.path, ["plugin-host", "--library", library.path, "--id", id,
                                                                             "--check-config", String(decoding: try Wire.encode(JSONValue.object(cfg)), as: UTF8.self)])
            guard status == 0 else { throw ChildRun.Refused(description: "plugin-host refused \(id) (exit \(status)): \(stderr)") }
            var logger = Logger(label: "conformance")
            logger.logLevel = .warning
            // 60 s to be ready, not the daemon's 10 s: the suite starts a dozen plugin hosts at once
            // on a loaded 2-core machine, and a debug build of a large library (postgres-storage:
            // 90 MB with NIO and BoringSSL) takes seconds to load under that load.
            return PluginUnderTest(connection: ChildHostedConnection.launch(executable: BuildProducts.lightning, library: library, id: id,
                                                                            config: .object(cfg), readinessTimeoutMs: 60_000, logger: logger),
                                   dataDir: dir)
        }
    }

    func call<P: Encodable, R: Decodable>(_ method: String, _ params: P, as: R.Type = R.self) async throws -> R {
        try await connection.call(method, params, as: R.self)
    }

    /// Calls `method` expecting it to fail with `code`; returns the error message.
    @discardableResult
    func expectError<P: Encodable>(_ method: String, _ params: P, _ code: WireError.Code,
                                   sourceLocation: SourceLocation = #_sourceLocation) async -> String? {
        do {
            _ = try await connection.call(method, try Wire.encode(params))
            Issue.record("\(method): expected error \(code), got success", sourceLocation: sourceLocation)
            return nil
        } catch let e as WireError {
            #expect(e.code == code, "\(method): \(e.message)", sourceLocation: sourceLocation)
            return e.message
        } catch {
            Issue.record("\(method): expected WireError \(code), got \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    func close() async { await connection.close() }

    enum Shared {
        static let loader: PluginLoader = {
            var logger = Logger(label: "conformance")
            logger.logLevel = .warning
            return PluginLoader(logger: logger)
        }()
    }
}

/// Runs a program to completion (posix_spawn + waitpid: no task of the test's pool is waited on).
enum ChildRun {
    struct Refused: Error, CustomStringConvertible { let description: String }

    /// - Returns: the exit status (128 + signal for a signal) and what it wrote to stderr.
    static func run(_ path: String, _ args: [String]) throws -> (Int32, String) {
        let errFile = FileManager.default.temporaryDirectory.appendingPathComponent("lt-child-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errFile) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errFile.path, O_WRONLY | O_TRUNC, 0o644)
        let argv = ([path] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard rc == 0 else { throw Refused(description: "posix_spawn(\(path)): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOf: errFile, encoding: .utf8)) ?? ""
        return ((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f), text)
    }
}
