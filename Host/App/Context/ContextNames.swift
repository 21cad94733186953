/// The rules for names and paths of the Context Hub, checked before any storage work
/// (docs/context-hub.md#names-and-limits). Every error names the field and the value.
public enum ContextNames {
    /// Longest name, in UTF-8 bytes.
    public static let maxNameBytes = 255
    /// Most folders between an owner's root and a document.
    public static let maxDepth = 32
    /// Largest content of one document, in UTF-8 bytes (1 MiB: a version document stays well
    /// under Cosmos DB's 2 MB item limit).
    public static let maxContentBytes = 1 << 20
    /// Longest principal (owner) name, in UTF-8 bytes.
    public static let maxPrincipalBytes = 128

    /// A document or folder name: 1–255 bytes, not `.` or `..`, no `/`, no control characters,
    /// no leading or trailing white space.
    public static func checkName(_ name: String, field: String = "name") throws(ContextInputError) {
        if name.isEmpty { throw .init(field, "must not be empty") }
        if name.utf8.count > maxNameBytes { throw .init(field, "is \(name.utf8.count) bytes; at most \(maxNameBytes) allowed", value: name) }
        if name == "." || name == ".." { throw .init(field, "must not be \".\" or \"..\" (no path traversal)", value: name) }
        if name.contains("/") { throw .init(field, "must not contain '/' (use the parent folder instead)", value: name) }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
            throw .init(field, "must not contain control characters", value: name)
        }
        if name.first!.isWhitespace || name.last!.isWhitespace { throw .init(field, "must not start or end with white space", value: name) }
    }

    /// An owner (principal) name: 1–128 bytes of letters, digits, `-`, `_`, `.`, `:` and `@`.
    public static func checkOwner(_ owner: String, field: String = "owner") throws(ContextInputError) {
        let ok = (1...maxPrincipalBytes).contains(owner.utf8.count) && owner != "." && owner != ".."
            && owner.unicodeScalars.allSatisfy { ($0.properties.isAlphabetic && $0.isASCII) || ("0"..."9").contains($0) || "-_.:@".unicodeScalars.contains($0) }
        if !ok { throw .init(field, "expected 1–\(maxPrincipalBytes) letters, digits, '-', '_', '.', ':' or '@'", value: owner) }
    }

    /// A path inside one owner's tree: `/a/b/c` (the leading `/` optional; `/` alone is the
    /// root). Returns the names, root first.
    public static func split(path: String, field: String = "path") throws(ContextInputError) -> [String] {
        var p = Substring(path)
        if p.hasPrefix("/") { p = p.dropFirst() }
        if p.hasSuffix("/") { p = p.dropLast() }
        if p.isEmpty { return [] }
        let parts = p.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts.count > maxDepth + 1 { throw .init(field, "has \(parts.count) parts; at most \(maxDepth + 1) allowed", value: path) }
        for (i, n) in parts.enumerated() {
            if n.isEmpty { throw .init(field, "part \(i + 1) is empty (\"//\")", value: path) }
            do { try checkName(n, field: "\(field) part \(i + 1)") } catch { throw error }
        }
        return parts
    }

    /// A document's content: at most `maxContentBytes` bytes.
    public static func checkContent(_ content: String, field: String = "content") throws(ContextInputError) {
        let n = content.utf8.count
        if n > maxContentBytes { throw .init(field, "is \(n) bytes; at most \(maxContentBytes) (1 MiB) allowed") }
    }
}

/// Bad input: the field, what was wrong and the value (HTTP 400).
public struct ContextInputError: Error, Equatable, CustomStringConvertible {
    public var field: String
    public var problem: String
    public var value: String?
    public init(_ field: String, _ problem: String, value: String? = nil) { self.field = field; self.problem = problem; self.value = value }
    public var description: String {
        if let value { return "field \"\(field)\" \(value.prefix(80).debugDescription): \(problem)" }
        return "field \"\(field)\": \(problem)"
    }
}
