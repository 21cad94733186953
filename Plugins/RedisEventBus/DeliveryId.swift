/// A `delivery_id` of this bus: `<rank>-<stream entry id>:<lease token>`, e.g. `2-1732442400123-0:1f`.
///
/// The rank names the priority stream, the entry id the delivery in it, and the token the lease:
/// every lease of the entry gets a new token (a counter in Redis), so an id from a lease that
/// expired and was granted again no longer settles anything.
struct DeliveryId: Sendable, Equatable {
    let rank: Int
    let entry: String
    let token: String

    init?(_ text: String) {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let head = text[..<colon]
        let token = text[text.index(after: colon)...]
        guard !token.isEmpty, token.utf8.count <= 16, token.utf8.allSatisfy({ Self.isHex($0) }) else { return nil }
        let parts = head.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, let rank = Int(parts[0]), (0...3).contains(rank),
              Self.isDigits(parts[1]), Self.isDigits(parts[2]) else { return nil }
        self.rank = rank
        self.entry = "\(parts[1])-\(parts[2])"
        self.token = String(token)
    }

    /// The Lua-side arguments: rank, entry id, token.
    var scriptArgs: [String] { [String(rank), entry, token] }

    private static func isDigits(_ s: Substring) -> Bool {
        !s.isEmpty && s.utf8.count <= 20 && s.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
    }

    private static func isHex(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 97 && b <= 102)
    }
}
