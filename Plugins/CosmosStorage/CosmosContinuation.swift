import Foundation
import LightningProtocol

/// The opaque `continuation` of `storage.query`: base64url (no padding) of
/// `{"v":1,"q":"<fingerprint>","pk":"<last partition_key>","id":"<last id>"}`. The next page
/// starts strictly after (`pk`, `id`). The fingerprint covers the container, the partition
/// restriction and the where-clause (not `max_items`), so a token replayed with another query
/// is refused.
struct CosmosContinuation: Codable, Sendable, Equatable {
    static let currentVersion = 1

    var v: Int
    var q: String
    var pk: String
    var id: String

    init(fingerprint: String, partitionKey: String, id: String) {
        v = Self.currentVersion; q = fingerprint; pk = partitionKey; self.id = id
    }

    func encoded() throws -> String {
        try Wire.encode(self).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// - Throws: `WireError(.invalidArgument)` for a malformed token or one of another query.
    init(decoding text: String, expecting fingerprint: String) throws {
        var b64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        b64 += String(repeating: "=", count: (4 - b64.count % 4) % 4)
        guard let data = Data(base64Encoded: b64),
              let token = try? JSONDecoder().decode(CosmosContinuation.self, from: data),
              token.v == Self.currentVersion
        else {
            throw WireError(.invalidArgument, "continuation: not a token returned by storage.query of this provider")
        }
        guard token.q == fingerprint else {
            throw WireError(.invalidArgument, "continuation: token does not belong to this query")
        }
        self = token
    }

    /// FNV-1a (64-bit) of the canonical JSON of container, partition restriction and where-clause.
    static func fingerprint(container: String, partitionKey: String?, where clause: [String: JSONValue]) throws -> String {
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
