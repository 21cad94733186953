/// Temporary: replaced by the full document (in progress, not committed).
enum OpenAPIDocument {
    static let json = "{}"
}
