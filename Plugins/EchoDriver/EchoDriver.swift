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
/// - `echo.slow` with `{"ms": N}` → waits N ms (at most 60 s), then one `echo.reply`.
/// Config: `{"prefix": "..."}` is prepended to `echoed_by`.
final class EchoDriver: DriverPlugin {
    let prefix: String

    init(context: PluginContext) throws {
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
            let ms = min(max(event.data["ms"]?.intValue ?? 100, 0), 60_000)
            try await Task.sleep(for: .milliseconds(ms))
            return [Event(type: "echo.reply", source: "echo-driver", data: event.data)]
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
