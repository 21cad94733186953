public import Foundation
public import LightningProtocol
public import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The child side of the `process` isolation tier: `lightning plugin-host` loads one plugin
/// library and serves it over the child protocol on stdin/stdout (docs/protocol.md).
///
/// ```
///  daemon ──initialize {config}──▶ load (sha256, ABI, id/version) ─▶ create(config) ─▶ result {child: id version}
///  daemon ──<any method> {params}──▶ lt_plugin_v1.call(method, params) ──▶ result | error (WireError in data.code)
///  plugin ──lt_host_v1.call/emit──▶ request to the daemon (events.emit, storage.*, config.get, log)
///  plugin ──lt_host_v1.log──▶ `log` notification          daemon ──shutdown──▶ destroy ──▶ {}   ──exit──▶ exit(0)
/// ```
///
/// File descriptor 1 is moved aside for the protocol and replaced by stderr, so a plugin that
/// prints cannot corrupt the stream. The host answers `$/ping` from its reading side (each
/// request runs in a task of its own), so a busy plugin does not miss heartbeats.
public final class PluginChildHost: Sendable {
    /// What to load, from the command line.
    public struct Options: Sendable {
        /// The plugin's manifest (id, version and sha256 pin are read from it).
        public var manifest: URL?
        /// The library; required without a manifest, else overrides the manifest's path.
        public var library: URL?
        /// Expected id and version (override the manifest's).
        public var id: String?
        public var version: String?
        /// Expected sha256 of the library (overrides the manifest's pin).
        public var sha256: String?
        public init(manifest: URL?, library: URL?, id: String?, version: String?, sha256: String?) {
            self.manifest = manifest; self.library = library; self.id = id; self.version = version; self.sha256 = sha256
        }
    }

    let options: Options
    let logger: Logger
    let loader: PluginLoader
    private let out: FDWriter
    private let rpc = Locked<RPCConnection?>(nil)
    private let instance = Locked<(any ProviderConnection)?>(nil)

    /// Moves stdout aside for the protocol (stdout becomes stderr) and prepares the loader.
    public convenience init(options: Options, logger: Logger) {
        self.init(options: options, logger: logger, protocolOutput: true)
    }

    private init(options: Options, logger: Logger, protocolOutput: Bool) {
        self.options = options
        self.logger = logger
        if protocolOutput {
            let protocolFD = dup(1)
            _ = dup2(2, 1)
            out = FDWriter(fd: protocolFD)
        } else {
            out = FDWriter(fd: 2)
        }
        let rpcRef = rpc
        loader = PluginLoader(logger: Logger(label: "lt.loader", factory: { (_: String) -> any LogHandler in RPCLogHandler(rpc: rpcRef) }))
    }

    /// `plugin-host --check-config`: loads the library with every check, creates an instance
    /// with `config` and destroys it, without serving. Nothing is written to stdout.
    /// - Throws: `HostError` from the loader, or `.configInvalid` with the plugin's refusal.
    public static func check(_ options: Options, config: JSONValue, logger: Logger) async throws {
        let host = PluginChildHost(options: options, logger: logger, protocolOutput: false)
        let plugin = try host.loader.load(try host.librarySpec())
        let conn = try plugin.makeInstance(config: config)
        await conn.close()
    }

    /// `plugin-host --probe`: loads the library with every loader check (dlopen runs its
    /// constructors; `lt_plugin_entry` is called) and creates nothing. A crash here is the
    /// verdict the daemon's `LibraryProbe` looks for.
    /// - Returns: the loaded library (id, version, ABI) for the caller to report.
    @discardableResult
    public static func probe(_ options: Options, logger: Logger) throws -> LoadedPlugin {
        let host = PluginChildHost(options: options, logger: logger, protocolOutput: false)
        return try host.loader.load(try host.librarySpec())
    }

    /// The `plugin-host` arguments for a library (after the executable).
    static func arguments(manifest: URL?, library: URL?, id: String?, version: String?, sha256: String?) -> [String] {
        var a = ["plugin-host"]
        if let manifest { a += ["--manifest", manifest.path] }
        if let library { a += ["--library", library.path] }
        if let id { a += ["--id", id] }
        if let version { a += ["--plugin-version", version] }
        if let sha256 { a += ["--sha256", sha256] }
        return a
    }

    private static let instances = Locked(0)
    /// A number for a new child's name (`plugin:<id>#<n>`), unique in this process.
    static func nextInstance() -> Int { instances.withLock { $0 += 1; return $0 } }

    /// Serves until stdin closes or the daemon sends `exit`; returns the exit status.
    public func run() async -> Int32 {
        let connection = RPCConnection(
            label: "daemon", maxInflight: 4096, send: { [out] in out.write($0) },
            handler: { [self] method, params in try await self.handle(method, params) },
            onNotification: { [self] method, _ in
                if method == ChildProtocol.exit { self.logger.debug("exit requested"); Glibc.exit(0) }
            },
            onViolation: { [self] reason in self.logger.error("daemon broke the protocol: \(reason)") })
        rpc.withLock { $0 = connection }
        loader.setHostServices(Forwarder(rpc: connection))
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let reader = Thread {
                LineReader(fd: 0, maxLine: 256 << 20).run { connection.receive($0) }
                done.resume()
            }
            reader.name = "lightning.plugin-host.stdin"
            reader.start()
        }
        connection.close("stdin closed")
        if let i = instance.withLock({ c -> (any ProviderConnection)? in defer { c = nil }; return c }) { await i.close() }
        return 0
    }

    private func handle(_ method: String, _ params: JSONValue?) async throws -> JSONValue {
        switch method {
        case ChildProtocol.initialize:
            return try await initialize(try Wire.decode(InitializeParams.self, from: Wire.encode(params ?? .null), what: "initialize params"))
        case ChildProtocol.ping:
            return .object([:])
        case ChildProtocol.shutdown:
            if let i = instance.withLock({ c -> (any ProviderConnection)? in defer { c = nil }; return c }) { await i.close() }
            return .object([:])
        default:
            guard let i = instance.value else {
                throw WireError(.unavailable, "plugin host: no instance (\"initialize\" must come first, and not after \"shutdown\")")
            }
            let out = try await i.call(method, try Wire.encode(params ?? .object([:])))
            return try Wire.decode(JSONValue.self, from: out, what: "result of \(method)")
        }
    }

    /// Loads the library with every loader check and creates the instance with `config`.
    private func initialize(_ p: InitializeParams) async throws -> JSONValue {
        guard ChildProtocol.major(of: p.protocolVersion) == ChildProtocol.majorVersion else {
            throw RPCError(code: RPCError.unsupportedProtocol, message: "unsupported protocol version: host \(p.protocolVersion), plugin host \(ChildProtocol.version)")
        }
        if instance.value != nil { throw WireError(.invalidArgument, "plugin host: already initialized") }
        do {
            let plugin = try loader.load(try librarySpec())
            let conn = try plugin.makeInstance(config: p.config)
            instance.withLock { $0 = conn }
            logger.info("plugin host serving \(plugin.id) \(plugin.version)", metadata: ["lt.plugin": "\(plugin.id)", "path": "\(plugin.path)"])
            return try Wire.decode(JSONValue.self, from: Wire.encode(InitializeResult(child: PeerInfo(name: plugin.id, version: plugin.version))))
        } catch let e as HostError {
            // Never `unavailable` here: the supervisor reads that as "the child is exiting" and
            // would wait for an exit instead of failing the handshake with this reason.
            throw WireError(e.code == .configInvalid ? .invalidArgument : .internal, e.description)
        }
    }

    /// The loader's view of the options: manifest fields, overridden by explicit options.
    func librarySpec() throws -> LibrarySpec {
        var spec: LibrarySpec
        if let m = options.manifest {
            let manifest = try ManifestParser.parse(fileAt: m)
            if manifest.library != nil {
                spec = try LibrarySpec(manifest: manifest, pluginDirs: [m.deletingLastPathComponent()])
                if let lib = options.library { spec.url = lib }
            } else if let lib = options.library {
                spec = LibrarySpec(url: lib, sha256: nil, expectedId: manifest.id, expectedVersion: manifest.version.description, subject: manifest.displayPath)
            } else {
                throw HostError(.manifestInvalid, subject: manifest.displayPath, "field \"library\": required to host a plugin (or pass --library)")
            }
        } else if let lib = options.library {
            spec = LibrarySpec(url: lib, sha256: nil, expectedId: nil, expectedVersion: nil, subject: "plugin \(lib.path)")
        } else {
            throw HostError(.manifestInvalid, subject: "plugin-host", "give --manifest or --library")
        }
        if let id = options.id { spec.expectedId = id }
        if let v = options.version { spec.expectedVersion = v }
        if let s = options.sha256 { spec.sha256 = s }
        return spec
    }
}

/// The plugin's host services, forwarded to the daemon as requests over the child's connection.
private struct Forwarder: HostServices {
    let rpc: RPCConnection

    func call(method: String, params: Data, caller: String) async throws -> Data {
        let p: JSONValue = params.isEmpty ? .object([:]) : try Wire.decode(JSONValue.self, from: params, what: "params of host method \(method)")
        return try Wire.encode(try await rpc.request(method, p, timeout: .seconds(300)))
    }

    func emit(events: [Event], caller: String) async throws {
        _ = try await rpc.request(Method.emit, params: PublishRequest(events: events), timeout: .seconds(300))
    }
}

/// Sends the plugin's log records to the daemon as `log` notifications (docs/protocol.md).
private struct RPCLogHandler: LogHandler {
    let rpc: Locked<RPCConnection?>
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        rpc.value?.notify(Method.log, ["level": .string(event.level.rawValue), "message": .string(event.message.description)])
    }
}

/// Writes whole messages to a file descriptor, one writer at a time.
final class FDWriter: Sendable {
    let fd: Int32
    private let lock = Locked(())

    init(fd: Int32) { self.fd = fd }

    /// - Returns: false once the descriptor is closed (the daemon is gone).
    func write(_ data: Data) -> Bool {
        lock.withLock { _ in
            data.withUnsafeBytes { raw -> Bool in
                var off = 0
                while off < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                    if n < 0 { if errno == EINTR { continue }; return false }
                    off += n
                }
                return true
            }
        }
    }
}

/// Splits a blocking file descriptor into lines (LF; a trailing CR is dropped); lines longer
/// than `maxLine` are skipped.
struct LineReader {
    let fd: Int32
    let maxLine: Int

    func run(_ line: (Data) -> Void) {
        var pending = Data()
        var skipping = false
        var buf = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return }
            if n == 0 { return }
            var start = 0
            for i in 0..<n where buf[i] == 0x0A {
                if !skipping {
                    pending.append(contentsOf: buf[start..<i])
                    if pending.last == 0x0D { pending.removeLast() }
                    if !pending.isEmpty { line(pending) }
                }
                pending = Data()
                skipping = false
                start = i + 1
            }
            if !skipping { pending.append(contentsOf: buf[start..<n]) }
            if pending.count > maxLine { pending = Data(); skipping = true }
        }
    }
}
