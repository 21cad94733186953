import Foundation

/// Per-token request rate limits for the API (`APIToken.rateLimit`; 429 with `Retry-After`).
/// One lock (`buckets`) guards the buckets, keyed by token id; the decision itself is
/// `TokenBucket.take`, pure.
final class RateLimiter: Sendable {
    private let buckets = Locked<[String: TokenBucket]>([:])
    private let clock: @Sendable () -> Double

    /// - Parameter clock: seconds on a monotonic clock (tests pass their own).
    init(clock: @escaping @Sendable () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }) {
        self.clock = clock
    }

    /// Nil when `tokenID` may make a request now under `limit`; else the seconds to wait.
    func admit(_ tokenID: String, limit: RateLimit) -> Double? {
        let now = clock()
        return buckets.withLock { all in
            var bucket = all[tokenID] ?? TokenBucket(limit: limit, now: now)
            let wait = bucket.take(now: now, limit: limit)
            all[tokenID] = bucket
            return wait
        }
    }
}
