public import Foundation
#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif
import LightningProtocol

/// A response read whole: status, headers (names lowercased), body.
public struct HTTPReply: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data
    public init(status: Int, headers: [String: String], body: Data) { self.status = status; self.headers = headers; self.body = body }
    public subscript(header name: String) -> String? { headers[name.lowercased()] }
    /// The body as text, cut to `limit` characters, for error messages.
    public func bodyText(limit: Int = 500) -> String {
        let s = String(decoding: body, as: UTF8.self)
        return s.count > limit ? String(s.prefix(limit)) + "…" : s
    }
}

/// The HTTPS client every Azure plugin uses: Foundation's URLSession (libcurl on Linux), one
/// session per plugin instance, whole-body requests, and the throttling rule Azure services
/// share: a 429 (or 503 with a retry hint) is retried after the delay the service names, up to
/// `maxThrottleRetries` times, then reported as `.throttled`.
///
/// Threading: `send` may be called from many tasks at once.
public final class AzureHTTP: Sendable {
    /// What the throttling loop needs to know about one service.
    public struct RetryPolicy: Sendable {
        public var maxThrottleRetries: Int
        /// Reads the delay the service asked for from a throttled reply; nil = use `fallback`.
        public var retryAfter: @Sendable (HTTPReply) -> Duration?
        public var fallback: Duration
        /// The longest single wait honoured (a service asking for more is reported throttled).
        public var ceiling: Duration
        public init(maxThrottleRetries: Int = 5, fallback: Duration = .milliseconds(500), ceiling: Duration = .seconds(30),
                    retryAfter: @escaping @Sendable (HTTPReply) -> Duration? = AzureHTTP.retryAfterHeader) {
            self.maxThrottleRetries = maxThrottleRetries; self.retryAfter = retryAfter; self.fallback = fallback; self.ceiling = ceiling
        }
    }

    private let session: URLSession
    /// The service's name for errors (`Cosmos DB`, `Service Bus`).
    public let service: String

    public init(service: String, timeout: TimeInterval = 65) {
        let c = URLSessionConfiguration.ephemeral
        c.timeoutIntervalForRequest = timeout
        c.requestCachePolicy = .reloadIgnoringLocalCacheData
        c.httpCookieStorage = nil
        c.urlCache = nil
        session = URLSession(configuration: c)
        self.service = service
    }

    deinit { session.finishTasksAndInvalidate() }

    /// Sends one request once. `build` is called for each attempt, so that signed headers
    /// (dates, tokens) are fresh on a retry.
    /// - Throws: `WireError(.unavailable)` when the service cannot be reached (naming the host,
    ///   never the query string, which may carry a key).
    public func send(_ build: () throws -> URLRequest) async throws -> HTTPReply {
        let request = try build()
        do {
            let (data, response) = try await session.data(for: request)
            guard let http = response as? HTTPURLResponse else {
                throw WireError(.unavailable, "\(service): no HTTP response from \(Self.where(request))")
            }
            var headers: [String: String] = [:]
            for (k, v) in http.allHeaderFields {
                if let k = k as? String, let v = v as? String { headers[k.lowercased()] = v }
            }
            return HTTPReply(status: http.statusCode, headers: headers, body: data)
        } catch let e as WireError {
            throw e
        } catch {
            let code: WireError.Code = (error as? URLError)?.code == .timedOut ? .timeout : .unavailable
            throw WireError(code, "\(service): \(request.httpMethod ?? "GET") \(Self.where(request)) failed: \(Self.describe(error))")
        }
    }

    /// Sends with the throttling rule: retries 429 (and 503 carrying a retry hint) after the
    /// delay the service names.
    /// - Throws: `WireError(.throttled)` after `policy.maxThrottleRetries` throttled replies.
    public func send(_ build: () throws -> URLRequest, policy: RetryPolicy) async throws -> HTTPReply {
        var attempt = 0
        while true {
            let reply = try await send(build)
            let hinted = policy.retryAfter(reply)
            let throttled = reply.status == 429 || (reply.status == 503 && hinted != nil)
            guard throttled else { return reply }
            attempt += 1
            let wait = hinted ?? policy.fallback
            guard attempt <= policy.maxThrottleRetries, wait <= policy.ceiling else {
                throw WireError(.throttled, "\(service): still throttled (HTTP \(reply.status)) after \(attempt) attempt(s); the service asked to wait \(wait)")
            }
            try await Task.sleep(for: wait)
        }
    }

    /// `Retry-After` in seconds (ARM, Service Bus) or `x-ms-retry-after-ms` (Cosmos DB).
    public static let retryAfterHeader: @Sendable (HTTPReply) -> Duration? = { reply in
        if let ms = reply[header: "x-ms-retry-after-ms"].flatMap(Double.init) { return .milliseconds(Int64(ms.rounded(.up))) }
        if let s = reply[header: "retry-after"].flatMap(Double.init) { return .milliseconds(Int64((s * 1000).rounded(.up))) }
        return nil
    }

    /// `scheme://host:port/path` of a request: never the query (SAS and function keys travel there).
    public static func `where`(_ r: URLRequest) -> String {
        guard let u = r.url, var c = URLComponents(url: u, resolvingAgainstBaseURL: false) else { return "?" }
        c.query = nil
        return c.string ?? "?"
    }

    static func describe(_ error: any Error) -> String {
        if let u = error as? URLError { return "\(u.localizedDescription) (URLError \(u.code.rawValue))" }
        return "\(error)"
    }
}

/// RFC 1123 dates (`Thu, 27 Apr 2017 00:51:12 GMT`), as `x-ms-date` and `Date` want them.
public enum HTTPDate {
    public static func string(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return f.string(from: date)
    }
    public static func parse(_ s: String) -> Date? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return f.date(from: s)
    }
}
