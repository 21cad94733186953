import Foundation
import LightningProtocol
import Logging
public import ServiceLifecycle

/// Failover of deliveries (docs/cluster.md#failover-of-deliveries): a `Service` that, every
/// heartbeat interval, reads the membership records and, for a node that is gone, asks the event
/// bus to release the deliveries that node's bus instance holds leased (`bus.release_owner`),
/// so a live daemon leases them at once instead of after the lease time (60 s by default).
/// Which node does it, and when, is the pure `FailoverMachine`.
///
/// ```
/// every interval: query cluster_nodes ─► machine.observed ─► [release(owner)] ─► eventbus bus.release_owner ─► machine.done
/// ```
///
/// Only with `LIGHTNING_CLUSTER=on`. A bus that cannot release (Service Bus, whose lock expiry
/// stays the fallback) publishes no owner in its heartbeats, so nothing is asked of it.
///
/// Threading: the machine is used by `run()` alone; `releases` (for tests and `/metrics`) is
/// behind one lock.
public final class DeliveryFailover: Service, Sendable {
    private let owner = Locked<Daemon?>(nil)
    /// Every release this daemon made: node id, owner, deliveries made due, when (ms).
    private let log = Locked<[Release]>([])
    var daemon: Daemon { owner.value! }
    let logger = Logger(label: "lt.cluster.failover")

    public struct Release: Sendable, Equatable {
        public var node: String
        public var owner: String
        public var count: Int
        public var at: Int64
    }

    init() {}

    func attach(_ daemon: Daemon) { owner.withLock { $0 = daemon } }

    /// The releases made so far by this daemon.
    public var releases: [Release] { log.value }

    public func run() async throws {
        let cluster = daemon.cluster
        guard cluster.enabled else {
            try? await gracefulShutdown()  // returning would stop the daemon's service group
            return
        }
        var machine = FailoverMachine(me: try cluster.nodeId(), policy: cluster.policy)
        let clock = ContinuousClock()
        var next = clock.now
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do { try await step(&machine) } catch {
                logger.warning("failover: cannot read cluster nodes: \(error)")
            }
            next += cluster.policy.heartbeatInterval
            if next < clock.now { next = clock.now }
            try? await Task.sleep(until: next, clock: clock)
        }
    }

    /// One read, decision and the releases it asks for.
    func step(_ machine: inout FailoverMachine) async throws {
        let records = try await daemon.providers.storage.allDocuments(in: ClusterMembership.container, as: NodeRecord.self)
        let now = Timestamp.now().millis
        let actions = machine.observed(records.map { .init(id: $0.id, heartbeatAt: $0.heartbeatAt, busOwner: $0.busOwner) }, now: now)
        for a in actions {
            do {
                let n = try await daemon.providers.eventbus.call(Method.releaseOwner, ReleaseOwnerRequest(owner: a.owner), as: CountResult.self).count
                machine.done(a)
                log.withLock { $0.append(Release(node: a.node, owner: a.owner, count: n, at: Timestamp.now().millis)) }
                logger.info("failover: node \(a.node) gone (last heartbeat \(now - a.heartbeatAt) ms ago): released \(n) leased deliveries of \(a.owner)\(a.asClaimer ? "" : " (as backup)")")
            } catch let e as WireError where e.code == .unsupported {
                machine.done(a)  // the bus serving now cannot: its leases expire instead
                logger.info("failover: node \(a.node) gone; the event bus cannot release its leases (they expire): \(e.message)")
            } catch {
                logger.warning("failover: releasing the leases of gone node \(a.node) (\(a.owner)) failed, retrying: \(error)")
            }
        }
    }
}
