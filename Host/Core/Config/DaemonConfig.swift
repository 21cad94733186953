public import Foundation
public import LightningProtocol

/// Everything the daemon needs to start. Built from, in increasing precedence: embedded
/// defaults, a JSON config file, `LIGHTNING_*` environment variables, command-line flags.
/// docs/configuration.md lists every key.
public struct DaemonConfig: Sendable, Equatable {
    /// `local` (SQLite, local bus, local children) or `azure` (docs/azure.md).
    public var mode: String = "local"
    public var host: String = "127.0.0.1"
    public var port: Int = 7777
    /// Where providers keep their files (SQLite databases, the bus journal).
    public var dataDir: URL = URL(fileURLWithPath: ".lightning", isDirectory: true)
    /// Folder of manifests (`*.json`).
    public var manifestsDir: URL = URL(fileURLWithPath: "manifests", isDirectory: true)
    /// Folders searched for plugin libraries named by a relative `library.path`.
    public var pluginDirs: [URL] = []
    /// Which plugin (manifest id) serves each provider kind, and its config overrides.
    public var providers: [String: ProviderChoice] = DaemonConfig.localProviders
    /// Driver and agent manifest ids to run; nil = every driver/agent manifest found.
    public var drivers: [String]? = nil
    /// Per-plugin config overrides by manifest id (drivers, agents, functions).
    public var pluginConfig: [String: [String: JSONValue]] = [:]
    public var router: RouterSettings = RouterSettings()
    public var logLevel: String = "info"

    public init() {}

    public static let localProviders: [String: ProviderChoice] = [
        "storage": ProviderChoice(plugin: "sqlite-storage"),
        "eventbus": ProviderChoice(plugin: "local-eventbus"),
    ]

    public struct ProviderChoice: Sendable, Equatable {
        public var plugin: String
        public var config: [String: JSONValue]
        public init(plugin: String, config: [String: JSONValue] = [:]) { self.plugin = plugin; self.config = config }
    }

    /// How the router delivers events to drivers.
    public struct RouterSettings: Sendable, Equatable {
        /// Events produced by more hops than this are dropped (runaway chains).
        public var hopLimit: Int = 8
        /// Deliveries of one event to one driver before it is dead-lettered.
        public var maxAttempts: Int = 4
        /// First retry delay; doubles per attempt.
        public var backoffMs: Int = 200
        public var maxBackoffMs: Int = 30_000
        /// Events handled at once per driver.
        public var concurrency: Int = 16
        /// How long a driver may hold an event before it is redelivered.
        public var leaseMs: Int = 60_000
        public init() {}
    }
}
