public import Foundation
public import LightningProtocol

/// A driver: turns an event into new events. The router calls `handle` for every event whose
/// type matches one of the driver's capability patterns (from its manifest); returned events are
/// published with `correlation_id` set to the input's id. Throwing makes the delivery fail: it is
/// retried with backoff and dead-lettered after the subscription's attempts, and an `error` event
/// is published.
public protocol DriverPlugin: PluginInstance {
    func handle(event: Event) async throws -> [Event]
    func health() async -> HealthReport
}

extension DriverPlugin {
    public func health() async -> HealthReport { HealthReport(status: .healthy, latencyMs: 0) }

    public func handle(method: String, params: Data) async throws -> Data {
        switch method {
        case Method.handle:
            return try await Dispatch.typed(params, as: HandleRequest.self) { HandleResult(events: try await handle(event: $0.event)) }
        case Method.health: return try Wire.encode(await health())
        default: throw Dispatch.unknown(method, kind: "driver")
        }
    }
}
