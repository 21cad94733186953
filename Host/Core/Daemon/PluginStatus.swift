public import LightningProtocol

/// What the daemon knows about one manifest: loaded and serving, or refused and why.
public struct PluginStatus: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable { case loaded, failed, available, running }
    public var id: String
    public var name: String?
    public var kind: String?
    public var version: String?
    public var provides: String?
    public var capabilities: [String]?
    public var isolation: String?
    public var state: State
    public var manifest: String
    public var library: String?
    public var sha256: String?
    public var error: String?
    /// `isolation: process`: the supervised `plugin-host` child serving it (see `/v1/processes`)
    /// and its pid while it runs.
    public var process: String?
    public var pid: Int32?
    /// Set when the daemon moved this driver to the `process` tier after it crashed the daemon
    /// (docs/reliability.md#crash-containment): the reason.
    public var quarantined: String?
    /// Plugins (manifests naming a library): `signed by "<publisher>" (key <id>)`, `unsigned`,
    /// `signed by an untrusted key <id>` or `bad signature in <file>: <why>`.
    public var signature: String?

    public init(id: String, name: String? = nil, kind: String? = nil, version: String? = nil, provides: String? = nil,
                capabilities: [String]? = nil, isolation: String? = nil, state: State, manifest: String,
                library: String? = nil, sha256: String? = nil, error: String? = nil, signature: String? = nil) {
        self.id = id; self.name = name; self.kind = kind; self.version = version; self.provides = provides
        self.capabilities = capabilities; self.isolation = isolation; self.state = state; self.manifest = manifest
        self.library = library; self.sha256 = sha256; self.error = error; self.signature = signature
    }
}

/// One provider slot as the API shows it.
public struct ProviderStatus: Codable, Sendable {
    public var kind: String
    public var plugin: String?
    public var version: String?
    public var boundAt: Timestamp?
    public var health: HealthReport?
    enum CodingKeys: String, CodingKey { case kind, plugin, version, health, boundAt = "bound_at" }
}
