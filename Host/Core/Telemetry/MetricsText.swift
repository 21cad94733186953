import Foundation
import LightningProtocol

/// `/metrics`: samples what is read on demand (bus counters, plugin states, watchers) into
/// gauges, then renders the whole registry.
enum MetricsText {
    static func render(_ daemon: Daemon) async -> String {
        let m = daemon.metrics
        if let s = try? await daemon.providers.eventbus.call(Method.stats, Empty(), as: BusStats.self) {
            m.gauge("lightning_bus_pending", [], Double(s.pending))
            m.gauge("lightning_bus_dead_lettered", [], Double(s.deadLettered))
            m.gauge("lightning_bus_duplicates", [], Double(s.duplicates))
            m.gauge("lightning_bus_orphaned", [], Double(s.orphaned))
            m.gauge("lightning_bus_expired", [], Double(s.expired))
        }
        let plugins = daemon.pluginStatuses
        for st in PluginStatus.State.allCasesForMetrics {
            m.gauge("lightning_plugins", [("state", st.rawValue)], Double(plugins.filter { $0.state == st }.count))
        }
        m.gauge("lightning_event_stream_watchers", [], Double(daemon.router.tap.watcherCount))
        m.gauge("lightning_uptime_seconds", [], Double(Timestamp.now().millis - daemon.startedAt.millis) / 1000)
        return m.render()
    }
}

extension PluginStatus.State {
    static let allCasesForMetrics: [PluginStatus.State] = [.loaded, .failed, .available, .running]
}
