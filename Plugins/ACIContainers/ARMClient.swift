import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import AzureSupport
import LightningProtocol

/// Requests to Azure Resource Manager with a bearer token: the api-version on every URL, a
/// token from `AADTokenProvider` (refetched once when ARM answers 401, in case it was revoked
/// or expired early), Azure's throttling rule (`AzureHTTP`), and ARM's error bodies
/// (`{"error": {"code", "message"}}`) mapped onto `WireError` codes.
///
/// Absolute URLs that ARM hands back (`Azure-AsyncOperation`, `nextLink`) are followed only
/// when they point at the configured management endpoint, so the token is never sent elsewhere.
struct ARMClient: Sendable {
    let base: URL
    let tokens: AADTokenProvider
    let http: AzureHTTP
    let policy: AzureHTTP.RetryPolicy

    /// `base` + `path` + `?api-version=…` + `query`.
    func url(_ path: String, query: [URLQueryItem] = []) throws -> URL {
        guard var c = URLComponents(url: base, resolvingAgainstBaseURL: false) else {
            throw WireError(.internal, "management_url \(base) cannot be decomposed")
        }
        c.percentEncodedPath = c.percentEncodedPath + path
        c.queryItems = [URLQueryItem(name: "api-version", value: ACIConfig.apiVersion)] + query
        guard let u = c.url else { throw WireError(.internal, "cannot build an ARM URL for \(path)") }
        return u
    }

    /// `url` when it points at the management endpoint (same scheme, host and port).
    func trusted(_ link: String) -> URL? {
        guard let u = URL(string: link), u.scheme == base.scheme, u.host == base.host, u.port == base.port else { return nil }
        return u
    }

    /// Sends one request; `body` is JSON.
    /// - Throws: `WireError` from the token source or the transport (`unauthenticated`,
    ///   `unavailable`, `timeout`, `throttled`). HTTP error statuses are returned, not thrown:
    ///   see `check`.
    func send(_ method: String, _ url: URL, body: Data? = nil) async throws -> HTTPReply {
        var refreshed = false
        while true {
            let token = try await tokens.token()
            let reply = try await http.send({
                var r = URLRequest(url: url)
                r.httpMethod = method
                r.setValue("Bearer \(token.exposed)", forHTTPHeaderField: "Authorization")
                r.setValue("application/json", forHTTPHeaderField: "Accept")
                r.setValue(UUID().uuidString.lowercased(), forHTTPHeaderField: "x-ms-client-request-id")
                r.setValue("lightning-aci-containers/1.0.0", forHTTPHeaderField: "User-Agent")
                if let body {
                    r.httpBody = body
                    r.setValue("application/json", forHTTPHeaderField: "Content-Type")
                } else if method != "GET" && method != "DELETE" {
                    r.setValue("0", forHTTPHeaderField: "Content-Length")
                }
                return r
            }, policy: policy)
            guard reply.status == 401, !refreshed else { return reply }
            await tokens.invalidate()
            refreshed = true
        }
    }

    /// Returns `reply` when its status is one of `ok`; otherwise throws the mapped error:
    /// 400 `invalid_argument`, 401/403 `unauthenticated`, 404 `not_found`, 409 `conflict`,
    /// 412 `precondition_failed`, 429 `throttled`, 5xx `unavailable`, anything else `internal`.
    /// The message is `ACI: <what> answered HTTP <status>: <ARM code>: <ARM message>`.
    @discardableResult
    func check(_ reply: HTTPReply, _ what: String, ok: Set<Int>) throws -> HTTPReply {
        guard !ok.contains(reply.status) else { return reply }
        let code: WireError.Code
        switch reply.status {
        case 400, 422: code = .invalidArgument
        case 401, 403: code = .unauthenticated
        case 404: code = .notFound
        case 409: code = .conflict
        case 412: code = .preconditionFailed
        case 429: code = .throttled
        case 500..<600: code = .unavailable
        default: code = .internal
        }
        throw WireError(code, "ACI: \(what) answered HTTP \(reply.status): \(Self.errorText(reply))")
    }

    /// `code: message` of an ARM error body, else the body excerpt.
    static func errorText(_ reply: HTTPReply) -> String {
        if let v = try? Wire.decode(JSONValue.self, from: reply.body), let e = v["error"] {
            let code = e["code"]?.stringValue ?? "error"
            let message = e["message"]?.stringValue ?? ""
            return message.isEmpty ? code : "\(code): \(message)"
        }
        let text = reply.bodyText(limit: 300).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "empty body" : text
    }

    /// The reply body as JSON.
    static func json(_ reply: HTTPReply, _ what: String) throws -> JSONValue {
        do { return try Wire.decode(JSONValue.self, from: reply.body) } catch {
            throw WireError(.unavailable, "ACI: \(what) answered HTTP \(reply.status) with a body that is not JSON: \(reply.bodyText(limit: 200))")
        }
    }
}
