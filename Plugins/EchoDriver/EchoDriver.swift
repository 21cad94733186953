public import CLightningABI
import Foundation
import LightningPluginKit
import LightningProtocol

/// Example driver in Swift. Capabilities (from manifests/echo-driver.json): `echo.*`.
///
/// - `echo.request` → one `echo.reply` whose data is the request's data plus `"echoed_by"`.
/// - `echo.fail` → throws (tests retries, dead letters and `error` events).
/// - `echo.chain` → emits another `echo.chain` (tests the router's hop limit).
/// - `echo.fanout` with `{"count": N}` → N `echo.reply` events.
/// - `echo.slow` with `{"ms": N}` → waits N ms (at most `max_slow_ms`, default 60 s), then one
///   `echo.reply` with the request's data plus `"echoed_by"`.
/// Config: `{"prefix": "..."}` is prepended to `echoed_by`; `{"max_slow_ms": N}` (0 to 60000)
/// caps `echo.slow`'s wait (a fast node beside a slow one in the cluster failover tests).
final class EchoDriver: DriverPlugin {
    let prefix: String
    let maxSlowMs: Int

    init(context: PluginContext) throws {
        switch context.config["max_slow_ms"] {
        case nil, .null?: maxSlowMs = 60_000
        case let v? where v.intValue.map({ (0...60_000).contains($0) }) == true: maxSlowMs = v.intValue!
        case let other?:
            throw WireError(.invalidArgument, "config field \"max_slow_ms\": expected an integer from 0 to 60000, got \(other)")
        }
        switch context.config["prefix"] {
        case nil, .null?: prefix = ""
        case .string(let s)?: prefix = s
        case let other?:
            throw WireError(.invalidArgument, "config field \"prefix\": expected a string, got \(other.typeDescription)")
        }
    }

    func handle(event: Event) async throws -> [Event] {
        switch event.type {
        case "echo.request":
            var data = event.data.objectValue ?? ["value": event.data]
            data["echoed_by"] = .string(prefix + "echo-driver")
            return [Event(type: "echo.reply", source: "echo-driver", data: .object(data), userId: event.userId)]
        case "echo.fail":
            throw WireError(.internal, "echo.fail asked this driver to fail (attempt data: \(event.data))")
        case "echo.chain":
            return [Event(type: "echo.chain", source: "echo-driver", data: event.data)]
        case "echo.slow":
            let ms = min(max(event.data["ms"]?.intValue ?? 100, 0), maxSlowMs)
            try await Task.sleep(for: .milliseconds(ms))
            var data = event.data.objectValue ?? ["value": event.data]
            data["echoed_by"] = .string(prefix + "echo-driver")
            return [Event(type: "echo.reply", source: "echo-driver", data: .object(data))]
        case "echo.fanout":
            let n = min(max(event.data["count"]?.intValue ?? 1, 0), 1000)
            return (0..<n).map { Event(type: "echo.reply", source: "echo-driver", data: ["index": .int($0)]) }
        default:
            return []
        }
    }
}

@_cdecl("lt_plugin_entry")
public func lt_plugin_entry(_ host: UnsafePointer<lt_host_v1>) -> UnsafePointer<lt_plugin_v1>? {
    PluginExport.entry(host: host, id: "echo-driver", version: "1.0.0") { try EchoDriver(context: $0) }
}
