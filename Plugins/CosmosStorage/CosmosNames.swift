import LightningProtocol

/// The naming rules of the storage contract (the same as the SQLite provider's, which follow
/// Cosmos DB's id rules), checked before any request is sent.
enum CosmosNames {
    static let maxLength = 255

    /// Container names: 1 to 255 characters of `[A-Za-z0-9_.-]`.
    static func checkContainer(_ name: String) throws {
        let ok = (1...maxLength).contains(name.utf8.count) && name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
                || c == 0x5f || c == 0x2d || c == 0x2e
        }
        guard ok else {
            throw WireError(.invalidArgument,
                            "container name \(JSONValue.string(name)): expected 1 to 255 characters of letters, digits, '_', '-' or '.'")
        }
    }

    /// Document ids: 1 to 255 characters (Unicode scalars), none of `/ \ ? #`.
    static func checkId(_ id: String) throws {
        let scalars = id.unicodeScalars
        let forbidden: Set<Unicode.Scalar> = ["/", "\\", "?", "#"]
        guard (1...maxLength).contains(scalars.count), !scalars.contains(where: forbidden.contains) else {
            throw WireError(.invalidArgument,
                            "field \"id\": expected 1 to 255 characters without '/', '\\', '?' or '#', got \(JSONValue.string(id))")
        }
    }
}

/// The contract's error messages, worded as every storage provider words them
/// (docs/plugin-abi.md#storage).
enum CosmosStorageError {
    static func containerNotFound(_ container: String) -> WireError {
        WireError(.notFound, "container \"\(container)\" does not exist")
    }

    static func documentNotFound(_ id: String, partitionKey: String, container: String) -> WireError {
        WireError(.notFound, "document \"\(id)\" (partition \"\(partitionKey)\") not found in container \"\(container)\"")
    }

    static func documentExists(_ id: String, partitionKey: String, container: String) -> WireError {
        WireError(.conflict, "document \"\(id)\" (partition \"\(partitionKey)\") already exists in container \"\(container)\"")
    }

    /// If-Match given and not equal to the current ETag; `current` is nil when the document does not exist.
    static func etagMismatch(_ id: String, ifMatch: String, current: String?) -> WireError {
        WireError(.preconditionFailed, "etag mismatch for document \"\(id)\": If-Match \(quoted(ifMatch)), current "
            + (current.map(quoted) ?? "none (the document does not exist)"))
    }

    /// Cosmos ETags carry their own quotes (`"0000…"`); a value without them is quoted here.
    private static func quoted(_ s: String) -> String {
        s.count >= 2 && s.hasPrefix("\"") && s.hasSuffix("\"") ? s : "\"\(s)\""
    }
}
