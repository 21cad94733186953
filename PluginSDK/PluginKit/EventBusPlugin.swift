public import Foundation
public import LightningProtocol

/// The event-bus contract (docs/plugin-abi.md#eventbus) as a Swift protocol; `handle` is provided.
///
/// Semantics every implementation keeps: `publish` completes only when accepted events are
/// durable; delivery is at least once through leases (`receive` → `ack` / `nack`); a lease that
/// expires counts as a failed attempt; attempts beyond the subscription's `max_attempts` go to the
/// dead-letter list; an event no subscription accepts is kept as an orphan; the idempotency key
/// deduplicates within the configured window; expired events (TTL) are never delivered.
public protocol EventBusPlugin: PluginInstance {
    func publish(_ r: PublishRequest) async throws -> PublishResult
    func subscribe(_ s: Subscription) async throws -> SubscriptionInfo
    func unsubscribe(_ r: SubscriptionName) async throws -> DeleteResult
    func subscriptions() async throws -> SubscriptionList
    func receive(_ r: ReceiveRequest) async throws -> ReceiveResult
    /// Optional: `bus.receive`'s answer as JSON (`ReceiveResult.json`), for a bus that keeps
    /// each event's JSON and can answer without decoding and encoding every event again. Nil
    /// (the default) answers with `receive`.
    func receiveJSON(_ r: ReceiveRequest) async throws -> Data?
    func ack(_ r: AckRequest) async throws -> AckResult
    func nack(_ r: NackRequest) async throws -> NackResult
    func deadLetters(_ r: ListRequest) async throws -> DeadLetterList
    func reprocess(_ r: ReprocessRequest) async throws -> CountResult
    func orphans(_ r: ListRequest) async throws -> EventList
    func drainOrphans(_ r: DrainRequest) async throws -> EventList
    func history(_ r: HistoryRequest) async throws -> EventList
    func replay(_ r: ReplayRequest) async throws -> CountResult
    func stats() async throws -> BusStats
    func health() async -> HealthReport
    /// Optional (docs/cluster.md#failover-of-deliveries): the name this instance leases under.
    /// The default throws `unsupported`: the bus cannot release another daemon's leases.
    func leaseOwner() async throws -> BusOwner
    /// Optional: makes every delivery leased by `r.owner` due now, each counted as an attempt.
    /// The default throws `unsupported`.
    func releaseOwner(_ r: ReleaseOwnerRequest) async throws -> CountResult
}

extension EventBusPlugin {
    public func receiveJSON(_ r: ReceiveRequest) async throws -> Data? { nil }

    public func leaseOwner() async throws -> BusOwner {
        throw WireError(.unsupported, "this event bus cannot release another daemon's leases (bus.owner); its leases expire instead")
    }

    public func releaseOwner(_ r: ReleaseOwnerRequest) async throws -> CountResult {
        throw WireError(.unsupported, "this event bus cannot release another daemon's leases (bus.release_owner); its leases expire instead")
    }

    public func handle(method: String, params: Data) async throws -> Data {
        switch method {
        case Method.publish: return try await Dispatch.typed(params, as: PublishRequest.self) { try await publish($0) }
        case Method.subscribe: return try await Dispatch.typed(params, as: Subscription.self) { try await subscribe($0) }
        case Method.unsubscribe: return try await Dispatch.typed(params, as: SubscriptionName.self) { try await unsubscribe($0) }
        case Method.subscriptions: return try Wire.encode(try await subscriptions())
        case Method.receive:
            let r = try Wire.decode(ReceiveRequest.self, from: params.isEmpty ? Data("{}".utf8) : params)
            if let json = try await receiveJSON(r) { return json }
            return try Wire.encode(try await receive(r))
        case Method.ack: return try await Dispatch.typed(params, as: AckRequest.self) { try await ack($0) }
        case Method.nack: return try await Dispatch.typed(params, as: NackRequest.self) { try await nack($0) }
        case Method.deadLetters: return try await Dispatch.typed(params, as: ListRequest.self) { try await deadLetters($0) }
        case Method.deadLetterReprocess: return try await Dispatch.typed(params, as: ReprocessRequest.self) { try await reprocess($0) }
        case Method.orphans: return try await Dispatch.typed(params, as: ListRequest.self) { try await orphans($0) }
        case Method.orphansDrain: return try await Dispatch.typed(params, as: DrainRequest.self) { try await drainOrphans($0) }
        case Method.history: return try await Dispatch.typed(params, as: HistoryRequest.self) { try await history($0) }
        case Method.replay: return try await Dispatch.typed(params, as: ReplayRequest.self) { try await replay($0) }
        case Method.stats: return try Wire.encode(try await stats())
        case Method.health: return try Wire.encode(await health())
        case Method.owner: return try Wire.encode(try await leaseOwner())
        case Method.releaseOwner: return try await Dispatch.typed(params, as: ReleaseOwnerRequest.self) { try await releaseOwner($0) }
        default: throw Dispatch.unknown(method, kind: "eventbus")
        }
    }
}
