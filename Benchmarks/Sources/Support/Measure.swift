import Foundation

/// Latency samples in nanoseconds, with the statistics the report prints.
struct Samples: Sendable {
    private(set) var ns: [Double] = []
    private var sorted: [Double]?

    init(_ ns: [Double] = []) { self.ns = ns }

    mutating func add(_ d: Duration) { ns.append(d.nanoseconds); sorted = nil }
    mutating func add(nanoseconds v: Double) { ns.append(v); sorted = nil }
    mutating func merge(_ other: Samples) { ns += other.ns; sorted = nil }

    mutating func reserve(_ n: Int) { ns.reserveCapacity(n) }

    var count: Int { ns.count }

    /// The q-quantile (0...1) by nearest rank, in nanoseconds; 0 when empty.
    func quantile(_ q: Double) -> Double {
        guard !ns.isEmpty else { return 0 }
        let s = sorted ?? ns.sorted()
        return s[min(s.count - 1, Int((q * Double(s.count - 1)).rounded()))]
    }

    var median: Double { quantile(0.5) }
    var p99: Double { quantile(0.99) }
    var mean: Double { ns.isEmpty ? 0 : ns.reduce(0, +) / Double(ns.count) }
}

extension Duration {
    var nanoseconds: Double {
        let c = components
        return Double(c.seconds) * 1e9 + Double(c.attoseconds) / 1e9
    }
    var seconds: Double { nanoseconds / 1e9 }
}

/// Runs `body` `warmup` times untimed, then `iterations` times, timing each run with
/// ContinuousClock. Nothing is asserted: the caller reports what it got.
func measure(iterations: Int, warmup: Int, _ body: () async throws -> Void) async rethrows -> Samples {
    for _ in 0..<warmup { try await body() }
    let clock = ContinuousClock()
    var s = Samples()
    s.reserve(iterations)
    for _ in 0..<iterations {
        let t0 = clock.now
        try await body()
        s.add(clock.now - t0)
    }
    return s
}

/// Synchronous twin of `measure` (no suspension between samples).
func measureSync(iterations: Int, warmup: Int, _ body: () throws -> Void) rethrows -> Samples {
    for _ in 0..<warmup { try body() }
    let clock = ContinuousClock()
    var s = Samples()
    s.reserve(iterations)
    for _ in 0..<iterations {
        let t0 = clock.now
        try body()
        s.add(clock.now - t0)
    }
    return s
}

/// Rate of `count` operations over `elapsed`, per second.
func rate(_ count: Int, _ elapsed: Duration) -> Double {
    let s = elapsed.seconds
    return s > 0 ? Double(count) / s : 0
}

/// One shared origin so that threads can stamp instants as plain integers (event payloads).
enum BenchClock {
    static let origin = ContinuousClock.now
    /// Nanoseconds since `origin` on ContinuousClock.
    static func nowNs() -> Int64 { Int64((ContinuousClock.now - origin).nanoseconds) }
}
