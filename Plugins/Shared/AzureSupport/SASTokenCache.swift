public import Foundation
import Synchronization

/// One SAS token for one audience, signed when first needed and signed again once less than
/// `refreshMargin` of its life is left, so a request never carries a token about to expire.
///
/// Threading: `header()` may be called from many tasks at once.
public final class SASTokenCache: Sendable {
    public let audience: String
    public let keyName: String
    private let key: Secret
    /// How long each token is valid.
    public let lifetime: Int64
    /// A token with less than this left (seconds) is replaced.
    public let refreshMargin: Int64
    private let current = Mutex<(token: String, expiry: Int64)?>(nil)
    private let signed = Mutex<Int>(0)

    /// - Parameters:
    ///   - lifetime: seconds each token is valid (Service Bus's SDK uses 3600).
    public init(audience: String, keyName: String, key: Secret, lifetime: Int64 = 3600) {
        self.audience = audience
        self.keyName = keyName
        self.key = key
        self.lifetime = max(1, lifetime)
        self.refreshMargin = max(1, min(300, self.lifetime / 4))
    }

    /// The `Authorization` header value: the cached token, or a new one when the cached one
    /// expires within `refreshMargin` seconds of `now`.
    public func header(now: Date = Date()) -> String {
        let t = Int64(now.timeIntervalSince1970)
        return current.withLock { slot in
            if let c = slot, c.expiry - t > refreshMargin { return c.token }
            let expiry = t + lifetime
            let token = SASToken.token(uri: audience, keyName: keyName, key: key, expiry: expiry)
            slot = (token, expiry)
            signed.withLock { $0 += 1 }
            return token
        }
    }

    /// How many tokens were signed so far (one per refresh).
    public var tokensSigned: Int { signed.withLock { $0 } }
}
