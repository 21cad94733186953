import CoreMetrics
import Foundation
public import Prometheus

/// The daemon's metrics: swift-metrics instruments backed by one Prometheus registry, rendered
/// at `/metrics` in the Prometheus text format. `lightning serve` also bootstraps the global
/// `MetricsSystem` with `factory`, so libraries that use swift-metrics (Hummingbird's request
/// metrics) land in the same registry.
public final class DaemonMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let factory: PrometheusMetricsFactory

    let published: CoreMetrics.Counter
    let routed: CoreMetrics.Counter
    let failed: CoreMetrics.Counter
    let emitted: CoreMetrics.Counter
    let orphaned: CoreMetrics.Counter
    let droppedHopLimit: CoreMetrics.Counter
    let routeDuration: CoreMetrics.Timer

    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .seconds(5), .seconds(30),
        ]
        self.registry = registry
        self.factory = factory
        published = CoreMetrics.Counter(label: "lightning_events_published_total", factory: factory)
        routed = CoreMetrics.Counter(label: "lightning_events_routed_total", factory: factory)
        failed = CoreMetrics.Counter(label: "lightning_events_failed_total", factory: factory)
        emitted = CoreMetrics.Counter(label: "lightning_events_emitted_total", factory: factory)
        orphaned = CoreMetrics.Counter(label: "lightning_events_orphaned_total", factory: factory)
        droppedHopLimit = CoreMetrics.Counter(label: "lightning_events_dropped_total", dimensions: [("reason", "hop_limit")], factory: factory)
        routeDuration = CoreMetrics.Timer(label: "lightning_route_duration_seconds", factory: factory)
    }

    /// Per-driver counters (registered once per driver name; the registry deduplicates).
    func driverHandled(_ driver: String) -> CoreMetrics.Counter {
        CoreMetrics.Counter(label: "lightning_driver_handled_total", dimensions: [("driver", driver)], factory: factory)
    }

    func driverFailed(_ driver: String) -> CoreMetrics.Counter {
        CoreMetrics.Counter(label: "lightning_driver_failed_total", dimensions: [("driver", driver)], factory: factory)
    }

    /// Sets a gauge sampled at scrape time (bus and plugin state).
    func gauge(_ label: String, _ dimensions: [(String, String)] = [], _ value: Double) {
        CoreMetrics.Gauge(label: label, dimensions: dimensions, factory: factory).record(value)
    }

    /// The registry in the Prometheus text exposition format.
    public func render() -> String { registry.emitToString() }
}
