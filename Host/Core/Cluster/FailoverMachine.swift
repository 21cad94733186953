/// Decides, from the membership records, whose leased deliveries this node asks the event bus
/// to release (docs/cluster.md#failover-of-deliveries). Pure: `DeliveryFailover` reads the
/// records and the clock, feeds them in, calls `bus.release_owner` for each action and reports
/// the ones that succeeded with `done`.
///
/// ```
/// observed(nodes, now) ─► for each node gone (LivenessPolicy), with a bus owner, not this node,
///                         not yet released at this heartbeat:
///                            this node is the claimer (lowest id among the alive) ─► release now
///                            else, gone for `backupAfter` already              ─► release (backup)
///                            else                                                ─► wait
/// done(action) ─► remembered: not released again until the node heartbeats again and is gone again
/// ```
///
/// One claimer: every live node sees the same records, so normally exactly one (the lowest alive
/// id) releases. The others step in only after `backupAfter`, for a claimer that is itself
/// stalled. Two releasing is harmless: `bus.release_owner` is idempotent (only deliveries still
/// leased by that owner are made due; one leased again since has another owner).
public struct FailoverMachine: Sendable, Equatable {
    /// One membership record as read from `cluster_nodes`.
    public struct Node: Sendable, Equatable {
        public var id: String
        /// Its last heartbeat (ms since 1970, the writer's clock).
        public var heartbeatAt: Int64
        /// The name its event bus leases under (`bus.owner`); nil when its bus cannot release.
        public var busOwner: String?
        public init(id: String, heartbeatAt: Int64, busOwner: String?) { self.id = id; self.heartbeatAt = heartbeatAt; self.busOwner = busOwner }
    }

    /// Ask the bus to release `owner`'s leased deliveries; `node` last heartbeated at `heartbeatAt`.
    public struct Action: Sendable, Equatable, Hashable {
        public var node: String
        public var owner: String
        public var heartbeatAt: Int64
        /// This node is the claimer (false: a backup for a stalled claimer).
        public var asClaimer: Bool
    }

    public let me: String
    public let policy: LivenessPolicy
    /// How long (ms) a node that is not the claimer waits after it first saw a node gone.
    public let backupAfter: Int64
    /// Node id → the heartbeat at which its owner was released.
    public private(set) var released: [String: Int64] = [:]
    /// Node id → when this node first saw it gone (ms, this node's clock), while not released.
    public private(set) var goneSince: [String: Int64] = [:]

    public init(me: String, policy: LivenessPolicy, backupAfter: Int64? = nil) {
        self.me = me
        self.policy = policy
        self.backupAfter = backupAfter ?? Int64(policy.goneAfter) * policy.intervalMillis
    }

    /// The records read at `now` (ms, this node's clock): what to release now.
    public mutating func observed(_ nodes: [Node], now: Int64) -> [Action] {
        let alive = nodes.filter { $0.id == me || policy.liveness(lastHeartbeat: $0.heartbeatAt, now: now) == .alive }.map(\.id)
        let claimer = (alive + [me]).min()!
        var out: [Action] = []
        var stillGone: [String: Int64] = [:]
        for n in nodes where n.id != me {
            guard policy.liveness(lastHeartbeat: n.heartbeatAt, now: now) == .gone, let owner = n.busOwner, !owner.isEmpty else { continue }
            if let at = released[n.id], at >= n.heartbeatAt { continue }
            let since = goneSince[n.id] ?? now
            stillGone[n.id] = since
            if claimer == me || now - since >= backupAfter {
                out.append(Action(node: n.id, owner: owner, heartbeatAt: n.heartbeatAt, asClaimer: claimer == me))
            }
        }
        goneSince = stillGone
        // A node no longer listed needs no memory; one that heartbeats again keeps its entry
        // (compared by heartbeat) so its next death is released again.
        let listed = Set(nodes.map(\.id))
        released = released.filter { listed.contains($0.key) }
        return out.sorted { $0.node < $1.node }
    }

    /// `action` was carried out (the bus answered): not repeated for that heartbeat.
    public mutating func done(_ action: Action) {
        released[action.node] = max(released[action.node] ?? .min, action.heartbeatAt)
        goneSince[action.node] = nil
    }
}
