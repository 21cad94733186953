public import Foundation
public import HostCore
public import LightningProtocol
import Logging

/// One open instance of the plugin under test and where its data lives.
public struct ConformanceInstance: Sendable {
    public let connection: any ProviderConnection
    /// The instance's `data_dir` (fresh per rule; kept by `reopen`).
    public let dataDir: URL
    /// Whatever the instance needs kept alive with it (a loopback fake server, say).
    public let context: (any Sendable)?

    public init(connection: any ProviderConnection, dataDir: URL, context: (any Sendable)? = nil) {
        self.connection = connection; self.dataDir = dataDir; self.context = context
    }
}

/// How the kit gets instances of the plugin under test: a fresh, empty store per rule, and
/// another instance on the same data for the rules that restart it. The CLI and the shipped
/// providers' tests use `library(…)`; a test that needs a loopback fake wraps it.
public struct ConformanceTarget: Sendable {
    /// The isolation tier a plugin runs in (docs/plugin-abi.md#isolation-tiers).
    public enum Tier: String, Sendable, CaseIterable {
        /// Loaded into this process, called through the C ABI.
        case inProcess = "in-process"
        /// Loaded into a `lightning plugin-host` child, called over its stdio JSON-RPC connection.
        case process
    }

    /// `sqlite-storage`, `sqlite-storage (process)`: for reports.
    public var name: String
    /// A driver's capability patterns (its manifest's `capabilities`): the driver rules send
    /// events of a type they match.
    public var capabilities: [String] = []
    /// What the rules of a kind need from the provider's world, by name (`lightning plugins test
    /// --fixture KEY=VALUE`): the containers rules run `image`, the functions rules invoke
    /// `function` (default `echo`). See docs/plugin-abi.md#testing-a-plugin-lightning-plugins-test.
    public var fixtures: [String: String] = [:]
    /// Opens an instance on `dataDir` (nil: a fresh temporary folder), reusing `context` (nil: fresh).
    public var openInstance: @Sendable (_ dataDir: URL?, _ context: (any Sendable)?) async throws -> ConformanceInstance

    public init(name: String, open: @escaping @Sendable (_ dataDir: URL?, _ context: (any Sendable)?) async throws -> ConformanceInstance) {
        self.name = name; self.openInstance = open
    }

    /// A fresh instance with empty data.
    public func open() async throws -> ConformanceInstance { try await openInstance(nil, nil) }

    /// Another instance on `old`'s data (after `old` was closed).
    public func reopen(_ old: ConformanceInstance) async throws -> ConformanceInstance {
        try await openInstance(old.dataDir, old.context)
    }

    /// A plugin library loaded as the daemon loads it (every loader check of `spec`), in
    /// `tier`, with `config` plus `data_dir` (as the daemon injects it).
    ///
    /// Every fresh store gets a token of its own, written into the config wherever a string
    /// value contains `{unique}` (a reopened store keeps its token): a provider whose data lives
    /// outside `data_dir` gets an empty store per rule, e.g. `"key_prefix": "kit-{unique}:"`.
    /// - Parameters:
    ///   - lightning: the `lightning` executable, for the process tier (`lightning plugin-host`).
    ///   - config: the config to create each instance with (`data_dir` is added).
    public static func library(_ spec: LibrarySpec, tier: Tier, lightning: URL, config: [String: JSONValue] = [:]) -> ConformanceTarget {
        let id = spec.expectedId ?? spec.url.lastPathComponent
        return ConformanceTarget(name: tier == .inProcess ? id : "\(id) (\(tier.rawValue))") { dataDir, context in
            let dir = try dataDir ?? Self.freshDirectory()
            let unique = (context as? String) ?? String(UUID().uuidString.prefix(8)).lowercased()
            var cfg = config.mapValues { Self.substitute($0, unique) }
            cfg["data_dir"] = .string(dir.path)
            let connection = try await Self.connect(spec, tier: tier, lightning: lightning, config: cfg)
            return ConformanceInstance(connection: connection, dataDir: dir, context: unique)
        }
    }

    /// `value` with `{unique}` replaced by `unique` in every string, at any depth.
    static func substitute(_ value: JSONValue, _ unique: String) -> JSONValue {
        switch value {
        case .string(let s): return .string(s.replacingOccurrences(of: "{unique}", with: unique))
        case .array(let a): return .array(a.map { substitute($0, unique) })
        case .object(let o): return .object(o.mapValues { substitute($0, unique) })
        default: return value
        }
    }

    /// `connect` for a library known by path and plugin id only (no pin, no version check).
    public static func connect(library: URL, id: String, tier: Tier, lightning: URL,
                               config: [String: JSONValue]) async throws -> any ProviderConnection {
        try await connect(LibrarySpec(url: library, sha256: nil, expectedId: id, expectedVersion: nil, subject: library.path),
                    tier: tier, lightning: lightning, config: config)
    }

    /// Loads the library of `spec` and creates an instance with `config`, in `tier`. In the
    /// process tier the file is checked here (exists, pin), the config by
    /// `lightning plugin-host --check-config` (a child that loads and creates an instance, then
    /// exits), so a refused config throws here as it does in-process; then a supervised
    /// `plugin-host` child serves the instance (the first call waits for it).
    /// - Throws: the loader's `HostError`; `ChildRun.Refused` when the child refuses.
    public static func connect(_ spec: LibrarySpec, tier: Tier, lightning: URL,
                               config: [String: JSONValue]) async throws -> any ProviderConnection {
        let id = spec.expectedId ?? ""
        switch tier {
        case .inProcess:
            return try loader.load(spec).makeInstance(config: .object(config))
        case .process:
            _ = try spec.verifiedDigest()
            let json = String(decoding: try Wire.encode(JSONValue.object(config)), as: UTF8.self)
            var args = ["plugin-host", "--library", spec.url.path, "--id", id, "--check-config", json]
            if let v = spec.expectedVersion { args += ["--plugin-version", v] }
            let (status, stderr) = try await ChildRun.run(lightning.path, args)
            guard status == 0 else {
                throw ChildRun.Refused(description: "plugin-host refused \(id) (exit \(status)): \(stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
            var logger = Logger(label: "lt.conformance")
            logger.logLevel = .error
            // 60 s to be ready, not the daemon's 10 s: a suite starts a dozen plugin hosts at once on a
            // loaded 2-core machine, and a debug build of a large library (postgres-storage: 90 MB
            // with NIO and BoringSSL) takes seconds to load under that load.
            return ChildHostedConnection.launch(executable: lightning, library: spec.url, id: id, version: spec.expectedVersion,
                                                config: .object(config), readinessTimeoutMs: 60_000, logger: logger)
        }
    }

    /// A new empty folder under the temporary directory.
    public static func freshDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lt-conf-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The one loader of this process (a library is loaded once per path).
    public static let loader: PluginLoader = {
        var logger = Logger(label: "lt.conformance")
        logger.logLevel = .error
        return PluginLoader(logger: logger)
    }()
}

/// Runs a program to completion (posix_spawn, then the exit is polled: no thread is held, so many
/// checks at once never stall the caller's concurrency pool; used for the short
/// `plugin-host --check-config` child).
public enum ChildRun {
    public struct Refused: Error, CustomStringConvertible { public let description: String }

    /// - Returns: the exit status (128 + signal for a signal) and what it wrote to stderr.
    public static func run(_ path: String, _ args: [String]) async throws -> (Int32, String) {
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
        var delay = Duration.milliseconds(1)
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid || (r < 0 && errno != EINTR) { break }
            do { try await Task.sleep(for: delay) } catch {
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                throw error
            }
            delay = min(delay * 2, .milliseconds(20))
        }
        let text = (try? String(contentsOf: errFile, encoding: .utf8)) ?? ""
        return ((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f), text)
    }
}
