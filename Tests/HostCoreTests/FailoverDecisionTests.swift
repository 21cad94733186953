@testable import HostCore
import Testing

/// Failover of deliveries, the decision (docs/cluster.md#failover-of-deliveries): which gone
/// node's bus owner a node releases, whether it is the claimer or a backup, and that a release
/// is made once per death.
@Suite struct FailoverDecisionTests {
    typealias Node = FailoverMachine.Node
    /// Heartbeat 1 s: suspect after 2 s, gone after 4 s; backups after 3 s.
    static let policy = LivenessPolicy(heartbeatInterval: .seconds(1), suspectAfter: 2, goneAfter: 4)
    static func machine(_ me: String) -> FailoverMachine { FailoverMachine(me: me, policy: policy, backupAfter: 3_000) }

    @Test func aNodeIsReleasedOnlyOnceGoneAndOnlyByTheLowestAliveId() {
        var b = Self.machine("b"), c = Self.machine("c")
        let now: Int64 = 100_000
        func nodes(aAt: Int64) -> [Node] {
            [Node(id: "a", heartbeatAt: aAt, busOwner: "host:a/1"), Node(id: "b", heartbeatAt: now, busOwner: "host:b/1"),
             Node(id: "c", heartbeatAt: now, busOwner: "host:c/1")]
        }
        // Suspect (3 s without a heartbeat): nobody releases.
        #expect(b.observed(nodes(aAt: now - 3_000), now: now).isEmpty)
        #expect(c.observed(nodes(aAt: now - 3_000), now: now).isEmpty)
        // Gone (4 s): b, the lowest live id, releases at once; c waits as a backup.
        let release = FailoverMachine.Action(node: "a", owner: "host:a/1", heartbeatAt: now - 4_000, asClaimer: true)
        #expect(b.observed(nodes(aAt: now - 4_000), now: now) == [release])
        #expect(c.observed(nodes(aAt: now - 4_000), now: now).isEmpty)
        // Until it succeeds, b asks again at each look; after `done`, never again for that death.
        #expect(b.observed(nodes(aAt: now - 4_000), now: now + 1_000) == [release])
        b.done(release)
        #expect(b.observed(nodes(aAt: now - 4_000), now: now + 2_000).isEmpty)
    }

    @Test func aBackupReleasesWhenTheClaimerIsStalled() {
        var c = Self.machine("c")
        let now: Int64 = 100_000
        // a is gone; b (the claimer) still looks alive but does not release (stalled): c steps in
        // after backupAfter from when it first saw a gone, and says it acts as a backup.
        func nodes(_ t: Int64) -> [Node] {
            [Node(id: "a", heartbeatAt: now - 5_000, busOwner: "host:a/1"), Node(id: "b", heartbeatAt: t, busOwner: "host:b/1"),
             Node(id: "c", heartbeatAt: t, busOwner: "host:c/1")]
        }
        #expect(c.observed(nodes(now), now: now).isEmpty)
        #expect(c.observed(nodes(now + 2_999), now: now + 2_999).isEmpty)
        #expect(c.observed(nodes(now + 3_000), now: now + 3_000)
            == [FailoverMachine.Action(node: "a", owner: "host:a/1", heartbeatAt: now - 5_000, asClaimer: false)])
        // When the claimer itself is gone too, c is the lowest live id and claims both at once.
        var c2 = Self.machine("c")
        let both = c2.observed([Node(id: "a", heartbeatAt: now - 5_000, busOwner: "oa"), Node(id: "b", heartbeatAt: now - 9_000, busOwner: "ob"),
                                Node(id: "c", heartbeatAt: now, busOwner: "oc")], now: now)
        #expect(both.map(\.owner) == ["oa", "ob"] && both.allSatisfy(\.asClaimer))
    }

    @Test func nodesWithoutABusOwnerOrThisNodeAreNeverReleased() {
        var a = Self.machine("a")
        let now: Int64 = 100_000
        // This node's own old record (its heartbeat write failing) and a node whose bus cannot
        // release (no owner: Service Bus, the local bus) ask for nothing; this node counts as
        // alive for the claimer choice even when its own record is stale.
        let out = a.observed([Node(id: "a", heartbeatAt: now - 60_000, busOwner: "oa"), Node(id: "b", heartbeatAt: now - 60_000, busOwner: nil),
                              Node(id: "c", heartbeatAt: now - 60_000, busOwner: ""), Node(id: "d", heartbeatAt: now - 60_000, busOwner: "od")], now: now)
        #expect(out == [FailoverMachine.Action(node: "d", owner: "od", heartbeatAt: now - 60_000, asClaimer: true)])
    }

    @Test func aNodeThatComesBackAndDiesAgainIsReleasedAgain() {
        var b = Self.machine("b")
        var now: Int64 = 100_000
        let first = b.observed([Node(id: "a", heartbeatAt: now - 4_000, busOwner: "a/1"), Node(id: "b", heartbeatAt: now, busOwner: "b/1")], now: now)
        #expect(first.map(\.owner) == ["a/1"])
        b.done(first[0])
        // a restarts (a new bus instance, a new owner), heartbeats, and is killed again.
        now += 10_000
        #expect(b.observed([Node(id: "a", heartbeatAt: now, busOwner: "a/2"), Node(id: "b", heartbeatAt: now, busOwner: "b/1")], now: now).isEmpty)
        now += 4_000
        let second = b.observed([Node(id: "a", heartbeatAt: now - 4_000, busOwner: "a/2"), Node(id: "b", heartbeatAt: now, busOwner: "b/1")], now: now)
        #expect(second.map(\.owner) == ["a/2"])
        // A record that disappears (deleted from cluster_nodes) is forgotten.
        b.done(second[0])
        _ = b.observed([Node(id: "b", heartbeatAt: now, busOwner: "b/1")], now: now)
        #expect(b.released.isEmpty && b.goneSince.isEmpty)
    }

    @Test func theGoneThresholdComesFromTheEnvironment() {
        let p = ClusterMembership.policy(["LIGHTNING_CLUSTER_HEARTBEAT_MS": "500", "LIGHTNING_CLUSTER_GONE_AFTER": "4"])
        #expect(p.heartbeatInterval == .milliseconds(500) && p.goneAfter == 4 && p.suspectAfter == 2)
        #expect(p.liveness(lastHeartbeat: 0, now: 1_999) == .suspect && p.liveness(lastHeartbeat: 0, now: 2_000) == .gone)
        let defaults = ClusterMembership.policy([:])
        #expect(defaults.heartbeatInterval == .seconds(1) && defaults.goneAfter == 6)
        // Out of range: the default, as for the interval.
        #expect(ClusterMembership.policy(["LIGHTNING_CLUSTER_GONE_AFTER": "2"]).goneAfter == 6)
        #expect(ClusterMembership.policy(["LIGHTNING_CLUSTER_GONE_AFTER": "x"]).goneAfter == 6)
    }
}
