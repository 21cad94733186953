@testable import HostCore
import Testing

/// `PublishRounds`, the decision of which concurrent publishes share a bus call: every path of
/// arrive / take / roundEnded.
@Suite struct PublishRoundsTests {
    typealias Rounds = PublishRounds<String>
    static func caller(_ name: String, _ events: Int = 1) -> Rounds.Caller { .init(events: events, waiter: name) }

    @Test func callersSendAtOnceWhileASlotIsFree() {
        var r = Rounds(maxInFlight: 2, maxEvents: 10)
        #expect(r.arrive(Self.caller("a")) == .send)
        #expect(r.arrive(Self.caller("b")) == .send)
        #expect(r.inFlight == 2)
        #expect(r.arrive(Self.caller("c")) == .queued)
        #expect(r.queued.map(\.waiter) == ["c"])
    }

    @Test func aSenderTakesQueuedCallersOldestFirstWithinMaxEvents() {
        var r = Rounds(maxInFlight: 1, maxEvents: 10)
        #expect(r.arrive(Self.caller("a", 3)) == .send)
        for (name, n) in [("b", 4), ("c", 2), ("d", 5), ("e", 1)] { #expect(r.arrive(Self.caller(name, n)) == .queued) }
        // 3 own + 4 + 2 = 9; d (5) does not fit, and e stays behind d: order is kept.
        #expect(r.take(joining: 3).map(\.waiter) == ["b", "c"])
        #expect(r.queued.map(\.waiter) == ["d", "e"])
    }

    @Test func aCallerBiggerThanMaxEventsStillSendsItsOwnEventsAndTakesNobody() {
        var r = Rounds(maxInFlight: 1, maxEvents: 10)
        #expect(r.arrive(Self.caller("big", 50)) == .send)
        #expect(r.arrive(Self.caller("b")) == .queued)
        #expect(r.take(joining: 50).isEmpty)
        #expect(r.queued.count == 1)
    }

    @Test func aQueuedCallerBiggerThanMaxEventsIsPromotedAndSendsAlone() {
        var r = Rounds(maxInFlight: 1, maxEvents: 10)
        #expect(r.arrive(Self.caller("a")) == .send)
        #expect(r.arrive(Self.caller("big", 50)) == .queued)
        #expect(r.take(joining: 1).isEmpty)  // 1 + 50 > 10
        #expect(r.roundEnded()?.waiter == "big")
        #expect(r.inFlight == 1)
    }

    @Test func anEndedRoundPromotesTheOldestQueuedCallerAndKeepsTheSlot() {
        var r = Rounds(maxInFlight: 1, maxEvents: 1)
        #expect(r.arrive(Self.caller("a")) == .send)
        #expect(r.arrive(Self.caller("b")) == .queued)
        #expect(r.arrive(Self.caller("c")) == .queued)
        #expect(r.take(joining: 1).isEmpty)
        #expect(r.roundEnded()?.waiter == "b")
        #expect(r.inFlight == 1)
        #expect(r.roundEnded()?.waiter == "c")
        #expect(r.roundEnded() == nil)
        #expect(r.inFlight == 0)
        #expect(r.queued.isEmpty)
    }

    @Test func aNewcomerQueuesBehindWaitingCallersEvenWhenASlotLooksFree() {
        // Promotion keeps the slot, so a free slot with callers queued does not arise; if it
        // did, the newcomer must not overtake them.
        var r = Rounds(maxInFlight: 1, maxEvents: 10)
        #expect(r.arrive(Self.caller("a")) == .send)
        #expect(r.arrive(Self.caller("b")) == .queued)
        #expect(r.roundEnded()?.waiter == "b")
        #expect(r.arrive(Self.caller("c")) == .queued)
        #expect(r.take(joining: 1).map(\.waiter) == ["c"])
        #expect(r.roundEnded() == nil)
        #expect(r.arrive(Self.caller("d")) == .send)
    }

    @Test func everyQueuedCallerIsTakenOrPromotedInAnyInterleaving() {
        // Random arrivals, takes and round ends: nobody is lost, nobody is served twice, and
        // the slots never exceed maxInFlight.
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var r = Rounds(maxInFlight: Int.random(in: 1...3, using: &rng), maxEvents: Int.random(in: 1...8, using: &rng))
            var served: [String] = []
            var sending: [String] = []  // callers holding a slot, not yet ended
            var next = 0
            for _ in 0..<60 {
                if Bool.random(using: &rng) {
                    let name = "c\(next)"; next += 1
                    if r.arrive(Self.caller(name, Int.random(in: 1...4, using: &rng))) == .send { sending.append(name); served.append(name) }
                } else if let i = sending.indices.randomElement(using: &rng) {
                    let own = 1
                    served += r.take(joining: own).map(\.waiter)
                    sending.remove(at: i)
                    if let promoted = r.roundEnded() { sending.append(promoted.waiter); served.append(promoted.waiter) }
                }
                #expect(r.inFlight == sending.count)
                #expect(r.inFlight <= r.maxInFlight)
            }
            while !sending.isEmpty {
                served += r.take(joining: 1).map(\.waiter)
                sending.removeLast()
                if let promoted = r.roundEnded() { sending.append(promoted.waiter); served.append(promoted.waiter) }
            }
            #expect(r.queued.isEmpty)
            #expect(served.count == next)
            #expect(Set(served).count == next)
        }
    }
}
