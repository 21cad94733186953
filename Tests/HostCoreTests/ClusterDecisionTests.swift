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

    // MARK: Singleton work under the lease (commits and the ledger)

    @Test func aCommitIsARenewalThatRecordsTheFiresInTheLedger() {
        var m = Self.machine()
        _ = m.observed(nil, now: 0)
        _ = m.wrote(etag: "e1")
        #expect(m.ledger(at: 1_000) == [:])
        #expect(m.commit(["s": 1_000], now: 2_000) == .replace(Record(holder: "a", token: 1, expiresAt: 12_000, fired: ["s": 1_000]), ifMatch: "e1"))
        #expect(m.token(at: 2_000) == 1)  // the hold stands while the commit is in flight
        #expect(m.commit(["s": 2_000], now: 2_000) == nil)  // one write at a time
        _ = m.wrote(etag: "e2")
        #expect(m.ledger(at: 2_000) == ["s": 1_000])
        #expect(m.token(at: 10_999) == 1)  // the commit renewed the lease
        // The later time is kept; ids not kept (deleted schedules) drop out.
        #expect(m.commit(["s": 500, "t": 3_000], keeping: ["s", "t"], now: 3_000)
            == .replace(Record(holder: "a", token: 1, expiresAt: 13_000, fired: ["s": 1_000, "t": 3_000]), ifMatch: "e2"))
        _ = m.wrote(etag: "e3")
        #expect(m.commit([:], keeping: ["t"], now: 4_000) == .replace(Record(holder: "a", token: 1, expiresAt: 14_000, fired: ["t": 3_000]), ifMatch: "e3"))
    }

    @Test func nothingIsCommittedWithoutAHoldOrWithinTheSafetyMargin() {
        var m = Self.machine()
        #expect(m.commit(["s": 1], now: 0) == nil)
        _ = m.observed((Record(holder: "b", token: 4, expiresAt: 9_000), "e4"), now: 0)
        #expect(m.commit(["s": 1], now: 100) == nil)
        #expect(m.ledger(at: 100) == nil)
        var h = Self.machine()
        _ = h.observed(nil, now: 0)
        _ = h.wrote(etag: "e1")
        #expect(h.commit(["s": 1], now: 9_000) == nil)  // expiry 10 000, margin 1 000
        #expect(h.ledger(at: 9_000) == nil)
    }

    /// The fencing check: a holder that decided to commit, then paused past its lease while
    /// another took it over, reaches the store with the ETag of its old hold and is refused.
    @Test func aHolderPausedPastItsLeaseCannotCommit() {
        var a = Self.machine("a"), b = Self.machine("b")
        _ = a.observed(nil, now: 0)
        _ = a.wrote(etag: "e1")
        let write = a.commit(["s": 8_000], now: 8_000)
        #expect(write == .replace(Record(holder: "a", token: 1, expiresAt: 18_000, fired: ["s": 8_000]), ifMatch: "e1"))
        // a pauses; its lease (expiry 10 000) runs out and b takes over: the ETag changes.
        #expect(b.observed((Record(holder: "a", token: 1, expiresAt: 10_000, fired: ["s": 7_000]), "e1"), now: 10_000)
            == .replace(Record(holder: "b", token: 2, expiresAt: 20_000, fired: ["s": 7_000]), ifMatch: "e1"))
        _ = b.wrote(etag: "e2")
        // a's write arrives with If-Match e1, the store has e2: refused, and a holds nothing.
        #expect(a.writeRejected(now: 30_000) == .wait(until: 30_000))
        #expect(a.token(at: 30_000) == nil && a.ledger(at: 30_000) == nil)
        // b took the ledger over: the fire a committed before (7 000) is not repeated.
        #expect(b.ledger(at: 10_000) == ["s": 7_000])
    }

    @Test func renewalsAndTakeoversCarryTheLedger() {
        var m = Self.machine()
        _ = m.observed(nil, now: 0)
        _ = m.wrote(etag: "e1")
        _ = m.commit(["s": 1_000], now: 1_000)
        _ = m.wrote(etag: "e2")
        let mine = Record(holder: "a", token: 1, expiresAt: 11_000, fired: ["s": 1_000])
        #expect(m.observed((mine, "e2"), now: 7_000) == .replace(Record(holder: "a", token: 1, expiresAt: 17_000, fired: ["s": 1_000]), ifMatch: "e2"))
        var other = Self.machine("b")
        #expect(other.observed((mine, "e2"), now: 11_000) == .replace(Record(holder: "b", token: 2, expiresAt: 21_000, fired: ["s": 1_000]), ifMatch: "e2"))
    }

    /// Three nodes on one CAS store fire a schedule of one fire every 100 ms (the scheduler's
    /// rule: fire each time after the ledger's, commit first, do it only when the commit landed),
    /// with pauses and writes that fail before or after applying: no time is ever fired twice,
    /// and every time done is in the store's ledger.
    @Test(arguments: 0..<40)
    func scheduledFiresHappenAtMostOnceAcrossNodes(_ seed: Int) {
        var rng = SplitMix(seed: UInt64(seed) &+ 1_000)
        var store: (record: Record, etag: String)? = nil
        var etags = 0
        var nodes = ["a", "b", "c"].map { LeaseMachine(me: $0, ttl: 1_000, renewBefore: 400, safetyMargin: 100) }
        var wake: [Int64] = [0, 0, 0]
        var now: Int64 = 0
        var done: [Int64] = []
        func cas(_ i: Int, _ action: LeaseMachine.Action, _ rng: inout SplitMix) -> (LeaseMachine.Action, landed: Bool) {
            switch action {
            case .wait: return (action, false)
            case .create(let r), .replace(let r, _):
                let expected: String? = { if case .replace(_, let e) = action { return e } else { return nil } }()
                let matches = store?.etag == expected
                let outcome = rng.next() % 8  // 0: fails before applying, 1: applies but the reply is lost
                if matches && outcome != 0 { etags += 1; store = (r, "e\(etags)") }
                if outcome <= 1 { return (nodes[i].writeFailed(retryAt: now + 50), false) }
                if matches { return (nodes[i].wrote(etag: "e\(etags)"), true) }
                return (nodes[i].writeRejected(now: now), false)
            }
        }
        for _ in 0..<3_000 {
            now += Int64(rng.next() % 60)
            let i = Int(rng.next() % 3)
            if rng.next() % 10 == 0 { wake[i] = now + Int64(rng.next() % 1_500) }
            guard wake[i] <= now else { continue }
            if let ledger = nodes[i].ledger(at: now), rng.next() % 2 == 0 {
                let last = ledger["s"] ?? 0
                let due = Array(stride(from: (last / 100 + 1) * 100, through: now, by: 100))
                if let latest = due.last, let write = nodes[i].commit(["s": latest], now: now) {
                    let (_, landed) = cas(i, write, &rng)
                    if landed { done += due }
                    continue
                }
            }
            let (action, _) = cas(i, nodes[i].observed(store, now: now), &rng)
            if case .wait(let until) = action { wake[i] = max(until, now + 1) }
        }
        #expect(Set(done).count == done.count, "seed \(seed): a time fired twice")
        #expect(done.allSatisfy { $0 <= (store?.record.fired?["s"] ?? 0) }, "seed \(seed)")
        #expect(done.count > 10, "seed \(seed): only \(done.count) fires")
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
