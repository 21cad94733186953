import Foundation
import LightningProtocol

/// An Azure connection string (`AccountEndpoint=https://a.documents.azure.com:443/;AccountKey=...;`,
/// `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=...;SharedAccessKey=...`):
/// `;`-separated `Key=Value` pairs. Keys are matched without regard to case, values are kept as
/// written (a value may itself contain `=`, as base64 keys do).
///
/// `description` never shows a value: connection strings carry secrets.
public struct ConnectionString: Sendable, CustomStringConvertible {
    private let pairs: [String: String]
    /// The keys as written, for error messages.
    public let keys: [String]

    /// - Parameter what: names the setting in errors (`config "connection_string"`).
    /// - Throws: `WireError(.invalidArgument)` naming the malformed part (without its value).
    public init(_ text: String, what: String) throws {
        var pairs: [String: String] = [:]
        var keys: [String] = []
        for (i, part) in text.split(separator: ";", omittingEmptySubsequences: true).enumerated() {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let eq = trimmed.firstIndex(of: "="), eq != trimmed.startIndex else {
                throw WireError(.invalidArgument, "\(what): part \(i + 1) is not Key=Value")
            }
            let key = String(trimmed[..<eq])
            pairs[key.lowercased()] = String(trimmed[trimmed.index(after: eq)...])
            keys.append(key)
        }
        guard !pairs.isEmpty else { throw WireError(.invalidArgument, "\(what): empty connection string") }
        self.pairs = pairs
        self.keys = keys
    }

    public subscript(_ key: String) -> String? { pairs[key.lowercased()] }

    /// The value of `key`, or an error naming the missing key and the keys that were given.
    public func require(_ key: String, what: String) throws -> String {
        guard let v = self[key], !v.isEmpty else {
            throw WireError(.invalidArgument, "\(what): missing \(key)= (has: \(keys.joined(separator: ", ")))")
        }
        return v
    }

    public var description: String { "ConnectionString(keys: \(keys.joined(separator: ", ")))" }
}

