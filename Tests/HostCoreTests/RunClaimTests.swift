@testable import HostCore
import LightningPlanner
import Testing

/// Who steps a plan run in a cluster (docs/cluster.md#plan-runs), without I/O: every combination
/// of the run's status, its owner, whether this node steps it and the owner's liveness; the
/// retry-or-stop rule after a refused write; and a seeded simulation of three nodes on one
/// compare-and-swap run document with pauses, deaths and sweeps.
@Suite struct RunClaimTests {
    typealias D = RunClaim.Decision
    static let states: [NodeLiveness?] = [nil, .alive, .suspect, .gone]

    @Test func everyCombinationIsDecided() {
        let statuses: [PlanRunMachine.Status] = [.running, .completed, .failed, .cancelled]
        let owners: [RunOwner?] = [nil, RunOwner(node: "me", token: 4), RunOwner(node: "b", token: 7)]
        var seen = 0
        for status in statuses {
            for owner in owners {
                for stepping in [false, true] {
                    for state in Self.states {
                        let d = RunClaim.decide(status: status, owner: owner, me: "me", stepping: stepping, ownerState: state)
                        let expected: D
                        if status != .running {
                            expected = .finished
                        } else if owner == nil {
                            expected = .adopt(RunOwner(node: "me", token: 1))
                        } else if owner?.node == "me" {
                            expected = stepping ? .stepping : .resume(RunOwner(node: "me", token: 5))
                        } else if stepping {
                            expected = .lost(owner: RunOwner(node: "b", token: 7))
                        } else if state == .alive || state == .suspect {
                            expected = .skip(owner: RunOwner(node: "b", token: 7))
                        } else {
                            expected = .adopt(RunOwner(node: "me", token: 8))
                        }
                        #expect(d == expected, "status \(status), owner \(String(describing: owner)), stepping \(stepping), owner's state \(String(describing: state))")
                        seen += 1
                    }
                }
            }
        }
        #expect(seen == 4 * 3 * 2 * 4)
    }

    @Test func namedCases() {
        // A node that restarted resumes its own runs, with a new token (fencing its old self).
        #expect(RunClaim.decide(status: .running, owner: RunOwner(node: "a", token: 1), me: "a", stepping: false, ownerState: .alive) == .resume(RunOwner(node: "a", token: 2)))
        // A live other's run is left to it, even while it is only suspect.
        #expect(RunClaim.decide(status: .running, owner: RunOwner(node: "b", token: 3), me: "a", stepping: false, ownerState: .suspect) == .skip(owner: RunOwner(node: "b", token: 3)))
        // A gone owner's run, or one whose owner has no heartbeat record at all, is adopted.
        #expect(RunClaim.decide(status: .running, owner: RunOwner(node: "b", token: 3), me: "a", stepping: false, ownerState: .gone) == .adopt(RunOwner(node: "a", token: 4)))
        #expect(RunClaim.decide(status: .running, owner: RunOwner(node: "b", token: 3), me: "a", stepping: false, ownerState: nil) == .adopt(RunOwner(node: "a", token: 4)))
        // A paused ex-owner that wakes up finds another owner: it stops, whatever that one's state.
        #expect(RunClaim.decide(status: .running, owner: RunOwner(node: "b", token: 4), me: "a", stepping: true, ownerState: .gone) == .lost(owner: RunOwner(node: "b", token: 4)))
        // Finished runs are nobody's business.
        #expect(RunClaim.decide(status: .cancelled, owner: nil, me: "a", stepping: true, ownerState: nil) == .finished)
    }

    @Test func aRefusedWriteIsRetriedOnlyWhileTheStoredOwnerIsStillThisHold() {
        let mine = RunOwner(node: "a", token: 2)
        #expect(RunClaim.mayRetryRefusedWrite(stored: mine, mine: mine, exists: true), "changed by a cancel elsewhere: retry on it")
        #expect(!RunClaim.mayRetryRefusedWrite(stored: RunOwner(node: "b", token: 3), mine: mine, exists: true), "claimed by another")
        #expect(!RunClaim.mayRetryRefusedWrite(stored: RunOwner(node: "a", token: 3), mine: mine, exists: true), "claimed by this node's newer self")
        #expect(!RunClaim.mayRetryRefusedWrite(stored: nil, mine: mine, exists: true), "ownerless")
        #expect(!RunClaim.mayRetryRefusedWrite(stored: mine, mine: mine, exists: false), "deleted")
    }

    /// Three nodes, one run of `steps` sequential steps in one compare-and-swap document. Each
    /// round a random node acts: steps its run (writing the next step done, If-Match its ETag),
    /// sweeps (reads, decides, claims with If-Match), pauses (its membership turns gone after a
    /// while, it keeps its stale view) or dies and restarts (forgets what it stepped). Whatever
    /// happens: every landed progress write is by the owner stored at that moment, tokens only
    /// grow, each step is recorded done once, and the run finishes while a node is up.
    @Test(arguments: 1...40) func threeNodesOnOneCASRunNeverWriteStaleProgress(seed: UInt64) {
        struct Store { var owner: RunOwner?; var done = 0; var etag = 0 }
        struct Node { var id: String; var stepping: RunOwner?; var etag = -1; var paused = 0; var beat = 0 }
        var rng = SplitMix(seed: seed &+ 7_000)
        let steps = 12
        var store = Store(owner: RunOwner(node: "n0", token: 1))
        var nodes = (0..<3).map { Node(id: "n\($0)") }
        nodes[0].stepping = store.owner
        nodes[0].etag = 0
        var now = 0
        var tokens: [Int64] = [1]
        var doneWrites = 0
        for _ in 0..<3_000 where store.done < steps {
            now += 1
            for i in nodes.indices where nodes[i].paused == 0 { nodes[i].beat = now }
            let i = Int(rng.next() % 3)
            if nodes[i].paused > 0 { nodes[i].paused -= 1; continue }
            let state: (String) -> NodeLiveness? = { id in
                guard let n = nodes.first(where: { $0.id == id }) else { return nil }
                return now - n.beat > 20 ? .gone : now - n.beat > 5 ? .suspect : .alive
            }
            switch rng.next() % 10 {
            case 0...4:  // step: a progress write, If-Match this node's last ETag
                guard let mine = nodes[i].stepping else { continue }
                if nodes[i].etag == store.etag {
                    #expect(store.owner == mine, "seed \(seed): a write landed from \(nodes[i].id) (\(mine)) while \(String(describing: store.owner)) owns the run")
                    store.done += 1; store.etag += 1; doneWrites += 1
                    nodes[i].etag = store.etag
                } else if !RunClaim.mayRetryRefusedWrite(stored: store.owner, mine: mine, exists: true) {
                    nodes[i].stepping = nil
                }
            case 5...7:  // sweep
                let d = RunClaim.decide(status: .running, owner: store.owner, me: nodes[i].id, stepping: nodes[i].stepping != nil,
                                        ownerState: store.owner.flatMap { state($0.node) })
                switch d {
                case .resume(let o), .adopt(let o):
                    store.owner = o; store.etag += 1
                    #expect(o.token > tokens.last!, "seed \(seed): token \(o.token) after \(tokens)")
                    tokens.append(o.token)
                    nodes[i].stepping = o; nodes[i].etag = store.etag
                case .lost: nodes[i].stepping = nil
                case .finished, .stepping, .skip: break
                }
            case 8: nodes[i].paused = Int(rng.next() % 40)  // a stall, possibly past "gone"
            default: nodes[i].stepping = nil; nodes[i].etag = -1  // kill -9 and restart
            }
        }
        #expect(store.done == steps, "seed \(seed): the run finished (\(store.done) of \(steps) steps)")
        #expect(doneWrites == steps, "seed \(seed): each step recorded once")
        #expect(tokens.count > 1, "seed \(seed): the run changed hands at least once (tokens \(tokens))")
    }
}
