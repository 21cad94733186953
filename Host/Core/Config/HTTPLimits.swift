/// What one HTTP listener accepts before it refuses or hangs up (docs/configuration.md,
/// key `http`; docs/reliability.md). Every limit answers with the API's JSON error body and
/// closes the connection; timeouts close it.
public struct HTTPLimits: Sendable, Equatable {
    /// Connections open at once on the TCP listener; nil = derived from the file-descriptor
    /// limit at start (`ConnectionBudget.cap`), with a reserve for children's pipes, plugins and
    /// the unix socket. At the cap, the connection idle longest is closed to admit a new one.
    public var maxConnections: Int? = nil
    /// A connection with no request in progress is closed after this long without a byte.
    public var idleTimeoutMs = 60_000
    /// A request's head (request line and headers) must arrive within this long of its first
    /// byte; else 408 and the connection is closed (slow-header clients).
    public var headerTimeoutMs = 10_000
    /// While a body is being read, the longest gap between two reads; else the connection is
    /// closed (slow-body clients).
    public var bodyTimeoutMs = 30_000
    /// Larger bodies are answered 413 (`Content-Length` at once; chunked as soon as it passes).
    public var maxBodyBytes = 4 << 20
    /// Larger request heads (all header lines) are answered 431.
    public var maxHeaderBytes = 32 << 10
    /// Longer request targets (path and query) are answered 414.
    public var maxURIBytes = 8 << 10
    /// JSON bodies nested deeper are answered 400 (`JSONShapeLimits`).
    public var maxJSONDepth = 64
    /// JSON bodies with a longer string (key or value, in bytes) are answered 413.
    public var maxJSONStringBytes = 1 << 20
    /// JSON bodies with an array or object of more members are answered 413.
    public var maxJSONElements = 10_000

    public init() {}

    /// The shape limits of JSON request bodies.
    var jsonShape: JSONShapeLimits {
        JSONShapeLimits(maxDepth: maxJSONDepth, maxStringBytes: maxJSONStringBytes, maxElements: maxJSONElements)
    }

    /// The config file's keys under `http`, with each field's accepted range.
    static var fields: [(key: String, path: WritableKeyPath<HTTPLimits, Int>, range: ClosedRange<Int>)] { [
        ("idle_timeout_ms", \.idleTimeoutMs, 100...86_400_000),
        ("header_timeout_ms", \.headerTimeoutMs, 100...3_600_000),
        ("body_timeout_ms", \.bodyTimeoutMs, 100...3_600_000),
        ("max_body_bytes", \.maxBodyBytes, 1...(1 << 30)),
        ("max_header_bytes", \.maxHeaderBytes, 1024...(1 << 20)),
        ("max_uri_bytes", \.maxURIBytes, 256...(1 << 20)),
        ("max_json_depth", \.maxJSONDepth, 2...1024),
        ("max_json_string_bytes", \.maxJSONStringBytes, 64...(1 << 30)),
        ("max_json_elements", \.maxJSONElements, 16...10_000_000),
    ] }
}
