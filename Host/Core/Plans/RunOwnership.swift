public import LightningPlanner

/// Who steps a plan run in a cluster (docs/cluster.md#plan-runs): kept in the run document as
/// `"owner": {"node", "token"}`, written only with compare-and-swap (If-Match on the run
/// document's ETag). `token` is the fencing token: it grows by one at every claim (a restart of
/// the owner resuming its own run, or another node adopting it), so a claim always changes the
/// document and its ETag, and every write of the previous stepper fails its If-Match check.
public struct RunOwner: Codable, Sendable, Equatable {
    /// The node id (`ClusterMembership.nodeId()`).
    public var node: String
    public var token: Int64
    public init(node: String, token: Int64) { self.node = node; self.token = token }
}

/// The decisions about a run's ownership, pure (no I/O, no clock): the executor reads the run
/// document and the membership, asks, and performs the write the answer names.
///
/// ```
///  status ≠ running ───────────────────────────────────────────▶ finished (nothing to do)
///  owner = me  ── stepping it here ─▶ stepping │ not ─▶ resume (claim: token + 1, re-run its running steps)
///  owner = other ── stepping it here ─▶ lost (stop: the other claimed it)
///                └─ other gone / unknown ─▶ adopt (claim: token + 1) │ alive, suspect ─▶ skip
///  no owner (made without the cluster) ─▶ adopt (token 1)
/// ```
public enum RunClaim {
    public enum Decision: Sendable, Equatable {
        /// Not running: nobody steps it any more.
        case finished
        /// This node owns it and steps it: nothing to do.
        case stepping
        /// This node owns it but does not step it (it restarted, or dropped it after a write of
        /// unknown outcome): claim it with `owner` (compare-and-swap), then resume it.
        case resume(RunOwner)
        /// Its owner is gone (or it has none): claim it with `owner` (compare-and-swap; of
        /// several nodes racing, one wins), then resume it.
        case adopt(RunOwner)
        /// Another node steps it while this one thought it did: stop stepping it.
        case lost(owner: RunOwner)
        /// Another live (or only suspect) node owns it: leave it.
        case skip(owner: RunOwner)
    }

    /// What node `me` does with a run in state `status` owned by `owner` (nil: none), given
    /// whether it steps the run now (`stepping`) and the owner's liveness from membership
    /// (`ownerState`; nil when the owner has no heartbeat record at all: unknown counts as gone).
    public static func decide(status: PlanRunMachine.Status, owner: RunOwner?, me: String, stepping: Bool, ownerState: NodeLiveness?) -> Decision {
        guard status == .running else { return .finished }
        guard let owner else { return .adopt(RunOwner(node: me, token: 1)) }
        if owner.node == me {
            return stepping ? .stepping : .resume(RunOwner(node: me, token: owner.token + 1))
        }
        if stepping { return .lost(owner: owner) }
        switch ownerState {
        case .alive?, .suspect?: return .skip(owner: owner)
        case .gone?, nil: return .adopt(RunOwner(node: me, token: owner.token + 1))
        }
    }

    /// After a write of the run by its stepper was refused (the document's ETag changed): retry
    /// the change on the document as it is now (`retry`) when the stored owner is still `mine`
    /// (someone else changed the run without claiming it, e.g. a cancel through another node),
    /// else stop stepping it (false): another node claimed it, or the run is gone.
    public static func mayRetryRefusedWrite(stored: RunOwner?, mine: RunOwner, exists: Bool) -> Bool {
        exists && stored == mine
    }
}
