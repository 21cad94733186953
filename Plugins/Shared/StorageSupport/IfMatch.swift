public import LightningProtocol

/// The `if_match` rules of the storage contract (docs/plugin-abi.md#storage-etags-and-if_match),
/// with the contract's messages, for every provider to share:
///
/// ```
/// if_match:  nil ──▶ no condition
///            "*" ──▶ the document must exist
///            "\"…\"" (strong tag) ──▶ the current etag must equal it
///            W/"…", unquoted, "", a list ──▶ invalid_argument (before any work)
/// ```
public enum IfMatch {
    /// The longest entity tag accepted, quotes included.
    public static let maxLength = 130

    /// Refuses an `if_match` that is neither `*` nor a strong entity tag.
    /// - Throws: `WireError(.invalidArgument)` naming the field and the value.
    public static func validate(_ ifMatch: String?) throws {
        guard let ifMatch, ifMatch != "*", !isStrongTag(ifMatch) else { return }
        throw WireError(.invalidArgument,
                        "field \"if_match\": expected a strong entity tag in quotes (\"…\") or *, got \(ifMatch.isEmpty ? "an empty string" : ifMatch)")
    }

    /// `storage.create` takes no `if_match`.
    /// - Throws: `WireError(.invalidArgument)` when one is given.
    public static func refuseOnCreate(_ ifMatch: String?) throws {
        guard ifMatch != nil else { return }
        throw WireError(.invalidArgument, "field \"if_match\": storage.create takes no if_match (use storage.replace or storage.upsert)")
    }

    /// Checks a validated `if_match` against the document's current ETag (`current` nil: the
    /// document does not exist, which only `storage.upsert` asks about; the other methods
    /// answer `not_found` first).
    /// - Throws: `WireError(.preconditionFailed)` (`StorageError.etagMismatch`) on a mismatch.
    public static func check(_ ifMatch: String?, id: String, current: String?, exists: Bool = true) throws {
        guard let ifMatch else { return }
        if !exists { throw StorageError.etagMismatch(id, ifMatch: ifMatch, current: nil) }
        if ifMatch == "*" || ifMatch == current { return }
        throw StorageError.etagMismatch(id, ifMatch: ifMatch, current: current)
    }

    /// `"` + 1 to 128 characters of `!` or `#`…`~` + `"` (RFC 9110's `etagc`, ASCII only).
    public static func isStrongTag(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.count >= 3, b.count <= maxLength, b.first == 0x22, b.last == 0x22 else { return false }
        return b.dropFirst().dropLast().allSatisfy { $0 == 0x21 || (0x23...0x7e).contains($0) }
    }
}
