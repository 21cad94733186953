import Foundation
import HTTPTypes
import LightningProtocol
import OpenAPIRuntime

/// The body checks every hand-registered route makes with `Request.bodyJSON`, made once for the
/// generated operations before their body is decoded: at most `limit` bytes (413
/// `payload_too_large`; the listener's `http.max_body_bytes` also holds), and JSON within the
/// listener's shape limits (`JSONShapeLimits`: depth, string and member counts; 400 or 413).
/// A body that passes is handed on as the bytes read.
struct RequestBodyLimitsMiddleware: ServerMiddleware {
    var limit = 4 << 20

    func intercept(_ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
                   next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?))
        async throws -> (HTTPResponse, HTTPBody?) {
        guard let body, request.method != .get, request.method != .head, request.method != .delete else {
            return try await next(request, body, metadata)
        }
        let tooLarge = WireError(.payloadTooLarge, "request body: expected at most \(limit) bytes, got more")
        if case .known(let n) = body.length, n > limit { throw tooLarge }
        var bytes: [UInt8] = []
        do {
            for try await chunk in body {
                guard bytes.count + chunk.count <= limit else { throw tooLarge }
                bytes.append(contentsOf: chunk)
            }
        } catch let e as RequestBodyTooLarge {
            throw WireError(.payloadTooLarge, e.description)
        }
        if !bytes.isEmpty, Self.isJSON(request.headerFields[.contentType], operationID: operationID) {
            try bytes.withUnsafeBytes { try JSONShape.check($0, limits: JSONShapeLimits.current) }
        }
        // An empty body is no body: an operation that needs one answers "expected JSON, got an
        // empty body" (`APIResponse.requestError`), one whose body is optional runs without it.
        do {
            return try await RequestBodyBytes.$current.withValue(bytes) {
                try await next(request, bytes.isEmpty ? nil : HTTPBody(bytes), metadata)
            }
        } catch let e as ServerError where e.operationInput == nil && !bytes.isEmpty {
            // The generated code could not decode the body: say so in the API's words.
            guard let d = e.underlyingError as? DecodingError else { throw e }
            throw WireError(.invalidArgument, "request body: \(Self.describe(d))")
        }
    }

    /// `Wire.describe`, with the generated decoder's own wordings made plain.
    static func describe(_ error: DecodingError) -> String {
        let text = Wire.describe(error)
        guard case .dataCorrupted(let ctx) = error else { return text }
        let field = text.components(separatedBy: ": ").first ?? text
        if ctx.debugDescription.hasPrefix("Additional properties are disabled") {
            return "\(field): unknown (the document's schema has no such field; see /openapi.json)"
        }
        if ctx.debugDescription.hasPrefix("Cannot initialize "), let r = ctx.debugDescription.range(of: " from invalid String value ") {
            return "\(field): expected one of the values /openapi.json lists, got \"\(ctx.debugDescription[r.upperBound...])\""
        }
        return text
    }

    /// True for a JSON body (`application/json`, `+json`), and for one with no content type
    /// when the operation takes only JSON (the generated code then reads it as JSON; an
    /// operation that also takes text, such as a patch's diff, reads it as text).
    static func isJSON(_ contentType: String?, operationID: String) -> Bool {
        guard let c = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() else {
            let types = ParametersMiddleware.rules[operationID]?.first { $0.location == .body }.flatMap { rule -> [String]? in
                if case .oneOf(let t) = rule.kind { t } else { nil }
            } ?? []
            return types.allSatisfy { $0 == "application/json" || $0.hasSuffix("+json") }
        }
        return c == "application/json" || c.hasSuffix("+json")
    }
}

/// The body `RequestBodyLimitsMiddleware` read, for what the generated types cannot say:
/// whether a field was sent as `null` or left out (swift-openapi-generator decodes both to nil,
/// its issue 419: `updateTask` and `moveContextDocument`, where null clears a field and absent
/// keeps it), and the document a domain parser reads whole, with every problem and its path
/// (plans, instructions: `WholeBodyValidationMiddleware`).
enum RequestBodyBytes {
    @TaskLocal static var current: [UInt8] = []

    /// The current body as JSON (the typed body holds the same values; this keeps what the
    /// domain parsers read: unknown fields, nulls).
    static func json() throws -> JSONValue {
        try Wire.decode(JSONValue.self, from: Data(current), what: "request body")
    }

    /// The top-level fields of the current JSON body whose value is `null`.
    static func nullFields() -> Set<String> {
        guard !current.isEmpty, case .object(let o)? = try? Wire.decode(JSONValue.self, from: Data(current)) else { return [] }
        return Set(o.compactMap { $0.value == .null ? $0.key : nil })
    }
}
