@testable import HostCore
import LightningProtocol
import Testing

/// The live feed's order: a reply never shows before its cause; nothing is lost or shown twice.
@Suite struct FeedOrderTests {
    static func event(_ id: String, cause: String? = nil) -> Event {
        var e = Event(type: "t", source: "test", data: [:])
        e.id = id
        e.correlationId = cause
        return e
    }

    @Test func anEventWithoutAPendingCauseShowsAtOnce() {
        var f = FeedOrder()
        f.begin(["a"])
        #expect(f.settle(accepted: [Self.event("a", cause: "long-gone")], ids: ["a"]).map(\.id) == ["a"])
        #expect(f.isEmpty)
    }

    @Test func aReplyDurableBeforeItsCauseWaitsForIt() {
        var f = FeedOrder()
        f.begin(["req"])
        f.begin(["reply"])
        // The driver's reply is durable first (the bus handed the request over before publish returned).
        #expect(f.settle(accepted: [Self.event("reply", cause: "req")], ids: ["reply"]).isEmpty)
        #expect(f.settle(accepted: [Self.event("req")], ids: ["req"]).map(\.id) == ["req", "reply"])
        #expect(f.isEmpty)
    }

    @Test func aChainIsShownInCausalOrder() {
        var f = FeedOrder()
        f.begin(["a"]); f.begin(["b"]); f.begin(["c"])
        #expect(f.settle(accepted: [Self.event("c", cause: "b")], ids: ["c"]).isEmpty)
        #expect(f.settle(accepted: [Self.event("b", cause: "a")], ids: ["b"]).isEmpty, "b waits for a, and c for b")
        #expect(f.settle(accepted: [Self.event("a")], ids: ["a"]).map(\.id) == ["a", "b", "c"])
        #expect(f.isEmpty)
    }

    @Test func aRefusedCauseReleasesWhatWaitedForIt() {
        var f = FeedOrder()
        f.begin(["req"]); f.begin(["reply"])
        #expect(f.settle(accepted: [Self.event("reply", cause: "req")], ids: ["reply"]).isEmpty)
        #expect(f.settle(accepted: [], ids: ["req"]).map(\.id) == ["reply"])
        #expect(f.isEmpty)
    }

    @Test func aBatchKeepsItsOrderAndHoldsOnlyWhatWaits() {
        var f = FeedOrder()
        f.begin(["x"])
        f.begin(["1", "2", "3"])
        let out = f.settle(accepted: [Self.event("1"), Self.event("2", cause: "x"), Self.event("3")], ids: ["1", "2", "3"])
        #expect(out.map(\.id) == ["1", "3"])
        #expect(f.settle(accepted: [Self.event("x")], ids: ["x"]).map(\.id) == ["x", "2"])
        #expect(f.isEmpty)
    }

    @Test func anEventThatNamesItselfAsCauseIsNotHeldForever() {
        var f = FeedOrder()
        f.begin(["self"])
        #expect(f.settle(accepted: [Self.event("self", cause: "self")], ids: ["self"]).map(\.id) == ["self"])
    }
}
