public import Foundation
import LightningProtocol

/// Where a bearer token comes from.
public enum AADTokenSource: Sendable, CustomStringConvertible {
    case clientCredentials(AADClientCredentials)
    case managedIdentity(ManagedIdentity)

    public var description: String {
        switch self {
        case .clientCredentials(let c): return c.description
        case .managedIdentity(let m): return m.description
        }
    }
}

/// Hands out a cached bearer token, fetching a new one when none is held or the held one is
/// within its refresh margin of expiry (`AADAccessToken.isFresh`). Callers that ask while a
/// fetch is running wait for that fetch instead of starting their own.
///
/// ```
/// token() ─ fresh cached? ──yes──▶ value
///              │ no
///              ▼
///       fetch running? ──yes──▶ await it
///              │ no
///              ▼
///       start fetch (source.fetch) ─▶ cache ─▶ value
/// ```
public actor AADTokenProvider {
    public nonisolated let source: AADTokenSource
    private let http: AzureHTTP
    private let policy: AzureHTTP.RetryPolicy
    private var cached: AADAccessToken?
    private var inflight: Task<AADAccessToken, any Error>?
    /// How many tokens were obtained (for health details and tests).
    public private(set) var fetches = 0

    public init(source: AADTokenSource, http: AzureHTTP, policy: AzureHTTP.RetryPolicy = .init()) {
        self.source = source; self.http = http; self.policy = policy
    }

    /// A valid bearer token.
    /// - Throws: what the source throws (`unauthenticated`, `unavailable`, `throttled`, `timeout`).
    public func token() async throws -> Secret {
        if let t = cached, t.isFresh() { return t.value }
        if let running = inflight { return try await running.value.value }
        let source = self.source, http = self.http, policy = self.policy
        let task = Task { () async throws -> AADAccessToken in
            switch source {
            case .clientCredentials(let c): return try await c.fetch(using: http, policy: policy)
            case .managedIdentity(let m): return try await m.fetch(using: http, policy: policy)
            }
        }
        inflight = task
        defer { inflight = nil }
        let token = try await task.value
        cached = token
        fetches += 1
        return token.value
    }

    /// Forgets the cached token (after the service refused it), so the next `token()` fetches.
    public func invalidate() { cached = nil }

    /// When the cached token expires, if one is held.
    public var expiresOn: Date? { cached?.expiresOn }
}
