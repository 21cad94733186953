public import LightningProtocol

/// The contract's error messages, in one place so that every operation words them the same
/// way (docs/plugin-abi.md#storage). Each returns the `WireError` to throw.
public enum StorageError {
    public static func containerNotFound(_ container: String) -> WireError {
        WireError(.notFound, "container \"\(container)\" does not exist")
    }

    public static func documentNotFound(_ id: String, partitionKey: String, container: String) -> WireError {
        WireError(.notFound, "document \"\(id)\" (partition \"\(partitionKey)\") not found in container \"\(container)\"")
    }

    public static func documentExists(_ id: String, partitionKey: String, container: String) -> WireError {
        WireError(.conflict, "document \"\(id)\" (partition \"\(partitionKey)\") already exists in container \"\(container)\"")
    }

    /// If-Match given and not equal to the current ETag; `current` is nil when the document
    /// does not exist (an upsert with If-Match of a missing document).
    public static func etagMismatch(_ id: String, ifMatch: String, current: String?) -> WireError {
        WireError(.preconditionFailed, "etag mismatch for document \"\(id)\": If-Match \(quoted(ifMatch)), current "
            + (current.map(quoted) ?? "none (the document does not exist)"))
    }

    /// ETags already carry their own quotes (`"5f2a…"`); a value without them is quoted here.
    private static func quoted(_ s: String) -> String {
        s.count >= 2 && s.hasPrefix("\"") && s.hasSuffix("\"") ? s : "\"\(s)\""
    }
}
