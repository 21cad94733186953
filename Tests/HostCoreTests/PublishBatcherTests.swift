@testable import HostCore
import LightningProtocol
import Testing

/// `PublishBatcher`: concurrent publishes share bus calls, each caller gets exactly its own
/// outcomes, and a failure is confined to whom it concerns.
@Suite(.timeLimit(.minutes(1))) struct PublishBatcherTests {
    static func events(_ prefix: String, _ n: Int) -> [Event] {
        (0..<n).map { Event(id: "\(prefix)-\($0)", type: "t", source: "test") }
    }

    /// A bus that records each call, accepts every event, and holds the first call until released.
    final class FakeBus: Sendable {
        let calls = Locked<[[String]]>([])
        let firstCallArrived = OneShot(), releaseFirst = OneShot()
        let failWhen: @Sendable ([Event]) -> (any Error)?

        init(failWhen: @escaping @Sendable ([Event]) -> (any Error)? = { _ in nil }) { self.failWhen = failWhen }

        func send(_ events: [Event]) async throws -> PublishResult {
            let n = calls.withLock { c in c.append(events.map(\.id)); return c.count }
            if n == 1 { firstCallArrived.fire(); await releaseFirst.wait() }
            if let e = failWhen(events) { throw e }
            return PublishResult(results: events.map { PublishOutcome(id: $0.id, status: .accepted, subscribers: 1) })
        }
    }

    @Test func aLoneCallerSendsItsOwnEventsInOneCall() async throws {
        let bus = FakeBus()
        bus.releaseFirst.fire()
        let batcher = PublishBatcher { try await bus.send($0) }
        let r = try await batcher.publish(Self.events("a", 3))
        #expect(r.results.map(\.id) == ["a-0", "a-1", "a-2"])
        #expect(bus.calls.value == [["a-0", "a-1", "a-2"]])
    }

    @Test func callersArrivingWhileTheSlotIsBusyShareTheNextCallAndGetTheirOwnOutcomes() async throws {
        let bus = FakeBus()
        let batcher = PublishBatcher(maxInFlight: 1) { try await bus.send($0) }
        async let first = batcher.publish(Self.events("a", 1))
        await bus.firstCallArrived.wait()
        // The slot is busy: these three queue, and go together in the next call.
        async let b = batcher.publish(Self.events("b", 2))
        async let c = batcher.publish(Self.events("c", 1))
        async let d = batcher.publish(Self.events("d", 3))
        try await waitUntil { batcher.queuedForTests == 3 }
        bus.releaseFirst.fire()
        let (ra, rb, rc, rd) = try await (first, b, c, d)
        #expect(ra.results.map(\.id) == ["a-0"])
        #expect(rb.results.map(\.id) == ["b-0", "b-1"])
        #expect(rc.results.map(\.id) == ["c-0"])
        #expect(rd.results.map(\.id) == ["d-0", "d-1", "d-2"])
        let calls = bus.calls.value
        #expect(calls.count == 2)
        #expect(calls[0] == ["a-0"])
        #expect(Set(calls[1]) == ["b-0", "b-1", "c-0", "d-0", "d-1", "d-2"])
        // Each caller's events stay together and in their order.
        for prefix in ["b", "d"] {
            let mine = calls[1].filter { $0.hasPrefix(prefix) }
            #expect(mine == mine.sorted())
        }
    }

    @Test func aRoundRefusedForItsContentIsSentAgainCallerByCallerSoOnlyTheBadOneFails() async throws {
        let bus = FakeBus { events in events.contains { $0.id.hasPrefix("bad") } ? WireError(.invalidArgument, "bad event") : nil }
        let batcher = PublishBatcher(maxInFlight: 1) { try await bus.send($0) }
        async let first = batcher.publish(Self.events("a", 1))
        await bus.firstCallArrived.wait()
        async let good = batcher.publish(Self.events("good", 2))
        async let bad = Self.error(of: { try await batcher.publish(Self.events("bad", 1)) })
        try await waitUntil { batcher.queuedForTests == 2 }
        bus.releaseFirst.fire()
        _ = try await first
        #expect(try await good.results.map(\.id) == ["good-0", "good-1"])
        let badError = await bad
        #expect(badError?.code == .invalidArgument)
        // a alone; good+bad together (refused); then good, then bad, on their own.
        #expect(bus.calls.value.count == 4)
    }

    @Test func anUnavailableBusFailsTheWholeRoundWithoutRetrying() async throws {
        let bus = FakeBus { events in events.count > 1 ? WireError(.unavailable, "journal down") : nil }
        let batcher = PublishBatcher(maxInFlight: 1) { try await bus.send($0) }
        async let first = batcher.publish(Self.events("a", 1))
        await bus.firstCallArrived.wait()
        async let b = Self.error(of: { try await batcher.publish(Self.events("b", 1)) })
        async let c = Self.error(of: { try await batcher.publish(Self.events("c", 1)) })
        try await waitUntil { batcher.queuedForTests == 2 }
        bus.releaseFirst.fire()
        _ = try await first
        let (eb, ec) = await (b, c)
        #expect(eb?.code == .unavailable)
        #expect(ec?.code == .unavailable)
        #expect(bus.calls.value.count == 2)
    }

    @Test func aBusThatAnswersTheWrongNumberOfOutcomesIsAnError() async throws {
        let batcher = PublishBatcher { _ in PublishResult(results: []) }
        let error = await #expect(throws: WireError.self) { try await batcher.publish(Self.events("a", 2)) }
        #expect(error?.code == .internal)
        #expect(error?.message.contains("0 outcome(s) for 2 event(s)") == true)
    }

    @Test func aSharedAnswerWithTheWrongNumberOfOutcomesFailsEveryCallerAndIsNotSentAgain() async throws {
        let calls = Locked(0)
        let release = OneShot(), firstArrived = OneShot()
        let batcher = PublishBatcher(maxInFlight: 1) { events in
            let n = calls.withLock { $0 += 1; return $0 }
            if n == 1 { firstArrived.fire(); await release.wait() }
            // The second call, shared by b and c, is answered one outcome short.
            let results = events.map { PublishOutcome(id: $0.id, status: .accepted) }
            return PublishResult(results: n == 1 ? results : Array(results.dropLast()))
        }
        async let first = batcher.publish(Self.events("a", 1))
        await firstArrived.wait()
        async let b = Self.error(of: { try await batcher.publish(Self.events("b", 1)) })
        async let c = Self.error(of: { try await batcher.publish(Self.events("c", 1)) })
        try await waitUntil { batcher.queuedForTests == 2 }
        release.fire()
        _ = try await first
        let (eb, ec) = await (b, c)
        #expect(eb?.code == .internal)
        #expect(ec?.code == .internal)
        #expect(calls.value == 2)  // not re-sent: the bus did take those events
    }

    @Test func manyConcurrentCallersEachGetExactlyTheirOwnOutcomesInFewerCalls() async throws {
        let bus = FakeBus()
        bus.releaseFirst.fire()
        let batcher = PublishBatcher { events in
            try await Task.sleep(for: .milliseconds(2))  // a commit takes time: others gather meanwhile
            return try await bus.send(events)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<200 {
                group.addTask {
                    let mine = Self.events("c\(i)", 1 + i % 3)
                    let r = try await batcher.publish(mine)
                    #expect(r.results.map(\.id) == mine.map(\.id))
                }
            }
            try await group.waitForAll()
        }
        let calls = bus.calls.value
        let expected: Int = (0..<200).map { 1 + $0 % 3 }.reduce(0, +)
        let sent: Int = calls.map(\.count).reduce(0, +)
        #expect(sent == expected)
        #expect(calls.count < 200)
        #expect(batcher.queuedForTests == 0)
    }

    static func error(of body: @Sendable () async throws -> PublishResult) async -> WireError? {
        do { _ = try await body(); return nil } catch { return error as? WireError }
    }

    private func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<2000 where !condition() { try await Task.sleep(for: .milliseconds(1)) }
        #expect(condition())
    }
}
