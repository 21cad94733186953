public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LightningProtocol

/// The OAuth 2.0 client-credentials grant of the Microsoft identity platform (v2.0 endpoint):
///
/// ```
/// POST {authority}/{tenant}/oauth2/v2.0/token
/// Content-Type: application/x-www-form-urlencoded
///
/// grant_type=client_credentials&client_id=…&client_secret=…&scope=https%3A%2F%2Fmanagement.azure.com%2F.default
/// → 200 {"token_type":"Bearer","expires_in":3599,"access_token":"…"}
/// → 400/401 {"error":"invalid_client","error_description":"AADSTS7000215: …"}
/// ```
public struct AADClientCredentials: Sendable, CustomStringConvertible {
    /// `https://login.microsoftonline.com` (public cloud), or another cloud's, or a test fake.
    public var authority: URL
    public var tenantId: String
    public var clientId: String
    public var clientSecret: Secret
    /// `https://management.azure.com/.default` for ARM.
    public var scope: String

    public init(authority: URL, tenantId: String, clientId: String, clientSecret: Secret, scope: String) {
        self.authority = authority; self.tenantId = tenantId; self.clientId = clientId
        self.clientSecret = clientSecret; self.scope = scope
    }

    public var description: String { "client credentials (tenant \(tenantId), client \(clientId))" }

    /// The token endpoint of `tenantId`.
    public var tokenURL: URL {
        authority.appendingPathComponent(tenantId).appendingPathComponent("oauth2/v2.0/token")
    }

    /// `application/x-www-form-urlencoded` with RFC 3986 unreserved characters kept.
    static func formEncode(_ pairs: [(String, String)]) -> Data {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let text = pairs.map { k, v in
            "\(k.addingPercentEncoding(withAllowedCharacters: allowed) ?? k)=\(v.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }.joined(separator: "&")
        return Data(text.utf8)
    }

    /// Asks for a token.
    /// - Throws: `WireError(.unauthenticated)` when Azure AD refuses the credentials (HTTP 400 or
    ///   401, with its `AADSTS…` text, never the secret), `.unavailable` / `.timeout` when it
    ///   cannot be reached or answers otherwise, `.throttled` after repeated 429s.
    public func fetch(using http: AzureHTTP, policy: AzureHTTP.RetryPolicy = .init()) async throws -> AADAccessToken {
        let url = tokenURL
        let body = Self.formEncode([("grant_type", "client_credentials"), ("client_id", clientId),
                                    ("client_secret", clientSecret.exposed), ("scope", scope)])
        let reply = try await http.send({
            var r = URLRequest(url: url)
            r.httpMethod = "POST"
            r.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            r.setValue("application/json", forHTTPHeaderField: "Accept")
            r.httpBody = body
            return r
        }, policy: policy)
        let what = "Azure AD: token for client \"\(clientId)\" in tenant \"\(tenantId)\" (POST \(url.absoluteString))"
        switch reply.status {
        case 200:
            return try AADAccessToken.parse(reply.body, what: what)
        case 400, 401, 403:
            throw WireError(.unauthenticated, "\(what) refused (HTTP \(reply.status)): \(aadErrorText(reply, scrubbing: [clientSecret]))")
        default:
            throw WireError(.unavailable, "\(what) failed (HTTP \(reply.status)): \(aadErrorText(reply, scrubbing: [clientSecret]))")
        }
    }
}
