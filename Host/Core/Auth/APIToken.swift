import Crypto
import Foundation
public import LightningProtocol

/// One API token as the daemon keeps it: never the secret, only its SHA-256 (docs/security.md).
/// The secret (`lt_` + 64 hex digits, 256 random bits) is shown once, when it is created.
public struct APIToken: Codable, Sendable, Equatable {
    /// Public name of the token (`tok_` + 12 hex digits); what `list`, `revoke` and audit show.
    public var id: String
    /// Free text from the creator (`--name`).
    public var name: String?
    public var scopes: [Scope]
    /// Event-type patterns (`EventPattern`) the token may publish; nil = any type.
    public var events: [String]?
    public var createdAt: Timestamp
    public var expiresAt: Timestamp?
    /// Requests per second this token may make (429 past it); nil = unlimited.
    public var rateLimit: RateLimit?
    /// Lowercase hex SHA-256 of the secret.
    public var sha256: String

    enum CodingKeys: String, CodingKey {
        case id, name, scopes, events, sha256
        case createdAt = "created_at", expiresAt = "expires_at", rateLimit = "rate_limit"
    }

    /// A new token and its secret. The secret exists only in the return value.
    public static func generate(name: String?, scopes: [Scope], events: [String]?, expiresAt: Timestamp?,
                                rateLimit: RateLimit? = nil, now: Timestamp = .now()) -> (token: APIToken, secret: String) {
        var rng = SystemRandomNumberGenerator()
        let secret = "lt_" + hex((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) })
        let id = "tok_" + hex((0..<6).map { _ in UInt8.random(in: .min ... .max, using: &rng) })
        return (APIToken(id: id, name: name, scopes: scopes.sorted(), events: events, createdAt: now, expiresAt: expiresAt,
                         rateLimit: rateLimit, sha256: digest(secret)), secret)
    }

    /// Lowercase hex SHA-256 of `secret`.
    public static func digest(_ secret: String) -> String { hex(SHA256.hash(data: Data(secret.utf8))) }

    /// Lowercase hex of `bytes` (per API request, for the token's digest: no `String(format:)`).
    static func hex<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public func isExpired(at now: Timestamp) -> Bool { expiresAt.map { $0.millis <= now.millis } ?? false }

    public func grants(_ needed: Scope) -> Bool { scopes.contains { $0.grants(needed) } }

    /// True when the token may publish an event of `type` (no patterns = any type).
    public func mayPublish(_ type: String) -> Bool { events.map { EventPattern.matchesAny($0, type) } ?? true }
}
