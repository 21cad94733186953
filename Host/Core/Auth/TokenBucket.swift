public import LightningProtocol

/// A token's request rate limit (`lightning tokens create --rate-limit N --burst M`;
/// docs/security.md): on average `perSecond` requests, at most `burst` at once.
public struct RateLimit: Codable, Sendable, Equatable {
    public var perSecond: Double
    public var burst: Int

    public init(perSecond: Double, burst: Int? = nil) {
        self.perSecond = perSecond
        // One second's worth by default (`validated()` refuses rates out of range; no trap here).
        self.burst = burst ?? (perSecond.isFinite && perSecond <= 1_000_000 ? max(1, Int(perSecond.rounded(.up))) : 1)
    }

    enum CodingKeys: String, CodingKey { case perSecond = "per_second", burst }

    /// Checks the ranges; the error names the field.
    func validated() throws(WireError) -> RateLimit {
        guard perSecond.isFinite, perSecond > 0, perSecond <= 1_000_000 else {
            throw WireError(.invalidArgument, "field \"rate_limit.per_second\": expected a number above 0 and at most 1000000, got \(perSecond)")
        }
        guard (1...1_000_000).contains(burst) else {
            throw WireError(.invalidArgument, "field \"rate_limit.burst\": expected an integer from 1 to 1000000, got \(burst)")
        }
        return self
    }
}

/// The classic token bucket, as a value with no clock of its own: it holds up to `burst`
/// permits, refills at `perSecond`, and each request takes one. Pure; `RateLimiter` keeps one
/// per token and passes the time in.
struct TokenBucket: Equatable {
    /// Permits available at `updated` (fractional while refilling).
    private(set) var permits: Double
    /// Seconds on a monotonic clock.
    private(set) var updated: Double

    /// A full bucket at `now`.
    init(limit: RateLimit, now: Double) {
        permits = Double(limit.burst)
        updated = now
    }

    /// Takes one permit at `now`: nil when the request may go, else the seconds until a permit
    /// will be available (the `Retry-After`). A clock that goes backwards refills nothing.
    mutating func take(now: Double, limit: RateLimit) -> Double? {
        if now > updated {
            permits = min(Double(limit.burst), permits + (now - updated) * limit.perSecond)
            updated = now
        }
        permits = min(permits, Double(limit.burst))  // the limit may have been lowered
        if permits >= 1 {
            permits -= 1
            return nil
        }
        return (1 - permits) / limit.perSecond
    }
}
