/// The REST API's one description: the OpenAPI 3.1 document `Host/API/openapi.json`, embedded
/// in the binary at build time by the EmbedFiles plugin. `GET /openapi.json` serves these bytes
/// unchanged (docs/api.md).
public enum APISpec {
    /// The document's bytes, exactly as in the repository.
    public static let openAPIJSON: [UInt8] = {
        guard let bytes = EmbeddedFiles.all["openapi.json"] else {
            fatalError("Host/API/openapi.json was not embedded: Package.swift must apply the EmbedFiles plugin to LightningAPISpec")
        }
        return bytes
    }()
}
