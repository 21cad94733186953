import Foundation
import LightningProtocol
import Logging

/// Routes host calls from plugins and children to the daemon's providers and router.
struct DaemonHostServices: HostServices {
    unowned let daemon: Daemon

    func call(method: String, params: Data, caller: String) async throws -> Data {
        switch method {
        case Method.emit, Method.publish:
            let req = try Wire.decode(PublishRequest.self, from: params)
            return try Wire.encode(try await daemon.router.publish(try stampAll(req.events, caller)))
        case Method.log:
            struct LogParams: Decodable { var level: String?; var message: String }
            let p = try Wire.decode(LogParams.self, from: params)
            let level = p.level.flatMap(Logger.Level.init(rawValue:)) ?? .info
            daemon.logger.log(level: level, "\(p.message)", metadata: ["lt.plugin": "\(caller)"])
            return try Wire.encode(Empty())
        case Method.config:
            return try Wire.encode(JSONValue.object(daemon.configOf(caller) ?? [:]))
        case _ where method.hasPrefix("context."):
            return try await daemon.context.hostCall(method: method, params: params, caller: caller)
        case _ where method.hasPrefix("storage."):
            return try await daemon.providers.storage.call(method, params)
        default:
            throw WireError(.unsupported, "host method \"\(method)\" does not exist (see docs/plugin-abi.md#host-methods)")
        }
    }

    /// A stand-in handed out before the daemon exists (the supervisor is built in `Daemon.init`).
    final class Deferred: HostServices {
        let target = Locked<DaemonHostServices?>(nil)
        func call(method: String, params: Data, caller: String) async throws -> Data {
            guard let t = target.value else { throw WireError(.unavailable, "the daemon is starting") }
            return try await t.call(method: method, params: params, caller: caller)
        }
        func emit(events: [Event], caller: String) async throws {
            guard let t = target.value else { throw WireError(.unavailable, "the daemon is starting") }
            try await t.emit(events: events, caller: caller)
        }
    }

    func emit(events: [Event], caller: String) async throws {
        _ = try await daemon.router.publish(try stampAll(events, caller))
    }

    /// Stamps events a plugin or child emits, and applies the hop limit to them: an event emitted
    /// while handling a delivery is one hop deeper than it (runaway chains through `emit` stop too).
    private func stampAll(_ events: [Event], _ caller: String) throws -> [Event] {
        // Function instances handle triggered deliveries under the trigger's driver name.
        let context = daemon.router.emitContext(of: caller) ?? daemon.router.emitContext(of: LocalFunctions.triggerName(caller))
        let out = events.map { e -> Event in
            var x = stamp(e, caller)
            x.metadata[EventMetadataKey.hops] = .int(context?.hops ?? 0)
            if x.correlationId == nil, let c = context?.correlationId { x.correlationId = c }
            return x
        }
        if let hops = context?.hops, hops > daemon.router.hopLimit {
            throw WireError(.invalidArgument, "hop limit \(daemon.router.hopLimit) reached: \(caller) emitted while handling an event \(hops - 1) hops deep")
        }
        return out
    }

    private func stamp(_ e: Event, _ caller: String) -> Event {
        var out = e
        if out.source == "api" { out.source = caller }
        if out.metadata[EventMetadataKey.emittedBy] == nil { out.metadata[EventMetadataKey.emittedBy] = .string(caller) }
        return out
    }
}
