import Foundation
import Hummingbird
import LightningProtocol
import Logging

extension APIServer {
    /// `/v1/tokens` (admin): list, create (the secret is in the answer, once), revoke.
    func addTokenRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/v1/tokens") { _, _ in
            APIResponse.json(["tokens": try store().all.map(TokenInfo.init)])
        }
        // Body: {"scopes": ["read"], "name"?, "events"?: [patterns], "expires_at"?: timestamp, "expires_in_seconds"?: n,
        //        "rate_limit"?: {"per_second": n, "burst"?: n}}
        router.post("/v1/tokens") { request, _ in
            var req = request
            struct Body: Decodable {
                var scopes: [String]; var name: String?; var events: [String]?
                var expires_at: Timestamp?; var expires_in_seconds: Double?
                var rate_limit: Limit?
            }
            struct Limit: Decodable { var per_second: Double; var burst: Int? }
            let b = try await req.decode(Body.self)
            if b.expires_at != nil && b.expires_in_seconds != nil {
                throw WireError(.invalidArgument, "request body: expected at most one of \"expires_at\" and \"expires_in_seconds\", got both")
            }
            if let s = b.expires_in_seconds, s <= 0 {
                throw WireError(.invalidArgument, "field \"expires_in_seconds\": expected a number above 0, got \(s)")
            }
            let expires = b.expires_at ?? b.expires_in_seconds.map { Timestamp.now().adding(seconds: $0) }
            let made = try store().create(name: b.name, scopes: try Scope.parse(b.scopes, field: "scopes"), events: b.events, expiresAt: expires,
                                           rateLimit: b.rate_limit.map { RateLimit(perSecond: $0.per_second, burst: $0.burst) })
            logger.notice("token \(made.token.id) created by \(Principal.current.id) (scopes \(made.token.scopes.map(\.rawValue).joined(separator: ",")))")
            struct Created: Encodable { var token: TokenInfo; var secret: String }
            return APIResponse.json(Created(token: TokenInfo(made.token), secret: made.secret), status: .created)
        }
        router.delete("/v1/tokens/:id") { _, ctx in
            let id = try ctx.parameters.string("id")
            guard try store().revoke(id) else { throw WireError(.notFound, "no token with id \"\(id)\" (see GET /v1/tokens)") }
            logger.notice("token \(id) revoked by \(Principal.current.id)")
            return APIResponse.noContent()
        }
    }

    private func store() throws -> TokenStore {
        guard let s = daemon.tokens else {
            throw WireError(.unavailable, "authentication is off (auth: false, from \(daemon.config.source(of: "auth"))): there are no tokens")
        }
        return s
    }
}

/// A token as the API shows it: everything but the hash.
struct TokenInfo: Encodable {
    var id: String
    var name: String?
    var scopes: [String]
    var events: [String]?
    var createdAt: Timestamp
    var expiresAt: Timestamp?
    var expired: Bool
    var rateLimit: RateLimit?

    init(_ t: APIToken) {
        id = t.id; name = t.name; scopes = t.scopes.map(\.rawValue); events = t.events
        createdAt = t.createdAt; expiresAt = t.expiresAt; expired = t.isExpired(at: .now()); rateLimit = t.rateLimit
    }

    enum CodingKeys: String, CodingKey { case id, name, scopes, events, expired, createdAt = "created_at", expiresAt = "expires_at", rateLimit = "rate_limit" }
}
