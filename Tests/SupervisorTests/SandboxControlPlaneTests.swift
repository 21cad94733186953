import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import HostCore
import LightningTestSupport
import Testing

/// Issue 17, item 10: a sandboxed child cannot reach the daemon's control plane, i.e. its TCP
/// port on loopback and its unix socket in the data folder (here: a listener on loopback and a
/// socket `lightning.sock` in the fixture's data folder, mode 0666 so that only the sandbox can
/// keep the child out). A networked sandbox shares the daemon's network namespace and connects to
/// the port; the daemon's listener then refuses it by the uid owning its socket (65534), which
/// `networkedChildsConnectionIsOwnedByTheSandboxUID` checks here and
/// `DaemonFrontDoorTests.loopbackClientWithTheSandboxUIDIsRefused` with the real daemon.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct SandboxControlPlaneTests {
    /// A unix socket listening at `path`, mode 0666.
    static func unixListener(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = b }
        }
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0 && listen(fd, 16) == 0 }
        }
        guard ok, chmod(path, 0o666) == 0 else { close(fd); throw TestFailure("unix listener \(path): \(String(cString: strerror(errno)))") }
        return fd
    }

    @Test(arguments: [SandboxPolicy.Profile.strict, .standard])
    func childWithoutNetworkReachesNeitherThePortNorTheSocket(profile: SandboxPolicy.Profile) async throws {
        let (tcp, port) = try SandboxIsolationTests.listener()
        defer { close(tcp) }
        let f = try SandboxFixture()
        let socketPath = f.dataDir.appendingPathComponent("lightning.sock").path
        let unix = try Self.unixListener(socketPath)
        defer { close(unix) }
        // The test itself reaches both (so a refusal below is the sandbox's doing).
        #expect(ControlPlaneProbe.connectUnix(socketPath) == 0)
        let p = await SandboxFixture.probe(f.child(["probe", "connect:\(port)", "connect-unix:\(socketPath)"], profile: profile) {
            $0.sandbox.network = false
        })
        #expect(p["connect:\(port)"]?.hasPrefix("error:") == true, "\(p)")
        #expect(p["connect-unix:\(socketPath)"]?.hasPrefix("error:") == true, "\(p)")
    }

    @Test func networkedChildReachesNotTheSocketAndItsTCPConnectionIsOwnedByTheSandboxUID() async throws {
        let (tcp, port) = try SandboxIsolationTests.listener()
        defer { close(tcp) }
        let f = try SandboxFixture()
        let socketPath = f.dataDir.appendingPathComponent("lightning.sock").path
        let unix = try Self.unixListener(socketPath)
        defer { close(unix) }
        let c = f.child(["probe", "connect-unix:\(socketPath)", "connect-hold:\(port)"], profile: .standard, name: "sbx-net") {
            $0.sandbox.network = true
        }
        c.start()
        let ready = await c.waitReady(timeout: .seconds(60))
        #expect(ready, "not ready: \(c.snapshot.lastExit?.reason ?? "-")")
        let p = SandboxFixture.probes(c)
        #expect(p["connect-unix:\(socketPath)"]?.hasPrefix("error:") == true, "\(p)")
        #expect(p["connect-hold:\(port)"] == "ok", "\(p)")
        // The child's connection, seen from the listener: its client socket belongs to uid 65534.
        var addr = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let conn = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(tcp, $0, &len) } }
        #expect(conn >= 0)
        defer { close(conn) }
        let clientPort = Int(UInt16(bigEndian: addr.sin_port))
        let owner = LoopbackPeer.owner(family: AF_INET, client: "127.0.0.1", clientPort: clientPort, server: "127.0.0.1", serverPort: port)
        #expect(owner == .uid(LoopbackPeer.sandboxUID))
        await c.stop()
    }
}

/// The test's own connect, to show the socket works outside the sandbox.
enum ControlPlaneProbe {
    static func connectUnix(_ path: String) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = b }
        }
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }
}
