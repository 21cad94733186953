public import LightningProtocol

extension WireError.Code {
    /// The request body is larger than the listener or the route accepts (HTTP 413).
    public static let payloadTooLarge = WireError.Code("payload_too_large")
    /// The request head is larger than `http.max_header_bytes` (HTTP 431).
    public static let headersTooLarge = WireError.Code("headers_too_large")
    /// The request target is longer than `http.max_uri_bytes` (HTTP 414).
    public static let uriTooLong = WireError.Code("uri_too_long")
    /// The request head did not arrive within `http.header_timeout_ms` (HTTP 408).
    public static let requestTimeout = WireError.Code("request_timeout")
}

/// Raised into a request's body stream when the body passes `http.max_body_bytes` while it
/// arrives (chunked): the route reading it fails with 413, and the connection is closed after
/// that answer.
struct RequestBodyTooLarge: Error, Sendable, CustomStringConvertible {
    var limit: Int
    var description: String { "request body: expected at most \(limit) bytes (http.max_body_bytes), got more" }
}
