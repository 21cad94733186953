import Foundation
public import LightningProtocol

/// The opaque `continuation` of `storage.query`: where the previous page ended and which query
/// it belongs to. On the wire it is base64url (no padding) of
/// `{"v":1,"q":"<fingerprint>","pk":"<last partition_key>","id":"<last id>"}`.
///
/// The next page starts strictly after (`pk`, `id`) in (partition_key, id) order (keyset
/// pagination): documents written or deleted between pages never shift the others, and a page
/// costs the same however deep it is. The fingerprint covers the container, the partition
/// restriction and the where-clause (not `max_items`, which may change between pages), so a
/// token replayed with another query is refused instead of silently skipping documents.
///
/// Rationale: the token is not signed; forging one only lets a caller start a page at a key
/// of their choosing in a container they can already query.
public struct ContinuationToken: Codable, Sendable, Equatable {
    public static let currentVersion = 1

    public var v: Int
    public var q: String
    public var pk: String
    public var id: String

    public init(fingerprint: String, partitionKey: String, id: String) {
        v = Self.currentVersion; q = fingerprint; pk = partitionKey; self.id = id
    }

    /// The token text for the wire.
    public func encoded() throws -> String {
        try Wire.encode(self).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Reads a token and checks that it was issued for the query with `fingerprint`.
    /// - Throws: `WireError(.invalidArgument)` for a malformed token or one of another query.
    public init(decoding text: String, expecting fingerprint: String) throws {
        var b64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        b64 += String(repeating: "=", count: (4 - b64.count % 4) % 4)
        guard let data = Data(base64Encoded: b64),
              let token = try? JSONDecoder().decode(ContinuationToken.self, from: data),
              token.v == Self.currentVersion
        else {
            throw WireError(.invalidArgument, "continuation: not a token returned by storage.query of this provider")
        }
        guard token.q == fingerprint else {
            throw WireError(.invalidArgument, "continuation: token does not belong to this query")
        }
        self = token
    }

    /// The fingerprint of a query: FNV-1a (64-bit) of the canonical JSON of its container,
    /// partition restriction and where-clause, as 16 hex digits.
    public static func fingerprint(container: String, partitionKey: String?, where clause: [String: JSONValue]) throws -> String {
        let shape: JSONValue = [
            "container": .string(container),
            "partition_key": partitionKey.map(JSONValue.string) ?? .null,
            "where": .object(clause),
        ]
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in try Wire.encode(shape) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
