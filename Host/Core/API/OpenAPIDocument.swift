public import LightningAPISpec

/// The OpenAPI 3.1 description of the REST API, served at `GET /openapi.json` (docs/api.md).
/// It lives in one file, `Host/API/openapi.json`, embedded at build time;
/// `Tests/HostCoreTests/OpenAPIDocumentTests.swift` checks that it lists exactly the served routes.
enum OpenAPIDocument {
    /// The document's bytes, served unchanged.
    static var bytes: [UInt8] { APISpec.openAPIJSON }
    /// The document as text (tests parse it).
    static let json = String(decoding: APISpec.openAPIJSON, as: UTF8.self)
}
