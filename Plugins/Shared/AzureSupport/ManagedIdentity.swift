public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LightningProtocol

/// A token for the identity Azure gives the machine or app the daemon runs on:
///
/// ```
/// IMDS (VMs, ACI, AKS):   GET http://169.254.169.254/metadata/identity/oauth2/token
///                             ?api-version=2018-02-01&resource=https://management.azure.com/[&client_id=…]
///                         Metadata: true
/// App Service/Functions:  GET $IDENTITY_ENDPOINT?api-version=2019-08-01&resource=…[&client_id=…]
///                         X-IDENTITY-HEADER: $IDENTITY_HEADER
/// → 200 {"access_token":"…","expires_in":"3599","expires_on":"1732540000","resource":"…","token_type":"Bearer"}
/// ```
public struct ManagedIdentity: Sendable, CustomStringConvertible {
    public enum Endpoint: Sendable {
        /// The Instance Metadata Service token URL.
        case imds(URL)
        /// App Service's local identity endpoint and the header value it wants.
        case appService(URL, header: Secret)
    }

    public static let defaultIMDS = URL(string: "http://169.254.169.254/metadata/identity/oauth2/token")!

    public var endpoint: Endpoint
    /// The audience, e.g. `https://management.azure.com/`.
    public var resource: String
    /// A user-assigned identity's client id; nil = the system-assigned identity.
    public var clientId: String?

    public init(endpoint: Endpoint, resource: String, clientId: String? = nil) {
        self.endpoint = endpoint; self.resource = resource; self.clientId = clientId
    }

    /// App Service when `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` are set in `environment`
    /// (as App Service and Functions set them), IMDS at `imds` otherwise.
    public static func endpoint(imds: URL?, environment: [String: String] = ProcessInfo.processInfo.environment) -> Endpoint {
        if imds == nil, let e = environment["IDENTITY_ENDPOINT"].flatMap(URL.init(string:)),
           let h = environment["IDENTITY_HEADER"], !h.isEmpty {
            return .appService(e, header: Secret(h))
        }
        return .imds(imds ?? defaultIMDS)
    }

    public var description: String {
        let who = clientId.map { "user-assigned identity \($0)" } ?? "system-assigned identity"
        switch endpoint {
        case .imds(let u): return "managed identity (\(who), IMDS \(Self.show(u)))"
        case .appService(let u, _): return "managed identity (\(who), App Service endpoint \(Self.show(u)))"
        }
    }

    static func show(_ url: URL) -> String {
        guard var c = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return "?" }
        c.query = nil
        return c.string ?? "?"
    }

    /// The token request for the configured endpoint.
    func request() throws -> URLRequest {
        let base: URL, apiVersion: String
        switch endpoint {
        case .imds(let u): base = u; apiVersion = "2018-02-01"
        case .appService(let u, _): base = u; apiVersion = "2019-08-01"
        }
        guard var c = URLComponents(url: base, resolvingAgainstBaseURL: false) else {
            throw WireError(.invalidArgument, "managed identity endpoint \(Self.show(base)): not a URL")
        }
        var items = c.queryItems ?? []
        items.append(URLQueryItem(name: "api-version", value: apiVersion))
        items.append(URLQueryItem(name: "resource", value: resource))
        if let id = clientId { items.append(URLQueryItem(name: "client_id", value: id)) }
        c.queryItems = items
        guard let url = c.url else { throw WireError(.invalidArgument, "managed identity endpoint \(Self.show(base)): not a URL") }
        var r = URLRequest(url: url)
        r.httpMethod = "GET"
        switch endpoint {
        case .imds: r.setValue("true", forHTTPHeaderField: "Metadata")
        case .appService(_, let header): r.setValue(header.exposed, forHTTPHeaderField: "X-IDENTITY-HEADER")
        }
        return r
    }

    /// Asks the endpoint for a token.
    /// - Throws: `WireError(.unauthenticated)` when the endpoint refuses (HTTP 400, 401, 403: no
    ///   identity assigned, unknown client id, wrong header), `.unavailable` when it cannot be
    ///   reached (not running on Azure) or answers otherwise, `.throttled` after repeated 429s.
    public func fetch(using http: AzureHTTP, policy: AzureHTTP.RetryPolicy = .init()) async throws -> AADAccessToken {
        let reply: HTTPReply
        do {
            reply = try await http.send({ try request() }, policy: policy)
        } catch let e as WireError where e.code == .unavailable || e.code == .timeout {
            throw WireError(e.code, "\(description): \(e.message) (is the daemon running on Azure with an identity assigned?)")
        }
        var secrets: [Secret] = []
        if case .appService(_, let h) = endpoint { secrets.append(h) }
        switch reply.status {
        case 200:
            return try AADAccessToken.parse(reply.body, what: "\(description)")
        case 400, 401, 403:
            throw WireError(.unauthenticated, "\(description) refused the token request (HTTP \(reply.status)): \(aadErrorText(reply, scrubbing: secrets))")
        default:
            throw WireError(.unavailable, "\(description): token request failed (HTTP \(reply.status)): \(aadErrorText(reply, scrubbing: secrets))")
        }
    }
}
