import Crypto
import Foundation
import LightningProtocol

/// Cosmos DB master-key authorization (the `Authorization` header of every REST request).
///
/// ```
/// "GET" "/dbs/ToDoList" ──resource(forPath:)──► type "dbs", link "dbs/ToDoList"
///        │
///        ▼  stringToSign: lower(verb)\n lower(type)\n link\n lower(x-ms-date)\n \n
///  HMAC-SHA256(base64-decoded key) ─► base64 sig ─► "type=master&ver=1.0&sig=<sig>" ─► URL-encoded
/// ```
///
/// The resource link keeps its case (name-based links are case-sensitive); everything else is
/// lowercased. The trailing empty line is the HTTP `Date` header slot, empty because only
/// `x-ms-date` is sent. See /work/shared/design/reference/azure-docker-protocols.md §1.1 and
/// Microsoft's "Access control in the Azure Cosmos DB SQL API".
///
/// The key is held only as decoded bytes; `description` never shows it.
public struct CosmosAuth: Sendable, CustomStringConvertible {
    private let key: Data

    /// - Parameter key: the account key as it appears in the connection string (base64).
    /// - Throws: `WireError(.invalidArgument)` when the key is not base64 (without quoting it).
    public init(key: Secret) throws {
        let trimmed = key.exposed.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, let bytes = Data(base64Encoded: trimmed), !bytes.isEmpty else {
            throw WireError(.invalidArgument,
                            "Cosmos DB account key: expected the base64 key from the portal or connection string (AccountKey=), got \(trimmed.count) characters that are not base64")
        }
        self.key = bytes
    }

    public var description: String { "CosmosAuth(key: ***)" }

    /// The exact text that is signed.
    public static func stringToSign(verb: String, resourceType: String, resourceLink: String, date: String) -> String {
        "\(verb.lowercased())\n\(resourceType.lowercased())\n\(resourceLink)\n\(date.lowercased())\n\n"
    }

    /// The base64 HMAC-SHA256 signature (before URL-encoding).
    public func signature(verb: String, resourceType: String, resourceLink: String, date: String) -> String {
        let text = Self.stringToSign(verb: verb, resourceType: resourceType, resourceLink: resourceLink, date: date)
        let mac = HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: SymmetricKey(data: key))
        return Data(mac).base64EncodedString()
    }

    /// `type=master&ver=1.0&sig=<sig>`, not yet URL-encoded.
    public func token(verb: String, resourceType: String, resourceLink: String, date: String) -> String {
        "type=master&ver=1.0&sig=" + signature(verb: verb, resourceType: resourceType, resourceLink: resourceLink, date: date)
    }

    /// The `Authorization` header value: the token URL-encoded as the Python SDK does
    /// (`quote(token, "-_.!~*'()")`, uppercase hex).
    public func authorization(verb: String, resourceType: String, resourceLink: String, date: String) -> String {
        Self.urlEncode(token(verb: verb, resourceType: resourceType, resourceLink: resourceLink, date: date))
    }

    /// The `Authorization` header for a request on `path` (unescaped, e.g. `/dbs/d/colls/c/docs`).
    public func authorization(verb: String, path: String, date: String) -> String {
        let r = Self.resource(forPath: path)
        return authorization(verb: verb, resourceType: r.type, resourceLink: r.link, date: date)
    }

    /// Resource type and link of a REST path (unescaped segments):
    /// - odd number of segments (ends in a type, a feed): the type is the last segment, the link
    ///   the path before it: `/dbs/d/colls/c/docs` → (`docs`, `dbs/d/colls/c`); `/dbs` → (`dbs`, ``).
    /// - even number (ends in an id): the type is the segment before the id, the link the whole
    ///   path: `/dbs/d/colls/c/docs/i` → (`docs`, `dbs/d/colls/c/docs/i`).
    /// - `/` (the database account): (``, ``).
    public static func resource(forPath path: String) -> (type: String, link: String) {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if segments.isEmpty { return ("", "") }
        if segments.count % 2 == 1 {
            return (segments[segments.count - 1], segments.dropLast().joined(separator: "/"))
        }
        return (segments[segments.count - 2], segments.joined(separator: "/"))
    }

    /// Percent-encodes everything but ASCII letters, digits and `-_.!~*'()` (uppercase hex).
    public static func urlEncode(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "!"), UInt8(ascii: "~"),
                 UInt8(ascii: "*"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
