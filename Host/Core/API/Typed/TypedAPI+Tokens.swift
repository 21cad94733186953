import Foundation
import LightningAPIServer
import LightningProtocol
import Logging
import OpenAPIRuntime

/// `/v1/tokens` (admin): list, create (the secret is in the answer, once), revoke.
extension TypedAPI {
    func listTokens(_ input: Operations.ListTokens.Input) async throws -> Operations.ListTokens.Output {
        .ok(.init(body: .json(.init(tokens: try tokenStore().all.map(Components.Schemas.Token.init)))))
    }

    func createToken(_ input: Operations.CreateToken.Input) async throws -> Operations.CreateToken.Output {
        guard case .json(let b) = input.body else { throw WireError(.invalidArgument, "request body: expected JSON") }
        if b.expiresAt != nil && b.expiresInSeconds != nil {
            throw WireError(.invalidArgument, "request body: expected at most one of \"expires_at\" and \"expires_in_seconds\", got both")
        }
        if let s = b.expiresInSeconds, s <= 0 {
            throw WireError(.invalidArgument, "field \"expires_in_seconds\": expected a number above 0, got \(s)")
        }
        let expires = b.expiresAt.map(Timestamp.init) ?? b.expiresInSeconds.map { Timestamp.now().adding(seconds: $0) }
        let made = try tokenStore().create(name: b.name, scopes: try Scope.parse(b.scopes.map(\.rawValue), field: "scopes"), events: b.events,
                                           expiresAt: expires, rateLimit: b.rateLimit.map { RateLimit(perSecond: $0.perSecond, burst: $0.burst) })
        logger.notice("token \(made.token.id) created by \(Principal.current.id) (scopes \(made.token.scopes.map(\.rawValue).joined(separator: ",")))")
        return .created(.init(body: .json(.init(token: .init(made.token), secret: made.secret))))
    }

    func revokeToken(_ input: Operations.RevokeToken.Input) async throws -> Operations.RevokeToken.Output {
        let id = input.path.id
        guard try tokenStore().revoke(id) else { throw WireError(.notFound, "no token with id \"\(id)\" (see GET /v1/tokens)") }
        logger.notice("token \(id) revoked by \(Principal.current.id)")
        return .noContent
    }

    private func tokenStore() throws -> TokenStore {
        guard let s = daemon.tokens else {
            throw WireError(.unavailable, "authentication is off (auth: false, from \(daemon.config.source(of: "auth"))): there are no tokens")
        }
        return s
    }
}

extension Components.Schemas.Token {
    /// A token as the API shows it: everything but the hash.
    init(_ t: APIToken) {
        self.init(id: t.id, name: t.name, scopes: t.scopes.map(ScopesPayloadPayload.init), events: t.events,
                  createdAt: t.createdAt.date, expiresAt: t.expiresAt?.date, expired: t.isExpired(at: .now()),
                  rateLimit: t.rateLimit.map { .init(perSecond: $0.perSecond, burst: $0.burst) })
    }
}

extension Components.Schemas.Token.ScopesPayloadPayload {
    /// A scope the daemon grants, as the document names it (a scope added to one and not the
    /// other does not compile).
    init(_ s: Scope) {
        switch s {
        case .read: self = .read
        case .eventsWrite: self = .events_colon_write
        case .admin: self = .admin
        }
    }
}
