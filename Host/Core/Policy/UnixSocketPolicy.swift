public import LightningProtocol

/// Who may use the daemon's unix socket (docs/security.md): the kernel tells the daemon the
/// peer's uid (`SO_PEERCRED`); the daemon's own uid is `admin` without a token, as are the uids
/// the operator lists in `unix_socket_allow_uids`; every other uid is refused (403), whatever it
/// sends. A pure rule, unit-tested in `FrontDoorTests`.
public struct UnixSocketPolicy: Sendable, Equatable {
    /// The uid the daemon runs as.
    public var daemonUID: UInt32
    /// Other uids given `admin` on the socket (`unix_socket_allow_uids`).
    public var allowedUIDs: Set<UInt32>

    public init(daemonUID: UInt32, allowedUIDs: Set<UInt32> = []) {
        self.daemonUID = daemonUID
        self.allowedUIDs = allowedUIDs
    }

    /// The principal a peer acts as, or the refusal naming its uid and the way to allow it.
    public func principal(for peer: PeerCredentials) -> Result<Principal, WireError> {
        guard peer.uid == daemonUID || allowedUIDs.contains(peer.uid) else {
            return .failure(WireError(.permissionDenied,
                "unix socket: uid \(peer.uid) (pid \(peer.pid)) may not use this socket: expected the daemon's uid \(daemonUID)\(allowedUIDs.isEmpty ? "" : " or one of \(allowedUIDs.sorted().map(String.init).joined(separator: ", "))") (config unix_socket_allow_uids); use TCP with a token"))
        }
        return .success(Principal(id: "unix:uid=\(peer.uid)", token: nil))
    }
}
