import Testing
@testable import HostCore
import LightningProtocol

/// The live feed's heartbeats: scheduled per watcher, sent by the tap's one timer.
@Suite struct EventTapTests {
    private func drain(_ it: inout AsyncStream<EventTap.Item>.AsyncIterator, _ n: Int) async -> [String] {
        var got: [String] = []
        for _ in 0..<n {
            switch await it.next() {
            case .event(let e)?: got.append("event \(e.type)")
            case .dropped(let k)?: got.append("dropped \(k)")
            case .heartbeat?: got.append("heartbeat")
            case nil: got.append("end")
            }
        }
        return got
    }

    @Test func aHeartbeatIsSentWhenDueAndNotBefore() async {
        let tap = EventTap()
        let start = ContinuousClock.now
        let watch = tap.watch(patterns: ["*"], heartbeat: .seconds(10))
        #expect(tap.sendDueHeartbeats(now: start))            // wanted, not due yet
        tap.publish([Event(type: "a.b", source: "t")])
        #expect(tap.sendDueHeartbeats(now: start + .seconds(11)))
        // Due again 10 s after the one it was due at, not 10 s after it was sent late.
        #expect(tap.sendDueHeartbeats(now: start + .seconds(12)))
        #expect(tap.sendDueHeartbeats(now: start + .seconds(21)))
        tap.close()
        var it = watch.items.makeAsyncIterator()
        #expect(await drain(&it, 4) == ["event a.b", "heartbeat", "heartbeat", "end"])
    }

    @Test func aWatcherWithoutHeartbeatsGetsNoneAndDoesNotKeepTheTimerTicking() async {
        let tap = EventTap()
        let watch = tap.watch(patterns: ["*"])
        #expect(!tap.sendDueHeartbeats(now: .now + .seconds(3600)))
        tap.close()
        var it = watch.items.makeAsyncIterator()
        #expect(await drain(&it, 1) == ["end"])
    }

    @Test func aGoneWatcherStopsTheHeartbeats() async {
        let tap = EventTap()
        do {
            let watch = tap.watch(patterns: ["*"], heartbeat: .milliseconds(100))
            #expect(tap.watcherCount == 1)
            _ = watch
        }
        #expect(tap.watcherCount == 0)
        #expect(!tap.sendDueHeartbeats(now: .now + .seconds(1)))
    }

    @Test func theTimerSendsHeartbeatsAndEndsWhenTheTapCloses() async {
        let tap = EventTap()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await tap.runHeartbeats() }
            let watch = tap.watch(patterns: ["*"], heartbeat: .milliseconds(100))
            var it = watch.items.makeAsyncIterator()
            #expect(await drain(&it, 2) == ["heartbeat", "heartbeat"])
            tap.close()
            await group.waitForAll()   // the timer returns once the tap is closed
        }
    }

    @Test func theTimerSleepsWithoutWatchersAndWakesForANewOne() async {
        let tap = EventTap()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await tap.runHeartbeats() }
            try? await Task.sleep(for: .milliseconds(200))   // nobody wants heartbeats: it waits
            let watch = tap.watch(patterns: ["x"], heartbeat: .milliseconds(100))
            var it = watch.items.makeAsyncIterator()
            #expect(await drain(&it, 1) == ["heartbeat"])
            group.cancelAll()
        }
        tap.close()
    }
}
