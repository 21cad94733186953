import ArgumentParser
import Foundation
import HostCore
import LightningProtocol
import Logging
import Metrics
import ServiceLifecycle
import UnixSignals

/// `lightning serve`: runs the daemon.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon (the default subcommand).",
        discussion: """
            With no options the daemon runs on its embedded local defaults: SQLite storage and the \
            local durable event bus from ./manifests, data in ./.lightning, HTTP on 127.0.0.1:7777. \
            Precedence: defaults < --config file < LIGHTNING_* environment < flags. See docs/configuration.md.

            LIGHTNING_MODE=azure runs on Cosmos DB, Service Bus, Azure Functions and Container Instances, \
            with credentials from LIGHTNING_COSMOS_CONNECTION_STRING, LIGHTNING_SERVICEBUS_CONNECTION_STRING, \
            LIGHTNING_FUNCTIONS_*, AZURE_* (README "Running on Azure").

            Agents and functions run in the strict sandbox unless their manifest says otherwise; it needs \
            root and Landlock. LIGHTNING_SANDBOX_DEFAULT=none|standard|strict changes the default (docs/sandbox.md).

            The API needs a bearer token: the first start writes an admin token to <data dir>/admin.token \
            (mode 0600), which the client subcommands read. LIGHTNING_AUTH=off turns authentication off \
            (a warning at every start; refused unless --host is loopback). See docs/security.md.

            The daemon also listens on <data dir>/lightning.sock (mode 0600): there the caller's uid decides \
            (the daemon's own uid is admin, no token), and the client subcommands use it when no URL or token is given.

            Connections: the soft file-descriptor limit is raised to the hard one at start; TCP connections are \
            capped below it (http.max_connections), idle and slow clients are closed, oversized requests get \
            413/414/431 (docs/configuration.md, "HTTP: connections and limits"). \
            "tls": {"certificate": FILE, "key": FILE} in the config file turns HTTPS on (PEM files).
            """
    )

    @Option(name: .long, help: "JSON config file (docs/configuration.md).")
    var config: String?

    @Option(name: .long, help: "Address to listen on.")
    var host: String?

    @Option(name: .long, help: "Port to listen on (0 picks a free port; the chosen one is printed).")
    var port: Int?

    @Option(name: .long, help: "Data directory.")
    var dataDir: String?

    @Option(name: .long, help: "Manifests directory (the shipped manifests).")
    var manifests: String?

    @Option(name: .long, help: "Another manifests folder read after --manifests, e.g. your own plugins' (repeatable).")
    var extraManifests: [String] = []

    @Option(name: .long, help: "Extra folder to search for plugin libraries (repeatable).")
    var pluginDir: [String] = []

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    @Flag(name: .long, help: "Trust the plugin libraries built next to this executable: each of their manifests' library.sha256 is taken from the library found, in memory; the manifest files are not changed (development builds; `lightning plugins pin` writes them). Libraries elsewhere keep their manifest's sha256.")
    var pin = false

    /// Everything that decides the config, kept so SIGHUP can build it again.
    var sources: ConfigSources {
        ConfigSources(file: config, host: host, port: port, dataDir: dataDir, manifests: manifests, extraManifests: extraManifests,
                      pluginDir: pluginDir, logLevel: logLevel)
    }

    func run() async throws {
        let sources = self.sources
        let cfg: DaemonConfig
        do { cfg = try sources.build() } catch let e as HostError { throw ValidationError(e.description) }
        guard let level = Logger.Level(rawValue: cfg.logLevel) else {
            throw ValidationError("log level: expected trace, debug, info, notice, warning, error or critical, got \"\(cfg.logLevel)\"")
        }
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "lt.daemon")
        // Every connection, child pipe and plugin file is a descriptor: take the hard limit.
        do {
            let (before, after) = try FileDescriptorLimit.raiseSoftToHard()
            logger.info("file descriptors: \(before.soft == after.soft ? "soft limit \(after.soft) (already the hard limit)" : "soft limit raised from \(before.soft) to \(after.soft)") (\(after))")
        } catch {
            logger.warning("file descriptors: the soft limit stays at \(FileDescriptorLimit.current()?.description ?? "?"): \(error)")
        }
        var daemonConfig = cfg
        daemonConfig.pinLibraries = pin
        let daemon = Daemon(config: daemonConfig, logger: logger)
        MetricsSystem.bootstrap(daemon.metrics.factory)
        if pin { logger.notice("--pin: manifests' library.sha256 taken from the libraries built next to this executable (in memory, files unchanged); libraries elsewhere are checked as their manifests say") }
        let host = cfg.host
        let scheme = cfg.tls == nil ? "http" : "https"
        let api: any Service
        do {
            api = try APIServer(daemon: daemon).makeApplication { port in
                daemon.cluster.listening(port: port)
                // Tests and scripts wait for this line to learn the port.
                FileHandle.standardOutput.write(Data("lightning: listening on \(scheme)://\(host):\(port)\n".utf8))
            }
        } catch let e as HostError { throw ValidationError(e.description) }
        if let tls = cfg.tls { logger.info("TLS: certificate \(tls.certificate.path), key \(tls.key.path)") }
        // One group: the supervisor, the daemon's start and shutdown, the router and the API
        // (Daemon.services). Shut down first (reverse order): the stream closer ends open event
        // streams, so the HTTP server's graceful shutdown does not wait for them forever.
        var local: [any Service] = []
        if let socket = cfg.unixSocket, socket.path.utf8.count >= 108 {
            logger.warning("unix socket \(socket.path): expected a path shorter than 108 bytes (sun_path), got \(socket.path.utf8.count); not listening on it (set unix_socket to a shorter path)")
        } else if let socket = cfg.unixSocket {
            local.append(AfterStart(APIServer(daemon: daemon).makeUnixApplication(path: socket.path) {
                logger.info("listening on unix:\(socket.path) (mode 0600; the daemon's uid is admin without a token)")
                // Tests and scripts wait for this line (worded apart from the TCP line, which they parse).
                FileHandle.standardOutput.write(Data("lightning: unix socket ready at \(socket.path)\n".utf8))
            }, daemon: daemon))
        }
        let services = daemon.services(api: api, extra: local + [
            AfterStart(StreamCloser(daemon: daemon), daemon: daemon),
            AfterStart(ConfigReloader(daemon: daemon, sources: sources, logger: logger), daemon: daemon),
        ])
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do { try await group.run() } catch let e as DaemonLifecycle.StartFailed {
            throw ClientFailure(description: "lightning: \(e.underlying)")
        } catch {
            logger.error("daemon stopped: \(error)")
            await daemon.shutdown()
            throw ExitCode.failure
        }
    }
}

/// Ends every `GET /v1/events/stream` when the daemon begins to shut down.
struct StreamCloser: Service {
    let daemon: Daemon
    func run() async throws {
        try? await gracefulShutdown()
        daemon.closeEventStreams()
    }
}

/// The inputs of the daemon's config: file, environment, flags (in that order of precedence).
struct ConfigSources: Sendable {
    var file: String?
    var host: String?
    var port: Int?
    var dataDir: String?
    var manifests: String?
    var extraManifests: [String] = []
    var pluginDir: [String]
    var logLevel: String?

    /// Defaults < file < environment < flags, with each value's source recorded.
    func build() throws -> DaemonConfig {
        var cfg = DaemonConfig()
        if let file { try cfg.apply(fileAt: URL(fileURLWithPath: file)) }
        try cfg.apply(environment: ProcessInfo.processInfo.environment)
        if let host { cfg.host = host; cfg.sources["host"] = "flag --host" }
        if let port {
            guard (0...65535).contains(port) else { throw HostError(.configInvalid, subject: "--port", "expected 0 to 65535, got \(port)") }
            cfg.port = port
            cfg.sources["port"] = "flag --port"
        }
        if let dataDir { cfg.dataDir = URL(fileURLWithPath: dataDir, isDirectory: true); cfg.sources["data_dir"] = "flag --data-dir" }
        if let manifests { cfg.manifestsDir = URL(fileURLWithPath: manifests, isDirectory: true); cfg.sources["manifests_dir"] = "flag --manifests" }
        if !extraManifests.isEmpty {
            cfg.extraManifestDirs += extraManifests.map { URL(fileURLWithPath: $0, isDirectory: true) }
            cfg.sources["extra_manifests"] = "flag --extra-manifests"
        }
        if !pluginDir.isEmpty {
            cfg.pluginDirs += pluginDir.map { URL(fileURLWithPath: $0, isDirectory: true) }
            cfg.sources["plugin_dirs"] = "flag --plugin-dir"
        }
        if let logLevel { cfg.logLevel = logLevel; cfg.sources["log_level"] = "flag --log-level" }
        return cfg
    }
}

/// SIGHUP: build the config again and swap every provider whose plugin or config changed
/// (make-before-break, as `PUT /v1/providers/{kind}`). Other changes need a restart; they are
/// logged as such. A config that does not parse changes nothing.
struct ConfigReloader: Service {
    let daemon: Daemon
    let sources: ConfigSources
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            logger.notice("SIGHUP: reloading the config")
            do {
                let new = try sources.build()
                let report = await daemon.reload(to: new)
                for line in report { logger.notice("reload: \(line)") }
                let old = daemon.config
                if new.authEnabled != old.authEnabled || new.apiCommandDirs != old.apiCommandDirs || new.apiProviderPaths != old.apiProviderPaths {
                    logger.notice("reload: auth, api_command_dirs and api_provider_paths changes take effect at the next start")
                }
            } catch {
                logger.error("reload refused, nothing changed: \(error)")
            }
        }
    }
}
