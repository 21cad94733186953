import AzureSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LightningProtocol

/// One Cosmos DB account over REST: signs each request with the master key, sends it through
/// `AzureHTTP` (which waits out 429s for `x-ms-retry-after-ms`) and maps failures to wire errors.
///
/// ```
/// request(.post, ["dbs", db, "colls", c, "docs"], headers, body)
///     │ path segments escaped into the URL, kept raw in the signed resource link
///     ▼
/// x-ms-date, x-ms-version, Authorization (CosmosAuth) ─► AzureHTTP.send(policy:) ─► HTTPReply
/// ```
///
/// Threading: `send` may be called from many tasks at once.
struct CosmosClient: Sendable {
    static let apiVersion = "2018-12-31"

    enum Verb: String, Sendable { case get = "GET", post = "POST", put = "PUT", delete = "DELETE" }

    let endpoint: URL
    let auth: CosmosAuth
    let http: AzureHTTP
    let policy: AzureHTTP.RetryPolicy

    init(config: CosmosConfig) throws {
        endpoint = config.endpoint
        auth = try CosmosAuth(key: config.key)
        http = AzureHTTP(service: "Cosmos DB", timeout: config.requestTimeout)
        policy = AzureHTTP.RetryPolicy(maxThrottleRetries: config.maxThrottleRetries)
    }

    /// Sends one request (re-signed on every throttling retry) and returns the reply, whatever
    /// its status. `segments` are the unescaped path segments (`["dbs", "d", "colls", "c"]`).
    /// - Throws: `.unavailable`/`.timeout` when the account cannot be reached, `.throttled`
    ///   when 429s outlast the retry policy.
    func send(_ verb: Verb, _ segments: [String], headers: [String: String] = [:], body: Data? = nil) async throws -> HTTPReply {
        let path = "/" + segments.joined(separator: "/")
        let url = try url(for: segments)
        return try await http.send({
            var request = URLRequest(url: url)
            request.httpMethod = verb.rawValue
            let date = HTTPDate.string(Date())
            request.setValue(date, forHTTPHeaderField: "x-ms-date")
            request.setValue(Self.apiVersion, forHTTPHeaderField: "x-ms-version")
            request.setValue(auth.authorization(verb: verb.rawValue, path: path, date: date), forHTTPHeaderField: "Authorization")
            request.setValue("application/json", forHTTPHeaderField: "Accept")
            request.setValue("no-cache", forHTTPHeaderField: "Cache-Control")
            if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
            for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
            request.httpBody = body
            return request
        }, policy: policy)
    }

    /// The request URL: the endpoint's scheme, host and port, its path (if any) and the
    /// segments percent-escaped (everything but ASCII letters, digits and `-._~`).
    func url(for segments: [String]) throws -> URL {
        var base = endpoint.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        let path = segments.map(Self.escape).joined(separator: "/")
        guard let url = URL(string: base + "/" + path) else {
            throw WireError(.invalidArgument, "Cosmos DB: cannot form a URL from the endpoint and path /\(segments.joined(separator: "/"))")
        }
        return url
    }

    static func escape(_ segment: String) -> String {
        var out = ""
        for byte in segment.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }

    /// The `x-ms-documentdb-partitionkey` header: a JSON array of one string, with every
    /// non-ASCII or control character as `\uXXXX` (header values are ASCII).
    static func partitionKeyHeader(_ value: String) -> String {
        var out = "[\""
        for unit in value.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5c: out += "\\\\"
            case 0x20..<0x7f: out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            default:
                let hex = String(unit, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return out + "\"]"
    }

    /// The error for a reply outside 2xx: the code by status, the message naming the operation,
    /// the status and Cosmos's own `code`/`message` (the request's key is never part of it).
    static func error(_ reply: HTTPReply, _ verb: Verb, _ segments: [String]) -> WireError {
        let code: WireError.Code
        switch reply.status {
        case 400, 413: code = .invalidArgument
        case 401, 403: code = .unauthenticated
        case 404: code = .notFound
        case 409: code = .conflict
        case 412: code = .preconditionFailed
        case 429: code = .throttled
        case 408: code = .timeout
        case 449, 500, 502, 503, 504: code = .unavailable
        default: code = .internal
        }
        return WireError(code, "Cosmos DB: \(verb.rawValue) /\(segments.joined(separator: "/")): HTTP \(reply.status) \(serviceMessage(reply))")
    }

    /// Cosmos's `{"code","message"}` body as `Code: message`, or the body text.
    static func serviceMessage(_ reply: HTTPReply) -> String {
        if let json = try? JSONDecoder().decode(JSONValue.self, from: reply.body),
           let message = json["message"]?.stringValue ?? json["Message"]?.stringValue {
            let code = json["code"]?.stringValue ?? json["Code"]?.stringValue
            let text = (code.map { "\($0): " } ?? "") + message
            return text.count > 800 ? String(text.prefix(800)) + "…" : text
        }
        return reply.body.isEmpty ? "(empty body)" : reply.bodyText()
    }
}
