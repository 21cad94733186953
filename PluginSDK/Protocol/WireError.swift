/// The error every boundary carries: `{"code": "...", "message": "..."}`.
///
/// Codes are stable strings (they map to HTTP statuses in the API and to JSON-RPC error data in
/// the child protocol). New codes may be added; readers treat an unknown code as `internal`.
public struct WireError: Error, Codable, Sendable, Equatable, CustomStringConvertible {
    public struct Code: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(_ raw: String) { self.rawValue = raw }
        public var description: String { rawValue }

        /// The named thing does not exist (HTTP 404).
        public static let notFound = Code("not_found")
        /// It exists already (HTTP 409).
        public static let conflict = Code("conflict")
        /// An If-Match ETag did not match (HTTP 412).
        public static let preconditionFailed = Code("precondition_failed")
        /// The request was malformed or a value out of range (HTTP 400).
        public static let invalidArgument = Code("invalid_argument")
        /// The method or feature is not offered by this provider (HTTP 501).
        public static let unsupported = Code("unsupported")
        /// The provider cannot serve now; retrying may help (HTTP 503).
        public static let unavailable = Code("unavailable")
        /// The call did not complete in time (HTTP 504).
        public static let timeout = Code("timeout")
        /// The request was throttled; retry later (HTTP 429).
        public static let throttled = Code("throttled")
        /// A remote service (Cosmos DB, Service Bus, Azure, a container engine) refused the
        /// provider's credentials (its 401/403). Retrying will not help; fix the configuration
        /// (HTTP 502: the daemon's upstream failed, not the caller).
        public static let unauthenticated = Code("unauthenticated")
        /// The caller is known but not allowed to do this: its token lacks the scope, or the
        /// operator's policy forbids what the request asks for (HTTP 403).
        public static let permissionDenied = Code("permission_denied")
        /// A bug or an unexpected state (HTTP 500).
        public static let `internal` = Code("internal")
        /// The call was cancelled by the caller.
        public static let cancelled = Code("cancelled")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
