@testable import HostCore
import Testing

/// The cluster's pure decisions (docs/cluster.md): node liveness from heartbeat times, and the
/// singleton lease state machine, by case and by a seeded simulation of several nodes racing on
/// one compare-and-swap store with pauses and writes of unknown outcome.
@Suite struct ClusterDecisionTests {
    // MARK: Liveness

    @Test func livenessFollowsMissedHeartbeats() {
        let p = LivenessPolicy(heartbeatInterval: .seconds(5), suspectAfter: 2, goneAfter: 6)
        let cases: [(age: Int64, NodeLiveness)] = [
            (-60_000, .alive),  // the writer's clock is ahead
            (0, .alive), (9_999, .alive), (10_000, .suspect), (29_999, .suspect), (30_000, .gone), (3_600_000, .gone),
        ]
        for (age, expected) in cases {
            #expect(p.liveness(lastHeartbeat: 1_000_000, now: 1_000_000 + age) == expected, "age \(age) ms")
        }
        let subSecond = LivenessPolicy(heartbeatInterval: .milliseconds(250), suspectAfter: 1, goneAfter: 3)
        #expect(subSecond.liveness(lastHeartbeat: 0, now: 249) == .alive)
        #expect(subSecond.liveness(lastHeartbeat: 0, now: 250) == .suspect)
        #expect(subSecond.liveness(lastHeartbeat: 0, now: 750) == .gone)
    }

    // MARK: Lease, case by case

    typealias Record = LeaseMachine.Record
    static func machine(_ me: String = "a") -> LeaseMachine { LeaseMachine(me: me, ttl: 10_000, renewBefore: 4_000, safetyMargin: 1_000) }

    @Test func aMissingLeaseIsCreatedWithTokenOne() {
        var m = Self.machine()
        #expect(m.observed(nil, now: 100) == .create(Record(holder: "a", token: 1, expiresAt: 10_100)))
        #expect(m.token(at: 100) == nil)  // not before the write succeeded
        #expect(m.wrote(etag: "e1") == .wait(until: 6_100))
        #expect(m.token(at: 100) == 1)
        #expect(m.token(at: 9_099) == 1)
        #expect(m.token(at: 9_100) == nil)  // the safety margin before expiry
    }

    @Test func aLiveLeaseOfAnotherIsFollowedUntilItExpires() {
        var m = Self.machine()
        let theirs = Record(holder: "b", token: 7, expiresAt: 5_000)
        #expect(m.observed((theirs, "e7"), now: 1_000) == .wait(until: 5_000))
        #expect(m.state == .following(observed: theirs))
        #expect(m.token(at: 1_000) == nil)
        #expect(m.observed((theirs, "e7"), now: 4_999) == .wait(until: 5_000))
    }

    @Test func anExpiredLeaseIsTakenOverWithTheNextToken() {
        var m = Self.machine()
        let theirs = Record(holder: "b", token: 7, expiresAt: 5_000)
        #expect(m.observed((theirs, "e7"), now: 5_000) == .replace(Record(holder: "a", token: 8, expiresAt: 15_000), ifMatch: "e7"))
        _ = m.wrote(etag: "e8")
        #expect(m.token(at: 5_000) == 8)
    }

    @Test func theHolderRenewsWhenDueKeepingItsToken() {
        var m = Self.machine()
        _ = m.observed(nil, now: 0)
        _ = m.wrote(etag: "e1")
        let mine = Record(holder: "a", token: 1, expiresAt: 10_000)
        #expect(m.observed((mine, "e1"), now: 5_000) == .wait(until: 6_000))
        #expect(m.observed((mine, "e1"), now: 6_000) == .replace(Record(holder: "a", token: 1, expiresAt: 16_000), ifMatch: "e1"))
        #expect(m.token(at: 6_000) == 1)  // still held while the renewal is in flight
        #expect(m.wrote(etag: "e2") == .wait(until: 12_000))
        #expect(m.token(at: 14_999) == 1)
        #expect(m.token(at: 15_000) == nil)
    }

    @Test func aRejectedWriteMeansSomeoneElseWonAndTheHoldIsGone() {
        var m = Self.machine()
        _ = m.observed(nil, now: 0)
        _ = m.wrote(etag: "e1")
        _ = m.observed((Record(holder: "a", token: 1, expiresAt: 10_000), "e1"), now: 6_000)
        #expect(m.writeRejected(now: 6_001) == .wait(until: 6_001))
        #expect(m.token(at: 6_001) == nil)
        // Then it sees the winner and follows it.
        let winner = Record(holder: "b", token: 2, expiresAt: 16_000)
        #expect(m.observed((winner, "e2"), now: 6_002) == .wait(until: 16_000))
    }

    @Test func aRenewalOfUnknownOutcomeKeepsTheOldHoldUntilItRunsOut() {
        var m = Self.machine()
        _ = m.observed(nil, now: 0)
        _ = m.wrote(etag: "e1")
        let mine = Record(holder: "a", token: 1, expiresAt: 10_000)
        _ = m.observed((mine, "e1"), now: 6_000)
        #expect(m.writeFailed(retryAt: 7_000) == .wait(until: 7_000))
        #expect(m.state == .holding(mine, etag: "e1"))
        #expect(m.token(at: 8_999) == 1)
        #expect(m.token(at: 9_000) == nil)
        // The storage came back and still shows our old lease, now past its margin: take it over afresh.
        #expect(m.observed((mine, "e1"), now: 9_500) == .replace(Record(holder: "a", token: 2, expiresAt: 19_500), ifMatch: "e1"))
    }

    @Test func aTakeoverOfUnknownOutcomeHoldsNothingAndWaitsOutItsOwnRecord() {
        var m = Self.machine()
        _ = m.observed(nil, now: 0)
        #expect(m.writeFailed(retryAt: 500) == .wait(until: 500))
        #expect(m.token(at: 500) == nil)
        // The write did land: the record names us with a token we do not hold; it is waited out, then taken anew.
        let landed = Record(holder: "a", token: 1, expiresAt: 10_000)
        #expect(m.observed((landed, "e1"), now: 600) == .wait(until: 10_000))
        #expect(m.observed((landed, "e1"), now: 10_000) == .replace(Record(holder: "a", token: 2, expiresAt: 20_000), ifMatch: "e1"))
    }

    @Test func aHolderThatSeesAnotherHolderStops() {
        var m = Self.machine()
        _ = m.observed(nil, now: 0)
        _ = m.wrote(etag: "e1")
        let other = Record(holder: "b", token: 2, expiresAt: 30_000)
        #expect(m.observed((other, "e2"), now: 2_000) == .wait(until: 30_000))
        #expect(m.token(at: 2_000) == nil)
    }

    // MARK: Lease, simulated

    /// Three nodes on one CAS store, 2000 steps per seed: at every instant at most one node has
    /// a token, and each new hold has a larger token than every hold before it.
    @Test(arguments: 0..<40)
    func atMostOneHolderAndTokensGrowUnderRandomSchedules(_ seed: Int) {
        var rng = SplitMix(seed: UInt64(seed))
        var store: (record: Record, etag: String)? = nil
        var etags = 0
        var nodes = ["a", "b", "c"].map { LeaseMachine(me: $0, ttl: 1_000, renewBefore: 400, safetyMargin: 100) }
        var wake: [Int64] = [0, 0, 0]
        var now: Int64 = 0
        var lastToken: Int64 = 0
        var holding: [Int64?] = [nil, nil, nil]
        var holds = 0
        for _ in 0..<2_000 {
            now += Int64(rng.next() % 60)
            let i = Int(rng.next() % 3)
            // A node may be paused (a long GC, a stopped process): it skips its turn.
            if rng.next() % 10 == 0 { wake[i] = now + Int64(rng.next() % 1_500) }
            if wake[i] <= now {
                var action = nodes[i].observed(store, now: now)
                switch action {
                case .wait: break
                case .create(let r), .replace(let r, _):
                    let expected: String? = { if case .replace(_, let e) = action { return e } else { return nil } }()
                    let matches = store?.etag == expected
                    let outcome = rng.next() % 8  // 0: fails before applying, 1: applies but the reply is lost
                    if matches && outcome != 0 {
                        etags += 1
                        store = (r, "e\(etags)")
                    }
                    if outcome <= 1 {
                        action = nodes[i].writeFailed(retryAt: now + 50)
                    } else if matches {
                        action = nodes[i].wrote(etag: "e\(etags)")
                    } else {
                        action = nodes[i].writeRejected(now: now)
                    }
                }
                if case .wait(let until) = action { wake[i] = max(until, now + 1) }
            }
            // Invariants, at this instant.
            let tokens = nodes.map { $0.token(at: now) }
            #expect(tokens.compactMap { $0 }.count <= 1, "seed \(seed) at \(now): \(tokens)")
            for j in 0..<3 where tokens[j] != holding[j] {
                if let t = tokens[j], t != holding[j] {
                    #expect(t > lastToken, "seed \(seed): node \(j) holds token \(t) after \(lastToken)")
                    holds += 1
                    lastToken = max(lastToken, t)
                }
                holding[j] = tokens[j]
            }
        }
        #expect(holds > 0, "seed \(seed): nobody ever held the lease")
    }
}

/// A small seeded generator, so a failing seed replays.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
