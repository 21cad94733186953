public import Foundation
import LightningProtocol

/// A bearer token from Azure AD (client credentials) or a managed-identity endpoint, with the
/// moment it stops being valid. The token prints as `***` (it is a `Secret`).
public struct AADAccessToken: Sendable {
    public let value: Secret
    public let expiresOn: Date
    /// When it was obtained; with `expiresOn` it gives the lifetime the refresh margin is cut from.
    public let issuedAt: Date

    public init(value: Secret, expiresOn: Date, issuedAt: Date = Date()) {
        self.value = value; self.expiresOn = expiresOn; self.issuedAt = issuedAt
    }

    /// Reads the token reply every Azure token endpoint shares: `access_token`, and `expires_in`
    /// (seconds, a number from Azure AD, a string from IMDS) or `expires_on` (epoch seconds,
    /// a string from IMDS and App Service).
    /// - Throws: `WireError(.unavailable)` naming `what` when the reply is not such an object.
    static func parse(_ body: Data, what: String, now: Date = Date()) throws -> AADAccessToken {
        guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            throw WireError(.unavailable, "\(what): the token reply is not a JSON object")
        }
        guard let token = object["access_token"] as? String, !token.isEmpty else {
            throw WireError(.unavailable, "\(what): the token reply has no \"access_token\" (keys: \(object.keys.sorted().joined(separator: ", ")))")
        }
        func seconds(_ key: String) -> Double? {
            switch object[key] {
            case let n as NSNumber: return n.doubleValue
            case let s as String: return Double(s)
            default: return nil
            }
        }
        let expires: Date
        if let on = seconds("expires_on") {
            expires = Date(timeIntervalSince1970: on)
        } else if let inSeconds = seconds("expires_in") {
            expires = now.addingTimeInterval(inSeconds)
        } else {
            throw WireError(.unavailable, "\(what): the token reply has neither \"expires_in\" nor \"expires_on\"")
        }
        return AADAccessToken(value: Secret(token), expiresOn: expires, issuedAt: now)
    }

    /// The token is used until `margin` before it expires, where `margin` is five minutes, or
    /// half the lifetime for tokens that live less than ten minutes.
    public func isFresh(at now: Date = Date()) -> Bool {
        let lifetime = expiresOn.timeIntervalSince(issuedAt)
        let margin = min(300, max(0, lifetime) / 2)
        return now < expiresOn.addingTimeInterval(-margin)
    }
}

/// The error text of an Azure AD or managed-identity refusal: `{"error", "error_description"}`
/// (Azure AD, IMDS) or `{"error": {"code", "message"}}` (App Service), else the body excerpt.
/// `secrets` are replaced by `***` in case a service echoes one.
func aadErrorText(_ reply: HTTPReply, scrubbing secrets: [Secret]) -> String {
    var text = reply.bodyText(limit: 400)
    if let object = (try? JSONSerialization.jsonObject(with: reply.body)) as? [String: Any] {
        if let code = object["error"] as? String {
            let description = (object["error_description"] as? String).map { ": \($0)" } ?? ""
            text = code + description
        } else if let inner = object["error"] as? [String: Any] {
            text = "\(inner["code"] as? String ?? "error"): \(inner["message"] as? String ?? "")"
        }
    }
    if let firstLine = text.split(separator: "\r\n").first ?? text.split(separator: "\n").first { text = String(firstLine) }
    if text.count > 400 { text = String(text.prefix(400)) + "…" }
    for s in secrets where !s.exposed.isEmpty { text = text.replacingOccurrences(of: s.exposed, with: "***") }
    return text
}
