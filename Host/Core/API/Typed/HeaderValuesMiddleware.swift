import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Header values as HTTP carries them, not percent-encoded. swift-openapi-runtime 1.x codes
/// header parameters and response headers as URI components (`"abc"` becomes `%22abc%22`),
/// which breaks entity tags (`ETag`, `If-Match`) and every client that reads them as RFC 9110
/// says; OpenAPI 3.1.1 and later say header values are not percent-encoded
/// (swift-openapi-generator issues 529, 827 and 857, whose maintainers point to a middleware).
/// This one percent-encodes the request's header parameters the document declares before the
/// generated code decodes them, and decodes the response's header values after it encoded them,
/// so what crosses the wire is the value itself.
struct HeaderValuesMiddleware: ServerMiddleware {
    /// The header parameters the document declares (`in: header`), from the rules
    /// `ParametersMiddleware` read from it.
    static let declaredRequestHeaders: Set<HTTPField.Name> = Set(
        ParametersMiddleware.rules.values.joined().filter { $0.location == .header }.compactMap { HTTPField.Name($0.name) })

    /// What the URI decoder gives back unchanged: RFC 3986's unreserved characters.
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    func intercept(_ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
                   next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?))
        async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        for name in Self.declaredRequestHeaders {
            guard let value = request.headerFields[name] else { continue }
            request.headerFields[name] = value.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? value
        }
        var (response, responseBody) = try await next(request, body, metadata)
        response.headerFields = HTTPFields(response.headerFields.map { field in
            guard field.value.contains("%"), let decoded = field.value.removingPercentEncoding else { return field }
            return HTTPField(name: field.name, value: decoded)
        })
        return (response, responseBody)
    }
}
