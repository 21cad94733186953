/// Method names shared by the in-process ABI (`lt_plugin_v1.call`), the child protocol and the
/// host's own call table. docs/plugin-abi.md documents each one's params and result.
public enum Method {
    // Every plugin
    public static let health = "health"
    public static let describe = "describe"

    // storage
    public static let containerCreate = "storage.container.create"
    public static let containerDelete = "storage.container.delete"
    public static let containerExists = "storage.container.exists"
    public static let containerList = "storage.container.list"
    public static let documentCreate = "storage.create"
    public static let documentRead = "storage.read"
    public static let documentReplace = "storage.replace"
    public static let documentUpsert = "storage.upsert"
    public static let documentDelete = "storage.delete"
    public static let documentQuery = "storage.query"

    // eventbus
    public static let publish = "bus.publish"
    public static let subscribe = "bus.subscribe"
    public static let unsubscribe = "bus.unsubscribe"
    public static let subscriptions = "bus.subscriptions"
    public static let receive = "bus.receive"
    public static let ack = "bus.ack"
    public static let nack = "bus.nack"
    public static let deadLetters = "bus.deadletters.list"
    public static let deadLetterReprocess = "bus.deadletters.reprocess"
    public static let orphans = "bus.orphans.list"
    public static let orphansDrain = "bus.orphans.drain"
    public static let history = "bus.history"
    public static let replay = "bus.replay"
    public static let stats = "bus.stats"
    /// Optional (cluster failover, docs/cluster.md): this instance's lease owner name → `BusOwner`.
    /// A bus that answers it declares `bus.release_owner`; one that cannot answers `unsupported`.
    public static let owner = "bus.owner"
    /// Optional: make every delivery leased by `owner` (a gone daemon) due now, counted as an
    /// attempt as an expired lease is (`ReleaseOwnerRequest` → `CountResult`).
    public static let releaseOwner = "bus.release_owner"

    // drivers
    public static let handle = "driver.handle"

    // functions
    public static let functionDeploy = "functions.deploy"
    public static let functionInvoke = "functions.invoke"
    public static let functionInvocation = "functions.invocation"
    /// The function's recent invocations, newest first (`FunctionName` with `limit`) → `InvocationList`.
    public static let functionInvocations = "functions.invocations"
    public static let functionList = "functions.list"
    public static let functionGet = "functions.get"
    public static let functionDelete = "functions.delete"
    public static let functionLogs = "functions.logs"

    // containers (docs/containers.md)
    public static let containersCreate = "containers.create"
    public static let containersStart = "containers.start"
    public static let containersGet = "containers.get"
    public static let containersList = "containers.list"
    public static let containersStop = "containers.stop"
    public static let containersDelete = "containers.delete"
    public static let containersLogs = "containers.logs"
    public static let containersWait = "containers.wait"
    public static let imagesPull = "containers.images.pull"
    public static let imagesImport = "containers.images.import"

    // host services offered to plugins and children
    public static let log = "log"
    public static let emit = "events.emit"
    public static let config = "config.get"
}

/// Result of `health` on any plugin.
public struct HealthReport: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable { case healthy, degraded, unhealthy }
    public var status: Status
    public var latencyMs: Double
    public var details: JSONValue?
    public var error: String?

    public init(status: Status, latencyMs: Double, details: JSONValue? = nil, error: String? = nil) {
        self.status = status; self.latencyMs = latencyMs; self.details = details; self.error = error
    }
    enum CodingKeys: String, CodingKey { case status, details, error, latencyMs = "latency_ms" }
}

/// Result of `describe`: what the running plugin says about itself.
public struct PluginDescription: Codable, Sendable, Equatable {
    public var id: String
    public var version: String
    public var kind: String
    public var capabilities: [String]?
    public init(id: String, version: String, kind: String, capabilities: [String]? = nil) {
        self.id = id; self.version = version; self.kind = kind; self.capabilities = capabilities
    }
}

/// `driver.handle` params and result.
public struct HandleRequest: Codable, Sendable { public var event: Event; public init(event: Event) { self.event = event } }
public struct HandleResult: Codable, Sendable {
    public var events: [Event]
    public init(events: [Event]) { self.events = events }
}
