import Foundation
public import LightningProtocol
import Logging
public import ServiceLifecycle

/// Cluster membership (docs/cluster.md#membership): a `Service` that, every heartbeat interval,
/// writes this daemon's record (id, address, version, drivers, agents, load, heartbeat time) to
/// the container `cluster_nodes` through the storage provider, so every daemon sharing the store
/// (PostgreSQL, Cosmos DB) sees every other. `nodes(now:)` reads them back with their liveness,
/// decided by the pure `LivenessPolicy`.
///
/// ```
/// run(): every interval ─► upsert cluster_nodes/<node id> {…, heartbeat_at}
/// GET /v1/cluster ─► nodes(now:) ─► query cluster_nodes ─► LivenessPolicy.liveness ─► alive | suspect | gone
/// ```
///
/// The node id is kept in `<data_dir>/node-id` (made at the first start), so a restarted daemon
/// is the same node. A failed heartbeat is logged and retried at the next interval.
///
/// Off unless `LIGHTNING_CLUSTER=on`: then `run()` only waits for shutdown, nothing is written to
/// the store, and `nodes(now:)` lists this daemon alone.
///
/// Rationale: a single daemon on SQLite gains nothing from a heartbeat document rewritten every
/// few seconds, and its containers stay exactly the operator's.
public final class ClusterMembership: Service, Sendable {
    static let container = "cluster_nodes"
    private let owner = Locked<Daemon?>(nil)
    private let identityBox = Locked<NodeIdentity?>(nil)
    /// The API's port once it listens (the configured port may be 0: any free one).
    private let boundPort = Locked<Int?>(nil)
    /// The container exists (made by the first heartbeat; made again after a failed one).
    private let containerReady = Locked(false)
    /// The event bus's lease owner (`bus.owner`) as last answered; nil when it cannot release.
    private let busOwner = Locked<String?>(nil)
    var daemon: Daemon { owner.value! }
    let policy: LivenessPolicy
    /// Heartbeats are written and read (`LIGHTNING_CLUSTER=on`).
    public let enabled: Bool
    let logger = Logger(label: "lt.cluster")

    init(policy: LivenessPolicy = LivenessPolicy(), enabled: Bool = false) { self.policy = policy; self.enabled = enabled }

    /// Whether `LIGHTNING_CLUSTER` turns membership on (`on`, `1`, `true`).
    static func enabled(_ environment: [String: String]) -> Bool {
        ["on", "1", "true"].contains((environment["LIGHTNING_CLUSTER"] ?? "").lowercased())
    }

    func attach(_ daemon: Daemon) { owner.withLock { $0 = daemon } }

    /// The API listens on `port`: the address heartbeats carry (`host:port`).
    public func listening(port: Int) { boundPort.withLock { $0 = port } }

    /// The liveness policy: the heartbeat interval from `LIGHTNING_CLUSTER_HEARTBEAT_MS` (50 to
    /// 600000; default 1000) and the missed heartbeats after which a node is gone from
    /// `LIGHTNING_CLUSTER_GONE_AFTER` (3 to 1000; default 6), each when set to a valid value.
    /// A node is suspect after 2 missed. Gone is when its deliveries fail over (`DeliveryFailover`).
    static func policy(_ environment: [String: String]) -> LivenessPolicy {
        let ms = environment["LIGHTNING_CLUSTER_HEARTBEAT_MS"].flatMap { Int($0) }.flatMap { (50...600_000).contains($0) ? $0 : nil } ?? 1000
        let gone = environment["LIGHTNING_CLUSTER_GONE_AFTER"].flatMap { Int($0) }.flatMap { (3...1000).contains($0) ? $0 : nil } ?? 6
        return LivenessPolicy(heartbeatInterval: .milliseconds(ms), suspectAfter: 2, goneAfter: gone)
    }

    /// This daemon's node id (a UUID kept in `<data_dir>/node-id`; `NodeIdentity`).
    /// - Throws: `HostError` when the file can be neither read nor written.
    public func nodeId() throws -> String {
        if let identity = identityBox.value { return try identity.id() }
        let identity = identityBox.withLock { box in
            if let existing = box { return existing }
            let made = NodeIdentity(file: daemon.config.dataDir.appendingPathComponent("node-id"))
            box = made
            return made
        }
        return try identity.id()
    }

    public func run() async throws {
        guard enabled else {
            // Returning would stop the daemon's service group: wait for its shutdown instead.
            try? await gracefulShutdown()
            return
        }
        // Fixed rate: a slow write does not stretch the interval (others would see us suspect).
        let clock = ContinuousClock()
        var next = clock.now
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do { try await heartbeat(now: Timestamp.now()) } catch {
                containerReady.withLock { $0 = false }
                logger.warning("cluster heartbeat: \(error)")
            }
            next += policy.heartbeatInterval
            if next < clock.now { next = clock.now }
            try? await Task.sleep(until: next, clock: clock)
        }
    }

    /// Writes this node's record.
    func heartbeat(now: Timestamp) async throws {
        await refreshBusOwner()
        let record = try currentRecord(now: now)
        let storage = daemon.providers.storage
        if !containerReady.value {
            _ = try await storage.call(Method.containerCreate, ContainerRequest(container: Self.container), as: ContainerResult.self)
            containerReady.withLock { $0 = true }
        }
        let data = try Wire.decode(JSONValue.self, from: Wire.encode(record))
        _ = try await storage.call(Method.documentUpsert,
                                   WriteRequest(container: Self.container, document: Document(id: record.id, data: data)), as: Document.self)
    }

    /// Asks the event bus for its lease owner, carried in heartbeats so that others can release
    /// this node's deliveries when it is gone. `unsupported`: none (the bus cannot release);
    /// another failure keeps the last answer (the owner of an instance does not change).
    func refreshBusOwner() async {
        do {
            let o = try await daemon.providers.eventbus.call(Method.owner, Empty(), as: BusOwner.self).owner
            busOwner.withLock { $0 = o }
        } catch let e as WireError where e.code == .unsupported {
            busOwner.withLock { $0 = nil }
        } catch {
            logger.warning("cluster heartbeat: bus.owner: \(error) (keeping \(busOwner.value ?? "none"))")
        }
    }

    func currentRecord(now: Timestamp) throws -> NodeRecord {
        let d = daemon
        let stats = d.router.stats
        let drivers = d.router.drivers
        let agents = drivers.compactMap { $0 as? AgentDriver }.map(\.name).sorted()
        let inFlight = stats.drivers.values.reduce(0) { $0 + $1.inFlight }
        return NodeRecord(id: try nodeId(), address: "\(d.config.host):\(boundPort.value ?? d.config.port)", version: LightningVersion.current,
                          drivers: drivers.map(\.name).filter { !agents.contains($0) }.sorted(), agents: agents,
                          load: NodeRecord.Load(inFlight: inFlight, published: stats.published, routed: stats.routed),
                          heartbeatAt: now.millis, busOwner: busOwner.value)
    }

    /// Every node that ever wrote a heartbeat to the shared store, with its liveness at `now`,
    /// sorted by id; this node is marked `self`.
    public func nodes(now: Timestamp) async throws -> [ClusterNode] {
        let me = try nodeId()
        guard enabled else { return [ClusterNode(record: try currentRecord(now: now), state: .alive, isSelf: true)] }
        let records = try await daemon.providers.storage.allDocuments(in: Self.container, as: NodeRecord.self)
        return records.sorted { $0.id < $1.id }.map { r in
            ClusterNode(record: r, state: policy.liveness(lastHeartbeat: r.heartbeatAt, now: now.millis), isSelf: r.id == me)
        }
    }
}

/// One daemon's heartbeat document (container `cluster_nodes`, id = node id).
public struct NodeRecord: Codable, Sendable, Equatable {
    public struct Load: Codable, Sendable, Equatable {
        /// Deliveries being handled now, over every driver and agent.
        public var inFlight: Int
        /// Events accepted and deliveries handled since the daemon started.
        public var published: Int
        public var routed: Int
        enum CodingKeys: String, CodingKey { case inFlight = "in_flight", published, routed }
    }

    public var id: String
    /// `host:port` of the daemon's API listener.
    public var address: String
    public var version: String
    public var drivers: [String]
    public var agents: [String]
    public var load: Load
    /// When this heartbeat was written (the writer's clock, ms since 1970).
    public var heartbeatAt: Int64
    /// The name its event bus instance leases under (`bus.owner`), for failover of its
    /// deliveries; absent when the bus cannot release another daemon's leases.
    public var busOwner: String?

    enum CodingKeys: String, CodingKey { case id, address, version, drivers, agents, load, heartbeatAt = "heartbeat_at", busOwner = "bus_owner" }
}

/// A node as `GET /v1/cluster` shows it.
public struct ClusterNode: Codable, Sendable, Equatable {
    public var record: NodeRecord
    public var state: NodeLiveness
    public var isSelf: Bool

    public func encode(to encoder: any Encoder) throws {
        try record.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(state, forKey: .state)
        try c.encode(isSelf, forKey: .isSelf)
        try c.encode(Timestamp(millis: record.heartbeatAt), forKey: .lastHeartbeat)
    }

    public init(from decoder: any Decoder) throws {
        record = try NodeRecord(from: decoder)
        let c = try decoder.container(keyedBy: Keys.self)
        state = try c.decode(NodeLiveness.self, forKey: .state)
        isSelf = try c.decode(Bool.self, forKey: .isSelf)
    }

    public init(record: NodeRecord, state: NodeLiveness, isSelf: Bool) {
        self.record = record; self.state = state; self.isSelf = isSelf
    }

    enum Keys: String, CodingKey { case state, isSelf = "self", lastHeartbeat = "last_heartbeat" }
}

/// The body of `GET /v1/cluster`.
public struct ClusterNodes: Codable, Sendable, Equatable {
    /// Membership is on (`LIGHTNING_CLUSTER=on`); when off, `nodes` is this daemon alone.
    public var enabled: Bool
    public var nodes: [ClusterNode]
    /// The singleton lease as this daemon sees it (empty when membership is off).
    public var leases: [LeaseStatus]
}
