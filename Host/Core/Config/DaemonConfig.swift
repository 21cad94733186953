public import Foundation
public import LightningProtocol

/// Everything the daemon needs to start. Built from, in increasing precedence: embedded
/// defaults, a JSON config file, `LIGHTNING_*` environment variables, command-line flags.
/// docs/configuration.md lists every key.
public struct DaemonConfig: Sendable, Equatable {
    /// `local` (SQLite, local bus, local children) or `azure`: picks the default provider of
    /// each kind (`DaemonConfig.modeDefaults`); explicit choices override it.
    public var mode: String = "local"
    public var host: String = "127.0.0.1"
    public var port: Int = 7777
    /// Where providers keep their files (SQLite databases, the bus journal).
    public var dataDir: URL = URL(fileURLWithPath: ".lightning", isDirectory: true)
    /// Folder of manifests (`*.json`): the shipped ones.
    public var manifestsDir: URL = URL(fileURLWithPath: "manifests", isDirectory: true)
    /// More manifest folders read after `manifestsDir` (`extra_manifests`): an author's own
    /// manifests next to the shipped ones. An id may appear in one folder only.
    public var extraManifestDirs: [URL] = []
    /// Every manifest folder, in reading order.
    public var manifestDirs: [URL] { [manifestsDir] + extraManifestDirs }
    /// Folders searched for plugin libraries named by a relative `library.path`.
    public var pluginDirs: [URL] = []
    /// Which plugin (manifest id) serves each provider kind, and its config overrides: the
    /// mode's defaults overlaid with explicit choices (config file, environment).
    public var providers: [String: ProviderChoice] {
        get { (Self.modeDefaults[mode] ?? [:]).merging(explicitProviders) { _, explicit in explicit } }
        set { explicitProviders = newValue }
    }
    /// Provider choices made by the config file or the environment.
    public var explicitProviders: [String: ProviderChoice] = [:]
    /// The alias (`providerAliases`) each explicit choice was made with, by kind; absent when the
    /// choice named a manifest id.
    public var providerAliasesUsed: [String: String] = [:]
    /// Driver and agent manifest ids to run; nil = every driver/agent manifest found.
    public var drivers: [String]? = nil
    /// Per-plugin config overrides by manifest id (drivers, agents, functions).
    public var pluginConfig: [String: [String: JSONValue]] = [:]
    public var router: RouterSettings = RouterSettings()
    /// Connection cap, timeouts and size limits of the API's listeners (`HTTPLimits`).
    public var http: HTTPLimits = HTTPLimits()
    /// TLS on the TCP listener: certificate chain and private key (PEM); nil = plain HTTP.
    public var tls: TLSFiles? = nil
    /// The unix socket for local administration (docs/security.md): nil = `<data_dir>/lightning.sock`;
    /// `unixSocketEnabled` false = none (`"unix_socket": false`).
    public var unixSocketPath: URL? = nil
    public var unixSocketEnabled = true
    /// uids besides the daemon's own that get `admin` on the unix socket (`unix_socket_allow_uids`).
    public var unixSocketAllowUIDs: [UInt32] = []
    /// Where the unix socket is, when there is one.
    public var unixSocket: URL? {
        guard unixSocketEnabled else { return nil }
        return unixSocketPath ?? dataDir.appendingPathComponent("lightning.sock")
    }
    public var logLevel: String = "info"
    /// Versions the Context Hub keeps per document (0 = all; docs/context-hub.md#versions).
    public var contextKeepVersions: Int = 100
    /// The sandbox profile of agents and functions whose manifest names none (docs/sandbox.md).
    /// `strict` by default; `none` or `standard` is the operator's explicit choice (for example
    /// a rootless daemon, which cannot build strict sandboxes).
    public var sandboxDefault: SandboxPolicy.Profile = .strict
    /// Limit children with cgroups when the host has them (`CgroupHost`): `cgroups: "auto"`
    /// (default) or `"off"` (rlimits only; docs/sandbox.md#limits).
    public var cgroups: Bool = true
    /// API authentication (docs/security.md): on unless the operator turns it off explicitly
    /// (`auth: false`, `LIGHTNING_AUTH=off`); then the daemon warns at every start and refuses
    /// to listen beyond loopback.
    public var authEnabled = true
    /// Extra folders whose programs a function manifest submitted over the API may run
    /// (besides the plugin folders and the manifests folder; `ManifestPolicy`).
    public var apiCommandDirs: [URL] = []
    /// Extra folders that provider config sent over the API may name files in (besides the
    /// data folder; `ProviderConfigPolicy`).
    public var apiProviderPaths: [URL] = []
    /// `plugins.require_signature` as configured; nil = the mode's default (`requireSignature`).
    public var requireSignatureSetting: Bool? = nil
    /// Whether a plugin (a manifest naming a library) must carry a valid signature by a key in
    /// `trustedKeys` to load (docs/plugin-abi.md#signed-plugins): on by default in `azure` mode,
    /// off in `local` mode.
    public var requireSignature: Bool { requireSignatureSetting ?? (mode == "azure") }
    /// `plugins.trusted_keys`: publisher public key files, or folders whose `*.pub` files are read.
    public var trustedKeys: [URL] = []
    /// Development builds (`serve --pin`): each manifest's `library.sha256` is taken from the
    /// library found, in memory, whenever the manifests are read; the files are not changed.
    public var pinLibraries = false
    /// The environment the config was read from, for plugin config fields a manifest binds to a
    /// variable (`env` in its config schema, e.g. `LIGHTNING_COSMOS_CONNECTION_STRING`).
    public var environment: [String: String] = [:]
    /// Where each setting that is not a default came from (`file /etc/l.json`, `env
    /// LIGHTNING_PORT`, `flag --port`), by key as in the config file (`port`,
    /// `providers.storage`). Shown by `lightning config`.
    public var sources: [String: String] = [:]

    public init() {}

    public static let modes = ["local", "azure"]

    /// The provider each mode uses for a kind nobody chose explicitly. Kinds missing here have
    /// no default in that mode (the routes that need them answer 503 until one is configured).
    /// `azure` needs the Azure plugins' credentials (docs/configuration.md#azure-mode-and-its-credentials).
    public static let modeDefaults: [String: [String: ProviderChoice]] = [
        "local": [
            "storage": ProviderChoice(plugin: "sqlite-storage"),
            "eventbus": ProviderChoice(plugin: "local-eventbus"),
            "functions": ProviderChoice(plugin: "local-functions"),
        ],
        "azure": [
            "storage": ProviderChoice(plugin: "cosmos-storage"),
            "eventbus": ProviderChoice(plugin: "servicebus-eventbus"),
            "functions": ProviderChoice(plugin: "azure-functions"),
            "containers": ProviderChoice(plugin: "aci-containers"),
        ],
    ]

    /// Providers built into the daemon (no manifest, no library), by kind.
    public static let builtinProviders: [String: String] = ["functions": "local-functions"]

    /// Where the value at `key` came from: its recorded source, `mode <m>` for a provider the
    /// mode chose, or `default`.
    public func source(of key: String) -> String {
        if let s = sources[key] { return s }
        if key == "plugins.require_signature", requireSignatureSetting == nil { return "mode \(mode)" }
        if key.hasPrefix("providers."), explicitProviders[String(key.dropFirst("providers.".count))] == nil { return "mode \(mode)" }
        return "default"
    }

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
        /// Events handled at once per driver, unless its manifest's `resources.max_concurrency`
        /// says otherwise. 64: with the local bus's group commit, more deliveries in flight share
        /// each fsync (end to end 0.9k → 1.3k events/s against 16; docs/benchmarks.md).
        public var concurrency: Int = 64
        /// How long a driver may hold an event before it is redelivered.
        public var leaseMs: Int = 60_000
        /// Crashes of the daemon while an event was inside an in-process driver before the event
        /// is dead-lettered (`crashed the daemon in <plugin>`) instead of handed to it again.
        public var crashDeadLetterAfter: Int = 1
        /// Move an in-process driver that crashed the daemon to the `process` isolation tier at
        /// the next start (docs/reliability.md#crash-containment).
        public var quarantineOnCrash = true
        public init() {}
    }
}
