import Foundation
import Hummingbird
import LightningAPIServer
import LightningProtocol
import Logging
import NIOCore
import OpenAPIHummingbird
import OpenAPIRuntime

/// The operations served through the code swift-openapi-generator makes from
/// `Host/API/openapi.json` (`LightningAPIServer`): their routes are registered by
/// `registerHandlers`, their query, path, header and body values arrive decoded as the document
/// types them, and each answer is one of the responses the document lists for it. An operation
/// added to the document's server config without a method here does not compile.
///
/// Errors take the same path as the hand-registered routes': a handler throws a `WireError`,
/// the generator wraps it in a `ServerError`, and `APIResponse.error` (called by
/// `JSONErrorMiddleware`) unwraps it and answers the one JSON error shape; a request the
/// generated code cannot decode is a 400 naming what was wrong (`APIResponse.requestError`).
/// Which operations have moved here is `Host/APIServer/openapi-generator-config.yaml`'s list.
struct TypedAPI: APIProtocol {
    let daemon: Daemon
    let logger: Logger

    /// Registers every generated operation on `router`.
    /// - Throws: what `registerHandlers` throws for a malformed server URL (none is configured).
    func register(on router: Router<BasicRequestContext>) throws {
        try registerHandlers(on: router, configuration: Self.configuration, middlewares: [HeaderValuesMiddleware(), ParametersMiddleware(), RequestBodyLimitsMiddleware(), WholeBodyValidationMiddleware(daemon: daemon)])
    }

    /// Compact JSON with sorted keys and unescaped slashes (what `Wire.encode` writes), and timestamps as the rest of
    /// the API writes and reads them (`APIDateTranscoder`).
    static let configuration = Configuration(dateTranscoder: APIDateTranscoder(), jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes])

    /// A generated body as a plain route answers it, encoded as the generated layer encodes it
    /// (sorted keys, `APIDateTranscoder`'s timestamps): for an alias the document does not list
    /// (`GET /v1/health`).
    static func response<T: Encodable>(_ body: T, status: HTTPResponse.Status) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, e in
            var c = e.singleValueContainer()
            try c.encode(try APIDateTranscoder().encode(date))
        }
        return Response(status: status, headers: APIResponse.jsonHeaders, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(body))))
    }
}

/// `raw` as the document's enum `T`.
/// - Throws: `WireError(.internal)` naming the value when the document does not list it.
func documented<T: RawRepresentable & CaseIterable>(_ raw: String, _ what: String) throws -> T where T.RawValue == String {
    guard let v = T(rawValue: raw) else {
        throw WireError(.internal, "\(what) \"\(raw)\" is not among the values Host/API/openapi.json lists (\(T.allCases.map(\.rawValue).joined(separator: ", ")))")
    }
    return v
}
