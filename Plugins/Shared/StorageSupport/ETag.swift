/// ETags of stored documents (the SQLite and PostgreSQL providers): a quoted opaque string, `"` + 16 lowercase hex digits + `"`
/// (`"5f2a9c0d1e3b4a77"`), drawn fresh from the system's random generator on every write.
///
/// Rationale: random rather than a counter or a content hash, so that writing the same data
/// twice still yields two ETags (If-Match protects against lost updates, not against changes of
/// content) and so that an ETag reveals nothing about the document.
public enum ETag {
    public static func fresh() -> String {
        var rng = SystemRandomNumberGenerator()
        let hex = String(rng.next() as UInt64, radix: 16)
        return "\"" + String(repeating: "0", count: 16 - hex.count) + hex + "\""
    }
}
