import LightningProtocol

/// The naming rules of the storage contract, checked before any database work.
public enum StorageNames {
    public static let maxLength = 255

    /// Container names: 1 to 255 characters of `[A-Za-z0-9_.-]`.
    /// - Throws: `WireError(.invalidArgument)` quoting the name.
    public static func checkContainer(_ name: String) throws {
        let ok = (1...maxLength).contains(name.utf8.count) && name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
                || c == 0x5f || c == 0x2d || c == 0x2e
        }
        guard ok else {
            throw WireError(.invalidArgument,
                            "container name \(JSONValue.string(name)): expected 1 to 255 characters of letters, digits, '_', '-' or '.'")
        }
    }

    /// Document ids (Cosmos DB rules): 1 to 255 characters (Unicode scalars), none of `/ \ ? #`.
    /// - Throws: `WireError(.invalidArgument)` naming the field `id`.
    public static func checkId(_ id: String) throws {
        let scalars = id.unicodeScalars
        let forbidden: Set<Unicode.Scalar> = ["/", "\\", "?", "#"]
        guard (1...maxLength).contains(scalars.count), !scalars.contains(where: forbidden.contains) else {
            throw WireError(.invalidArgument,
                            "field \"id\": expected 1 to 255 characters without '/', '\\', '?' or '#', got \(JSONValue.string(id))")
        }
    }

    /// The names of a `storage.query` where key: `"address.city"` → `["address", "city"]`.
    /// - Throws: `WireError(.invalidArgument)` when a segment is empty or contains `"`, `\` or a
    ///   control character (the SQLite provider's path syntax cannot express them portably, and
    ///   every provider refuses the same keys).
    public static func whereSegments(_ key: String) throws -> [String] {
        let segments = key.split(separator: ".", omittingEmptySubsequences: false)
        let bad = segments.contains { s in
            s.isEmpty || s.unicodeScalars.contains { $0 == "\"" || $0 == "\\" || $0.value < 0x20 }
        }
        if bad {
            throw WireError(.invalidArgument,
                            "field \"where\" key \(JSONValue.string(key)): expected a dotted path of non-empty names without '\"', '\\' or control characters")
        }
        return segments.map(String.init)
    }
}
