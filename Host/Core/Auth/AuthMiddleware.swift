import Foundation
import Hummingbird
import LightningProtocol

/// Checks every request against `RouteScopes.table`: open routes pass; others need
/// `Authorization: Bearer <secret>` of a token in `TokenStore` that is not expired (else 401,
/// `WWW-Authenticate: Bearer`) and holds the route's scope (else 403 `permission_denied`).
/// A request that matches no route (an unknown path, or a known path with another method) needs
/// `admin`: fail closed, so that a route missing from the table is never open; with an admin
/// token the router's 404/405 answer it.
/// A token with a `rate_limit` past its rate gets 429 `throttled` with `Retry-After` (seconds).
/// When authentication is off (`auth: false`), every request passes as `anonymous`.
struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    /// False = authentication off: everything passes as `anonymous`.
    let enabled: Bool
    /// The tokens, read per request (the daemon opens its store during its start, which runs in
    /// the service group beside the API's construction); nil while enabled means nobody can
    /// authenticate (every protected route is 401).
    let store: @Sendable () -> TokenStore?
    /// Who may use the unix socket: a request that came through it (`PeerCredentials.current`)
    /// is decided by its peer's uid alone, with authentication on or off.
    var unixSocket = UnixSocketPolicy(daemonUID: 0)
    /// Per-token request rates (`APIToken.rateLimit`); a token past its rate gets 429 with `Retry-After`.
    var limiter = RateLimiter()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let peer = PeerCredentials.current {
            switch unixSocket.principal(for: peer) {
            case .failure(let refusal): return APIResponse.json(ErrorBody(error: refusal), status: .forbidden)
            case .success(let principal): return try await Principal.$current.withValue(principal) { try await next(request, context) }
            }
        }
        guard enabled else { return try await next(request, context) }
        let needed: Scope
        switch RouteScopes.requirement(method: request.method.rawValue, path: request.uri.path) {
        case .open?: return try await next(request, context)
        case .scope(let s)?: needed = s
        case nil: needed = .admin
        }
        let route = "\(request.method) \(request.uri.path)"
        guard let store = store() else { return Self.unauthenticated("\(route): the daemon has no token store", invalid: false) }
        guard let secret = Self.bearer(request.headers[.authorization]) else {
            return Self.unauthenticated("\(route) needs a token with scope \"\(needed.rawValue)\": send `Authorization: Bearer <token>` (the admin token is in <data_dir>/admin.token; docs/security.md)", invalid: false)
        }
        let token: APIToken
        switch store.authenticate(secret) {
        case .success(let t): token = t
        case .failure(.unknown):
            return Self.unauthenticated("\(route): the bearer token is not known to this daemon (revoked, or from another data folder)", invalid: true)
        case .failure(.expired(let id, let at)):
            return Self.unauthenticated("\(route): token \(id) expired at \(at)", invalid: true)
        }
        guard token.grants(needed) else {
            return APIResponse.json(ErrorBody(error: WireError(.permissionDenied,
                "\(route) needs scope \"\(needed.rawValue)\"; token \(token.id) has \(token.scopes.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")),
                status: .forbidden)
        }
        if let limit = token.rateLimit, let wait = limiter.admit(token.id, limit: limit) {
            let seconds = max(1, Int(wait.rounded(.up)))
            return APIResponse.json(ErrorBody(error: WireError(.throttled,
                "\(route): token \(token.id) is limited to \(Self.format(limit.perSecond)) requests/s (burst \(limit.burst)); retry after \(seconds) s")),
                status: .tooManyRequests, headers: [.retryAfter: String(seconds)])
        }
        return try await Principal.$current.withValue(Principal(id: token.id, token: token)) {
            try await next(request, context)
        }
    }

    struct ErrorBody: Encodable { var error: WireError }

    static func format(_ rate: Double) -> String { rate == rate.rounded() ? String(Int(rate)) : String(rate) }

    /// The secret of an `Authorization: Bearer <secret>` header (scheme case-insensitive).
    /// Read per request on the UTF-8 bytes (Foundation's `trimmingCharacters` cost 4 % of the
    /// daemon's CPU at ingest); whitespace is space and tab, as HTTP's optional whitespace.
    static func bearer(_ header: String?) -> String? {
        guard let header else { return nil }
        let u = header.utf8
        func blank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
        guard let first = u.firstIndex(where: { !blank($0) }) else { return nil }
        let scheme = "bearer ".utf8
        var i = first
        for expected in scheme {
            guard i != u.endIndex else { return nil }
            let c = u[i]
            // ASCII letters compare case-insensitively (`| 0x20` lowers them); the space exactly.
            guard expected == 0x20 ? c == 0x20 : (c | 0x20) == expected else { return nil }
            i = u.index(after: i)
        }
        guard let start = u[i...].firstIndex(where: { !blank($0) }), let last = u.lastIndex(where: { !blank($0) }), start <= last else { return nil }
        return String(header[start...last])
    }

    static func unauthenticated(_ message: String, invalid: Bool) -> Response {
        APIResponse.json(ErrorBody(error: WireError(.unauthenticated, message)), status: .unauthorized,
                         headers: [.wwwAuthenticate: invalid ? "Bearer realm=\"lightning\", error=\"invalid_token\"" : "Bearer realm=\"lightning\""])
    }
}
