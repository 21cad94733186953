import CHostShims
#if canImport(Glibc)
import Glibc
#endif
public import NIOCore

/// The process at the other end of a unix socket connection, as the kernel recorded it when it
/// connected (`SO_PEERCRED`): it cannot be forged by the peer. Set by the unix listener for the
/// request's task (a task-local, as `Principal`), read by `AuthMiddleware`.
public struct PeerCredentials: Sendable, Equatable, CustomStringConvertible {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid; self.uid = uid; self.gid = gid
    }

    /// The peer of the request being handled; nil for a TCP request.
    @TaskLocal public static var current: PeerCredentials?

    public var description: String { "pid \(pid), uid \(uid), gid \(gid)" }

    /// `struct ucred` (Linux): the same three 32-bit fields in the same order.
    private struct UCred { var pid: Int32 = 0; var uid: UInt32 = 0; var gid: UInt32 = 0 }

    /// Reads the credentials of `channel`'s peer. Call on the channel's event loop.
    /// - Returns: a failed future when the channel is not a socket or `getsockopt` fails.
    static func read(from channel: any Channel) -> EventLoopFuture<PeerCredentials> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(SystemCallFailed(call: "getsockopt(SO_PEERCRED) on \(type(of: channel))", errno: 95))  // EOPNOTSUPP
        }
        let future: EventLoopFuture<UCred> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(lt_shim_so_peercred()))
        return future.map { PeerCredentials(pid: $0.pid, uid: $0.uid, gid: $0.gid) }
    }
}
