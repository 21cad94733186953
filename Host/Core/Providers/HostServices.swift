public import Foundation
public import LightningProtocol

/// What the host offers to code it runs: in-process plugins (through `lt_host_v1.call/emit`) and
/// child processes (through the JSON-RPC methods they call on the host). One implementation,
/// `DaemonHostServices`, routes these to the current providers; tests supply their own.
///
/// Methods (docs/plugin-abi.md#host-methods and docs/protocol.md): `events.emit`
/// (`{"events":[...]}`), every `storage.*` method, `bus.publish`, `log`
/// (`{"level","message"}`), `config.get` (the caller's config).
public protocol HostServices: Sendable {
    /// Answers a host method called by `caller` (a plugin or child name).
    /// - Throws: `WireError` (`.unsupported` for an unknown method).
    func call(method: String, params: Data, caller: String) async throws -> Data

    /// Publishes events emitted by `caller`. Completes when they are durable on the bus.
    func emit(events: [Event], caller: String) async throws
}

/// A driver the router can deliver events to: an in-process plugin, or an agent in a child
/// process. `handle` returns the events the driver emits.
public protocol DriverEndpoint: Sendable {
    var name: String { get }
    /// Capability patterns (event types) this driver handles.
    var capabilities: [String] { get }
    /// Deliveries handled at once; nil = the router's `concurrency` setting. From the manifest's
    /// `resources.max_concurrency`.
    var maxConcurrency: Int? { get }
    func handle(_ event: Event) async throws -> [Event]
}

extension DriverEndpoint {
    public var maxConcurrency: Int? { nil }
}
