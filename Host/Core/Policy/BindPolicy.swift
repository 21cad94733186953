import Foundation

/// Where the daemon may listen without authentication: loopback only. Binding beyond loopback
/// with `auth: false` is refused at start (docs/security.md).
public enum BindPolicy {
    /// - Throws: `HostError(.configInvalid)` for a non-loopback `host` while authentication is off,
    ///   saying why and the two ways out.
    public static func check(host: String, authEnabled: Bool, hostSource: String, authSource: String) throws {
        guard !authEnabled, !isLoopback(host) else { return }
        throw HostError(.configInvalid, subject: "host",
            "refusing to listen on \(host) (from \(hostSource)) with authentication off (auth: false, from \(authSource)): anyone who can reach that address would control the daemon, which runs code as its user; turn authentication on (remove auth: false / LIGHTNING_AUTH=off) or listen on 127.0.0.1")
    }

    /// True for `localhost`, `127.0.0.0/8` and `::1`.
    public static func isLoopback(_ host: String) -> Bool {
        let h = host.trimmingCharacters(in: ["[", "]"]).lowercased()
        if h == "localhost" || h == "::1" || h == "0:0:0:0:0:0:0:1" { return true }
        let octets = h.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) else { return false }
        return octets[0] == "127"
    }
}
