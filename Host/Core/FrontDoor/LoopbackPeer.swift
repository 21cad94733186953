import CHostShims
#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// Who holds the client end of a loopback TCP connection: the kernel's record of that socket's
/// owner (`NETLINK_SOCK_DIAG`, an exact lookup by the connection's four addresses, as `ss` does).
/// Sandboxed children (profiles `standard` and `strict`) run as uid 65534 on the host
/// (`SandboxPlan`), so the TCP listener refuses loopback connections owned by that uid: a
/// networked sandbox, which shares the daemon's network namespace, cannot use its port.
enum LoopbackPeer {
    /// The host uid of sandboxed children (`SandboxPlan.uid`, mapped 1:1 outside).
    static let sandboxUID: UInt32 = 65534

    enum Lookup: Equatable {
        /// Not a loopback connection: the peer is on another host (or a network namespace of its own).
        case notLoopback
        case uid(UInt32)
        /// The kernel did not say (errno): the connection is let through, and still needs a token.
        case unknown(Int32)
    }

    /// Looks up the owner of `channel`'s peer socket. Call on the channel's event loop.
    static func lookup(_ channel: any Channel) -> Lookup {
        guard let remote = channel.remoteAddress, let local = channel.localAddress,
              let rip = remote.ipAddress, let lip = local.ipAddress, let rport = remote.port, let lport = local.port else { return .notLoopback }
        let family: Int32
        switch remote.protocol {
        case .inet: family = AF_INET
        case .inet6: family = AF_INET6
        default: return .notLoopback
        }
        return owner(family: family, client: rip, clientPort: rport, server: lip, serverPort: lport)
    }

    /// The owner of the TCP socket `client:clientPort` connected to `server:serverPort` (addresses as text).
    static func owner(family: Int32, client: String, clientPort: Int, server: String, serverPort: Int) -> Lookup {
        guard let ra = bytes(client, family), let la = bytes(server, family) else { return .notLoopback }
        let loopback = family == AF_INET ? ra[0] == 127 : (ra.prefix(15).allSatisfy { $0 == 0 } && ra[15] == 1)
        guard loopback else { return .notLoopback }
        let rc = lt_shim_tcp_socket_uid(family, ra, UInt16(clientPort), la, UInt16(serverPort))
        return rc >= 0 ? .uid(UInt32(rc)) : .unknown(Int32(-rc))
    }

    /// An address in network byte order (`inet_pton`).
    private static func bytes(_ text: String, _ family: Int32) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: family == AF_INET ? 4 : 16)
        return inet_pton(family, text, &out) == 1 ? out : nil
    }
}
