import CoreMetrics
import Foundation
public import LightningProtocol
public import Logging
public import ServiceLifecycle

/// Routes events from the bus to drivers and publishes what they emit.
///
/// ```
///  client ─▶ publish ─▶ bus (durable) ─▶ subscription "driver:<name>" (capability patterns)
///                                              │ receive (long poll, lease)
///                                              ▼
///                         consumer loop ─▶ driver.handle(event) ─▶ [events]
///                              │ ok: publish outputs (correlation_id = input id, lt.hops + 1), ack
///                              │ error: nack (retry with backoff → dead letter) + `error` event
/// ```
///
/// One durable subscription per driver means a slow or failing driver never blocks another, an
/// event no driver handles is an orphan on the bus, and deliveries survive a daemon crash (they
/// are acknowledged only after the driver's outputs are durable: at least once).
///
/// `run()` owns one child task per registered driver; `register` while running adds one.
public final class EventRouter: Service, Sendable {
    let bus: ProviderSlot
    let settings: DaemonConfig.RouterSettings
    let logger: Logger
    let metrics: DaemonMetrics
    /// In-flight markers around in-process deliveries and the poison-event verdicts.
    let crashGuard: CrashGuard?
    /// Live feed of accepted events (`GET /v1/events/stream`).
    public let tap = EventTap()
    let state = Locked(State())
    private let commands: AsyncStream<Command>
    private let commandSink: AsyncStream<Command>.Continuation
    /// Concurrent publishes (requests, replies, error events) share bus calls.
    private let publisher: PublishBatcher

    struct State {
        var drivers: [String: any DriverEndpoint] = [:]
        var stats = RouterStats()
        var latency = LatencyWindow()
        /// Deliveries being handled, by driver: event id → hops. Gives events a driver emits
        /// through the host (not as its result) their place in the chain.
        var inflight: [String: [String: Int]] = [:]
        /// The live feed's order: a driver's output never reaches the feed before its cause.
        var feed = FeedOrder()
    }

    enum Command: Sendable {
        case start(any DriverEndpoint)
    }

    public init(bus: ProviderSlot, settings: DaemonConfig.RouterSettings, logger: Logger, metrics: DaemonMetrics = DaemonMetrics(),
                crashGuard: CrashGuard? = nil) {
        self.bus = bus
        self.crashGuard = crashGuard
        self.settings = settings
        self.logger = logger
        self.metrics = metrics
        (commands, commandSink) = AsyncStream.makeStream(of: Command.self)
        publisher = PublishBatcher { [bus] events in try await bus.call(Method.publish, PublishRequest(events: events), as: PublishResult.self) }
    }

    /// The subscription name of a driver.
    public static func subscriptionName(_ driver: String) -> String { "driver:\(driver)" }

    /// Subscribes `driver` on the bus (durably: its capability patterns) and starts delivering.
    /// Registering the same name again replaces the endpoint and updates the patterns.
    public func register(_ driver: any DriverEndpoint) async throws {
        let sub = Subscription(name: Self.subscriptionName(driver.name), patterns: driver.capabilities,
                               maxAttempts: settings.maxAttempts, backoffMs: settings.backoffMs,
                               maxBackoffMs: settings.maxBackoffMs)
        _ = try await bus.call(Method.subscribe, sub, as: SubscriptionInfo.self)
        let isNew = state.withLock { s -> Bool in
            let isNew = s.drivers[driver.name] == nil
            s.drivers[driver.name] = driver
            if isNew { s.stats.drivers[driver.name] = DriverStats() }
            return isNew
        }
        if isNew { commandSink.yield(.start(driver)) }
    }

    /// Stops delivering to `name` and removes its subscription (pending events are dropped).
    public func unregister(_ name: String, removeSubscription: Bool = true) async throws {
        state.withLock { _ = $0.drivers.removeValue(forKey: name) }
        if removeSubscription {
            _ = try await bus.call(Method.unsubscribe, SubscriptionName(subscription: Self.subscriptionName(name)), as: DeleteResult.self)
        }
    }

    public var drivers: [any DriverEndpoint] { state.withLock { Array($0.drivers.values) } }

    /// For an event `caller` emits through the host while it handles deliveries: the hops it
    /// gets (one more than the deepest delivery in flight) and, when exactly one delivery is in
    /// flight, that event's id as its correlation id. Nil when the caller handles nothing.
    public func emitContext(of caller: String) -> (hops: Int, correlationId: String?)? {
        state.withLock { s in
            guard let f = s.inflight[caller], !f.isEmpty else { return nil }
            return ((f.values.max() ?? 0) + 1, f.count == 1 ? f.keys.first : nil)
        }
    }

    public var hopLimit: Int { settings.hopLimit }

    public var stats: RouterStats {
        state.withLock { s in
            var out = s.stats
            out.latency = s.latency.summary
            return out
        }
    }

    /// Publishes events from a client or a driver. Completes when they are durable.
    /// - Throws: `WireError(.invalidArgument)` for an event that fails validation (nothing of
    ///   the batch is published), the bus's errors otherwise.
    public func publish(_ events: [Event]) async throws -> PublishResult {
        for (i, e) in events.enumerated() {
            if let problem = e.validationError() {
                throw WireError(.invalidArgument, events.count == 1 ? problem : "events[\(i)]: \(problem)")
            }
        }
        let ids = events.map(\.id)
        state.withLock { $0.feed.begin(ids) }
        let result: PublishResult
        do {
            result = try await publisher.publish(events)
        } catch {
            showInFeed(accepted: [], ids: ids)
            throw error
        }
        var accepted: [Event] = []
        var orphaned = 0
        for (e, outcome) in zip(events, result.results) where outcome.status == .accepted && outcome.id == e.id {
            accepted.append(e)
            if outcome.subscribers == 0 { orphaned += 1 }
        }
        state.withLock {
            $0.stats.published += accepted.count
            $0.stats.orphaned += orphaned
        }
        metrics.published.increment(by: accepted.count)
        if orphaned > 0 { metrics.orphaned.increment(by: orphaned) }
        showInFeed(accepted: accepted, ids: ids)
        return result
    }

    /// Hands what may be shown now to the live feed. Under the router's lock, so two publishes
    /// cannot reorder a cause and its reply between deciding and showing (the tap's own lock is
    /// only ever taken inside this one).
    private func showInFeed(accepted: [Event], ids: [String]) {
        state.withLock { s in
            let now = s.feed.settle(accepted: accepted, ids: ids)
            if !now.isEmpty { tap.publish(now) }
        }
    }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.tap.runHeartbeats() }
            for await command in commands.cancelOnGracefulShutdown() {
                switch command {
                case .start(let driver):
                    let name = driver.name
                    group.addTask { await self.consume(name) }
                }
            }
            group.cancelAll()
        }
        tap.close()
    }
}
