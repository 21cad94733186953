public import LightningProtocol

/// Counters of the router, overall and per driver. Readable at any time (`/v1/router/stats`).
public struct RouterStats: Codable, Sendable, Equatable {
    /// Events accepted from clients and drivers.
    public var published = 0
    /// Deliveries a driver handled successfully.
    public var routed = 0
    /// Deliveries whose driver failed (each failed attempt counts).
    public var failed = 0
    /// Accepted events no subscription (no driver, no other consumer) took: kept as orphans.
    public var orphaned = 0
    /// Events drivers emitted (published).
    public var emitted = 0
    /// Emitted events dropped because they exceeded the hop limit.
    public var droppedHopLimit = 0
    /// Latency of driver handling in milliseconds.
    public var latency = LatencySummary()
    public var drivers: [String: DriverStats] = [:]

    enum CodingKeys: String, CodingKey {
        case published, routed, failed, emitted, orphaned, latency, drivers
        case droppedHopLimit = "dropped_hop_limit"
    }
}

public struct DriverStats: Codable, Sendable, Equatable {
    public var handled = 0
    public var failed = 0
    public var lastError: String?
    public var lastErrorAt: Timestamp?
    /// Deliveries being handled now, and the most ever at once (bounded by the driver's
    /// `resources.max_concurrency`, else the router's `concurrency`).
    public var inFlight = 0
    public var maxInFlight = 0
    enum CodingKeys: String, CodingKey {
        case handled, failed, lastError = "last_error", lastErrorAt = "last_error_at", inFlight = "in_flight", maxInFlight = "max_in_flight"
    }
}

/// p50 / p99 / max over a sliding window of the last 2048 samples, plus count and mean overall.
public struct LatencySummary: Codable, Sendable, Equatable {
    public var count = 0
    public var meanMs = 0.0
    public var p50Ms = 0.0
    public var p99Ms = 0.0
    public var maxMs = 0.0
    enum CodingKeys: String, CodingKey { case count, meanMs = "mean_ms", p50Ms = "p50_ms", p99Ms = "p99_ms", maxMs = "max_ms" }
}

/// Collects latency samples into a fixed ring buffer.
struct LatencyWindow: Sendable {
    private var samples = [Double](repeating: 0, count: 2048)
    private var next = 0
    private var filled = 0
    private var total = 0.0
    private var count = 0
    private var maxSeen = 0.0

    mutating func record(_ ms: Double) {
        samples[next] = ms
        next = (next + 1) % samples.count
        filled = min(filled + 1, samples.count)
        total += ms; count += 1; maxSeen = max(maxSeen, ms)
    }

    var summary: LatencySummary {
        guard filled > 0 else { return LatencySummary() }
        let sorted = samples[0..<filled].sorted()
        func q(_ p: Double) -> Double { sorted[min(filled - 1, Int((p * Double(filled - 1)).rounded()))] }
        return LatencySummary(count: count, meanMs: total / Double(count), p50Ms: q(0.5), p99Ms: q(0.99), maxMs: maxSeen)
    }
}
