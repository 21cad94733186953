public import CLightningABI
import Foundation
import LightningPluginKit
import BusSupport
import LightningProtocol

/// The local event bus: an in-process bus whose journal is SQLite (docs/events.md#local-bus).
///
/// Publish returns once the events are committed to the journal, so an acknowledged event
/// survives `kill -9` of the daemon (and, with `durability: full`, power loss) and is delivered
/// after a restart: at least once. Receives are long polls that park without blocking a thread.
final class LocalEventBus: EventBusPlugin {
    let config: BusConfig
    private let journal: JournalQueue
    private let waiters: Waiters

    init(context: PluginContext) throws {
        let config = try BusConfig(context.config)
        let waiters = Waiters()
        self.config = config
        self.waiters = waiters
        self.journal = JournalQueue(journal: try Journal(config: config)) { waiters.notify($0) }
        context.log(.info, "journal \(config.path) (durability \(config.durability.rawValue))")
    }

    func publish(_ r: PublishRequest) async throws -> PublishResult {
        guard r.events.count <= 10_000 else {
            throw WireError(.invalidArgument, "field \"events\": at most 10000 events per publish, got \(r.events.count)")
        }
        let events = r.events
        return PublishResult(results: try await journal.write { j, now in try events.map { try j.publish($0, now: now) } })
    }

    func subscribe(_ s: Subscription) async throws -> SubscriptionInfo {
        try await journal.write { j, now in try j.subscribe(s, now: now) }
    }

    func unsubscribe(_ r: SubscriptionName) async throws -> DeleteResult {
        try await journal.write { j, _ in try j.unsubscribe(r.subscription) }
    }

    func subscriptions() async throws -> SubscriptionList {
        try await journal.read { try $0.subscriptionList() }
    }

    func receive(_ r: ReceiveRequest) async throws -> ReceiveResult {
        ReceiveResult(deliveries: try await lease(r).map { d in
            Delivery(deliveryId: d.deliveryId, attempt: d.attempt, event: try Wire.decode(Event.self, from: d.event, what: "journaled event"))
        })
    }

    /// `bus.receive` answered with the journaled events spliced in, not decoded and encoded again.
    func receiveJSON(_ r: ReceiveRequest) async throws -> Data? {
        ReceiveResult.json(try await lease(r))
    }

    /// Leases what is visible now, or waits for it (long poll) up to `wait_ms`.
    private func lease(_ r: ReceiveRequest) async throws -> [EncodedDelivery] {
        guard (0...300_000).contains(r.waitMs) else {
            throw WireError(.invalidArgument, "field \"wait_ms\": expected an integer from 0 to 300000, got \(r.waitMs)")
        }
        let deadline = Timestamp.now().millis + Int64(r.waitMs)
        while true {
            let seen = waiters.generation(r.subscription)
            let (deliveries, next) = try await journal.write { j, now in try j.lease(r, now: now) }
            if !deliveries.isEmpty || Timestamp.now().millis >= deadline || waiters.isClosed || Task.isCancelled {
                return deliveries
            }
            await waiters.wait(r.subscription, seen: seen, delayMs: min(deadline, next ?? deadline) - Timestamp.now().millis)
        }
    }

    func ack(_ r: AckRequest) async throws -> AckResult {
        try await journal.write { j, _ in try j.ack(r) }
    }

    func nack(_ r: NackRequest) async throws -> NackResult {
        try await journal.write { j, now in try j.nack(r, now: now) }
    }

    func deadLetters(_ r: ListRequest) async throws -> DeadLetterList {
        try await journal.read { try $0.deadLetters(r) }
    }

    func reprocess(_ r: ReprocessRequest) async throws -> CountResult {
        try await journal.write { j, now in try j.reprocess(r, now: now) }
    }

    func orphans(_ r: ListRequest) async throws -> EventList {
        try await journal.read { try $0.orphans(r) }
    }

    func drainOrphans(_ r: DrainRequest) async throws -> EventList {
        try await journal.write { j, _ in try j.drainOrphans(r) }
    }

    func history(_ r: HistoryRequest) async throws -> EventList {
        try await journal.read { try $0.history(r) }
    }

    func replay(_ r: ReplayRequest) async throws -> CountResult {
        try await journal.write { j, now in try j.replay(r, now: now) }
    }

    func stats() async throws -> BusStats {
        try await journal.read { try $0.stats() }
    }

    func health() async -> HealthReport {
        let start = ContinuousClock.now
        do {
            let (pending, subs) = try await journal.read { j in
                (try j.stats().pending, j.memory.subscriptions.count)
            }
            let d = ContinuousClock.now - start
            let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
            return HealthReport(status: .healthy, latencyMs: ms, details: [
                "journal": .string(config.path), "durability": .string(config.durability.rawValue),
                "pending": .int(pending), "subscriptions": .int(subs),
            ])
        } catch {
            return HealthReport(status: .unhealthy, latencyMs: 0, error: "\(error)")
        }
    }

    func shutdown() async {
        waiters.close()
    }
}

@_cdecl("lt_plugin_entry")
public func lt_plugin_entry(_ host: UnsafePointer<lt_host_v1>) -> UnsafePointer<lt_plugin_v1>? {
    PluginExport.entry(host: host, id: "local-eventbus", version: "1.0.0") { try LocalEventBus(context: $0) }
}
