import Foundation
import LightningProtocol

/// `/v1/metrics` in the Prometheus text exposition format (version 0.0.4).
enum MetricsText {
    static func render(_ daemon: Daemon) async -> String {
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, Double)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labels, v) in samples { out += "\(name)\(labels) \(format(v))\n" }
        }
        let r = daemon.router.stats
        metric("lightning_events_published_total", "counter", "Events accepted for publishing.", [("", Double(r.published))])
        metric("lightning_events_routed_total", "counter", "Deliveries handled by drivers.", [("", Double(r.routed))])
        metric("lightning_events_failed_total", "counter", "Driver failures (each attempt).", [("", Double(r.failed))])
        metric("lightning_events_emitted_total", "counter", "Events emitted by drivers.", [("", Double(r.emitted))])
        metric("lightning_events_dropped_total", "counter", "Events dropped by the router.", [("{reason=\"hop_limit\"}", Double(r.droppedHopLimit))])
        metric("lightning_route_latency_ms", "summary", "Driver handling latency (last 2048 deliveries).", [
            ("{quantile=\"0.5\"}", r.latency.p50Ms), ("{quantile=\"0.99\"}", r.latency.p99Ms),
            ("_count", Double(r.latency.count)), ("_sum", r.latency.meanMs * Double(r.latency.count)),
        ])
        metric("lightning_driver_handled_total", "counter", "Deliveries handled per driver.",
               r.drivers.sorted { $0.key < $1.key }.map { ("{driver=\"\($0.key)\"}", Double($0.value.handled)) })
        metric("lightning_driver_failed_total", "counter", "Failures per driver.",
               r.drivers.sorted { $0.key < $1.key }.map { ("{driver=\"\($0.key)\"}", Double($0.value.failed)) })
        if let s = try? await daemon.providers.eventbus.call(Method.stats, Empty(), as: BusStats.self) {
            metric("lightning_bus_orphaned_total", "counter", "Events no subscription accepted.", [("", Double(s.orphaned))])
            metric("lightning_bus_dead_lettered_total", "counter", "Events moved to the dead-letter list.", [("", Double(s.deadLettered))])
            metric("lightning_bus_duplicates_total", "counter", "Events dropped as duplicates.", [("", Double(s.duplicates))])
            metric("lightning_bus_pending", "gauge", "Deliveries not yet acknowledged.", [("", Double(s.pending))])
        }
        let plugins = daemon.pluginStatuses
        metric("lightning_plugins", "gauge", "Manifests by state.",
               PluginStatus.State.allCasesForMetrics.map { st in ("{state=\"\(st.rawValue)\"}", Double(plugins.filter { $0.state == st }.count)) })
        return out
    }

    static func format(_ v: Double) -> String { v.rounded() == v && abs(v) < 1e15 ? String(Int(v)) : String(v) }
}

extension PluginStatus.State {
    static let allCasesForMetrics: [PluginStatus.State] = [.loaded, .failed, .available, .running]
}
