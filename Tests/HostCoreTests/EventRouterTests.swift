import Foundation
@testable import HostCore
import LightningProtocol
import Logging
import Testing

/// The event router against an in-memory bus (`FakeBus`): no processes, no sockets.
@Suite(.timeLimit(.minutes(1))) struct EventRouterTests {
    /// A driver that answers `x.request` with `x.reply` (same data), fails on `x.fail`.
    struct Replier: DriverEndpoint {
        let name = "replier"
        let capabilities = ["x.request", "x.fail"]
        func handle(_ event: Event) async throws -> [Event] {
            if event.type == "x.fail" { throw WireError(.internal, "asked to fail") }
            return [Event(type: "x.reply", source: "replier", data: event.data)]
        }
    }

    /// Runs a router on a fresh fake bus for the body, then stops it.
    func withRouter(_ settings: DaemonConfig.RouterSettings = .init(),
                    _ body: @Sendable (EventRouter, FakeBus) async throws -> Void) async throws {
        let bus = FakeBus("bus")
        let slot = ProviderSlot(kind: .eventbus)
        slot.bind(ProviderSlot.Binding(connection: bus, pluginId: "fake", version: "1.0.0", config: [:]))
        let router = EventRouter(bus: slot, settings: settings, logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await router.run() }
            try await body(router, bus)
            group.cancelAll()
        }
    }

    func eventually(_ what: String, _ check: () async -> Bool) async throws {
        for _ in 0..<3000 {
            if await check() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("timed out waiting for \(what)")
    }

    @Test func aDriversOutputsArePublishedCorrelatedOneHopDeeperThenTheDeliveryIsAcknowledged() async throws {
        try await withRouter { router, bus in
            try await router.register(Replier())
            let request = Event(id: "req-1", type: "x.request", source: "api", data: ["n": 1])
            _ = try await router.publish([request])
            try await eventually("the reply") { await bus.published.contains { $0.type == "x.reply" } }
            let reply = try #require(await bus.published.first { $0.type == "x.reply" })
            #expect(reply.correlationId == "req-1")
            #expect(reply.data == ["n": 1])
            #expect(reply.metadata[EventMetadataKey.hops] == 1)
            #expect(reply.metadata[EventMetadataKey.emittedBy] == "replier")
            try await eventually("acknowledged") { await bus.unacknowledged().isEmpty }
            #expect(router.stats.routed == 1 && router.stats.emitted == 1)
        }
    }

    /// Many deliveries of one lease: every one acknowledged and counted, nothing lost.
    @Test func aBatchOfDeliveriesIsAcknowledgedWhole() async throws {
        try await withRouter { router, bus in
            try await router.register(Replier())
            _ = try await router.publish((0..<200).map { Event(id: "r\($0)", type: "x.request", source: "api") })
            try await eventually("all routed") { router.stats.routed == 200 }
            try await eventually("all acknowledged") { await bus.unacknowledged().isEmpty }
            #expect(router.stats.emitted == 200 && router.stats.failed == 0)
        }
    }

    /// An ack round that fails fails each of its deliveries (nack, error event): they are
    /// handled again and acknowledged by a later round; none is lost.
    @Test func aFailedAckRoundIsRedeliveredNotLost() async throws {
        var settings = DaemonConfig.RouterSettings()
        settings.backoffMs = 0
        try await withRouter(settings) { router, bus in
            await bus.fail(Method.ack, onCall: 1)
            try await router.register(Replier())
            _ = try await router.publish([Event(id: "a-1", type: "x.request", source: "api")])
            try await eventually("acknowledged by a later round") { await bus.unacknowledged().isEmpty && router.stats.routed == 1 }
            #expect(await bus.nacked.map(\.event) == ["a-1"])
            #expect(await bus.callCount(Method.ack) == 2)
            // Handled twice (at least once): two replies, one error event naming the failed ack.
            #expect(await bus.published.filter { $0.type == "x.reply" }.count == 2)
            try await eventually("the error event") { await bus.published.contains { $0.type == "error" && $0.data["event_id"] == "a-1" } }
        }
    }

    @Test func aFailureIsNackedAndReportedAsAnErrorEvent() async throws {
        var settings = DaemonConfig.RouterSettings()
        settings.maxAttempts = 2
        settings.backoffMs = 0
        try await withRouter(settings) { router, bus in
            try await router.register(Replier())
            _ = try await router.publish([Event(id: "bad-1", type: "x.fail", source: "api")])
            try await eventually("dead-lettered after two attempts") { await bus.deadLettered == ["bad-1"] }
            #expect(await bus.nacked.map(\.error) == ["asked to fail", "asked to fail"])
            // The error event follows the nack (it names the nack's outcome): the second may still be on its way.
            try await eventually("two error events") { await bus.published.filter { $0.type == "error" }.count == 2 }
            let errors = await bus.published.filter { $0.type == "error" }
            #expect(errors.count == 2)
            #expect(errors.first?.data["event_id"] == "bad-1")
            #expect(errors.first?.data["message"] == "asked to fail")
            #expect(errors.first?.correlationId == "bad-1")
        }
    }

    @Test func theLiveFeedShowsACauseBeforeItsReply() async throws {
        try await withRouter { router, bus in
            let watch = router.tap.watch(patterns: ["x.*"])
            try await router.register(Replier())
            _ = try await router.publish([Event(id: "req-2", type: "x.request", source: "api")])
            var seen: [String] = []
            for await item in watch.items {
                if case .event(let e) = item { seen.append(e.type) }
                if seen.count == 2 { break }
            }
            #expect(seen == ["x.request", "x.reply"])
            _ = bus
        }
    }
}
