import Foundation
import Hummingbird
import LightningProtocol
import Logging
import NIOCore
import OpenAPIRuntime

/// How every route answers: JSON bodies, and one mapping from errors to statuses:
/// `{"error": {"code": "not_found", "message": "..."}}`.
enum APIResponse {
    static let jsonHeaders: HTTPFields = [.contentType: "application/json; charset=utf-8"]

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var h = jsonHeaders
        h.append(contentsOf: headers)
        let data = Wire.encodeOrError(value)
        return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func noContent(headers: HTTPFields = [:]) -> Response { Response(status: .noContent, headers: headers) }

    static func status(for code: WireError.Code) -> HTTPResponse.Status {
        switch code {
        case .notFound: return .notFound
        case .conflict: return .conflict
        case .preconditionFailed: return .preconditionFailed
        case .invalidArgument: return .badRequest
        case .unsupported: return .notImplemented  // HTTP 501 for the `unsupported` code (a provider lacks the method), not a stub
        case .unavailable: return .serviceUnavailable
        case .timeout: return .gatewayTimeout
        case .throttled: return .tooManyRequests
        case .unauthenticated: return .badGateway  // an upstream refused the provider; the API's own 401 is AuthMiddleware's
        case .permissionDenied: return .forbidden
        case .payloadTooLarge: return .contentTooLarge
        case .headersTooLarge: return .requestHeaderFieldsTooLarge
        case .uriTooLong: return .uriTooLong
        case .requestTimeout: return .requestTimeout
        default: return .internalServerError
        }
    }

    /// The status `error(_:logger:)` answers for `error` (the audit records it for a handler
    /// that threw).
    static func status(of error: any Error) -> HTTPResponse.Status {
        if let s = error as? ServerError { return status(of: unwrap(s)) }
        if let w = error as? WireError { return status(for: w.code) }
        if let h = error as? HostError { return status(for: h.wireError.code) }
        if let e = error as? HTTPError { return e.status }
        return .internalServerError
    }

    /// Maps any error to its response: the one place a handler's thrown error becomes its answer
    /// (`JSONErrorMiddleware` calls it; handlers just throw). Unexpected errors are logged with
    /// an id the body names.
    static func error(_ error: any Error, logger: Logger) -> Response {
        struct Body: Encodable { var error: WireError }
        if let s = error as? ServerError { return self.error(unwrap(s), logger: logger) }
        if let w = error as? WireError { return json(Body(error: w), status: status(of: w)) }
        if let h = error as? HostError { return json(Body(error: h.wireError), status: status(of: h)) }
        if let e = error as? HTTPError {
            return json(Body(error: WireError(e.status == .notFound ? .notFound : .invalidArgument, e.body ?? "\(e.status)")), status: status(of: e))
        }
        let id = UUID().uuidString.prefix(8).lowercased()
        logger.error("request failed (error id \(id)): \(error)")
        return json(Body(error: WireError(.internal, "internal error (id \(id)); see the daemon log")), status: .internalServerError)
    }
}

extension APIResponse {
    /// What a generated operation's `ServerError` stands for (`TypedAPI`): the error its handler
    /// or a middleware threw (a `WireError` answers as from any route); a request the generated
    /// code could not turn into the operation's input is a `WireError(.invalidArgument)` naming
    /// what was wrong (`requestError`); anything else stays as it is (500, logged with an id).
    static func unwrap(_ s: ServerError) -> any Error {
        var underlying = s.underlyingError
        while let inner = underlying as? ServerError { underlying = inner.underlyingError }
        if underlying is WireError || underlying is HostError || underlying is HTTPError { return underlying }
        guard s.operationInput == nil else { return underlying }
        return requestError(s, underlying: underlying)
    }

    /// A request the generated code refused, in the API's words: the body, parameter or header
    /// and what was expected.
    static func requestError(_ s: ServerError, underlying: any Error) -> WireError {
        if let d = underlying as? DecodingError { return WireError(.invalidArgument, "request: \(Wire.describe(d))") }
        let cause = s.causeDescription
        if cause == "Missing required request body" { return WireError(.invalidArgument, "request body: expected JSON, got an empty body") }
        return WireError(.invalidArgument, "request: \(cause.hasSuffix(".") ? String(cause.dropLast()) : cause)")
    }
}

extension Request {
    /// The body decoded as `T`; malformed JSON and missing fields become 400 with the field named,
    /// a body over `limit` (or over the listener's `http.max_body_bytes`) 413 `payload_too_large`,
    /// JSON past the shape limits (`JSONShapeLimits`: depth, string and member counts) 400 or 413.
    mutating func decode<T: Decodable>(_ type: T.Type, limit: Int = 4 << 20, allowEmpty: Bool = false) async throws -> T {
        try Wire.decode(T.self, from: try await bodyJSON(limit: limit, allowEmpty: allowEmpty), what: "request body")
    }

    /// The body's bytes, checked against the size and the JSON shape limits (`{}` for an empty
    /// body with `allowEmpty`), for a handler that decodes them itself.
    mutating func bodyJSON(limit: Int = 4 << 20, allowEmpty: Bool = false) async throws -> Data {
        let buffer: ByteBuffer
        do { buffer = try await collectBody(upTo: limit) } catch is NIOTooManyBytesError {
            throw WireError(.payloadTooLarge, "request body: expected at most \(limit) bytes, got more")
        } catch let e as RequestBodyTooLarge {
            throw WireError(.payloadTooLarge, e.description)
        } catch {
            throw WireError(.invalidArgument, "request body: \(error)")
        }
        var data = Data(buffer.readableBytesView)
        if data.isEmpty {
            guard allowEmpty else { throw WireError(.invalidArgument, "request body: expected JSON, got an empty body") }
            data = Data("{}".utf8)
        }
        try Self.checkShape(data)
        return data
    }

    /// Refuses a body whose JSON passes the listener's shape limits (`JSONShapeLimits`).
    static func checkShape(_ data: Data) throws {
        let limits = JSONShapeLimits.current
        try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) throws in try JSONShape.check(bytes, limits: limits) }
    }

    func query(_ name: String) -> String? { uri.queryParameters.get(name) }

    func queryInt(_ name: String, range: ClosedRange<Int>) throws -> Int? {
        guard let s = query(name) else { return nil }
        guard let i = Int(s), range.contains(i) else {
            throw WireError(.invalidArgument, "query parameter \"\(name)\": expected an integer from \(range.lowerBound) to \(range.upperBound), got \"\(s)\"")
        }
        return i
    }

    func queryList(_ name: String) -> [String]? {
        let all = uri.queryParameters.getAll(name).flatMap { $0.split(separator: ",").map(String.init) }
        return all.isEmpty ? nil : all
    }
}

extension Parameters {
    func string(_ name: String) throws -> String {
        guard let v = get(name) else { throw WireError(.invalidArgument, "path parameter \"\(name)\" missing") }
        return v.removingPercentEncoding ?? v
    }
}
