import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
private let streamSocket = Int32(SOCK_STREAM.rawValue)
private let noSignal = Int32(MSG_NOSIGNAL)
#elseif canImport(Darwin)
import Darwin
private let streamSocket = SOCK_STREAM
private let noSignal: Int32 = 0
#endif

/// podman's Docker-compatible API service for the docker-containers tests, started once per
/// test process by `Tests/Fakes/podman-setup.sh` (or found running).
///
/// Where it looks, in order:
/// 1. `LT_PODMAN_SOCKET` (and `LT_PODMAN_ROOTFS` for the busybox tarball), when set;
/// 2. `$LT_PODMAN_DIR/podman.sock` (default `/tmp/lt-podman`), if it answers `/_ping`;
/// 3. otherwise, when `podman` is installed (or podman is required, see below), it runs the
///    setup script, which starts the service in the background (it outlives the test process,
///    and the next run finds it).
///
/// When none works the tests that need it are skipped with the reason on stderr, unless
/// `LT_REQUIRE_PODMAN=1` or `CI` is set: then `required` is true and the suites fail instead.
public enum PodmanService {
    public struct Endpoint: Sendable {
        /// The API socket path.
        public let socket: String
        /// A busybox root-filesystem tarball to import as an image.
        public let rootfsTarball: String
    }

    /// The service, or why it is not available (computed once).
    public static let state: Result<Endpoint, TestFailure> = locate()

    public static var endpoint: Endpoint? { try? state.get() }
    public static var isAvailable: Bool { endpoint != nil }
    /// Why the service is not available (nil when it is).
    public static var unavailableReason: String? {
        if case .failure(let e) = state { return e.description } else { return nil }
    }

    /// True when a missing service must fail the tests (`LT_REQUIRE_PODMAN=1`, or `CI` set).
    public static var required: Bool {
        let env = ProcessInfo.processInfo.environment
        return env["LT_REQUIRE_PODMAN"] == "1" || !(env["CI"] ?? "").isEmpty
    }

    /// `isAvailable`, printing the reason to stderr the first time it is false (for `.enabled(if:)`).
    public static var availableOrExplained: Bool {
        if let reason = unavailableReason { explainOnce(reason) }
        return isAvailable
    }

    private static let didExplain = Mutex(false)
    private static func explainOnce(_ reason: String) {
        guard didExplain.withLock({ done in defer { done = true }; return !done }) else { return }
        FileHandle.standardError.write(Data("podman tests skipped: \(reason)\n".utf8))
    }

    private static func locate() -> Result<Endpoint, TestFailure> {
        let env = ProcessInfo.processInfo.environment
        let dir = env["LT_PODMAN_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp/lt-podman"
        let rootfs = env["LT_PODMAN_ROOTFS"].flatMap { $0.isEmpty ? nil : $0 } ?? "\(dir)/busybox-rootfs.tar"
        if let socket = env["LT_PODMAN_SOCKET"], !socket.isEmpty {
            guard ping(socket) else { return .failure(TestFailure("LT_PODMAN_SOCKET=\(socket) does not answer GET /_ping")) }
            guard FileManager.default.fileExists(atPath: rootfs) else {
                return .failure(TestFailure("no busybox rootfs tarball at \(rootfs) (set LT_PODMAN_ROOTFS or run Tests/Fakes/podman-setup.sh)"))
            }
            return .success(Endpoint(socket: socket, rootfsTarball: rootfs))
        }
        let socket = "\(dir)/podman.sock"
        if ping(socket), FileManager.default.fileExists(atPath: rootfs) { return .success(Endpoint(socket: socket, rootfsTarball: rootfs)) }
        let installed = ["/usr/bin/podman", "/usr/local/bin/podman"].contains { FileManager.default.isExecutableFile(atPath: $0) }
        guard installed || required else {
            return .failure(TestFailure("podman is not installed; run `bash Tests/Fakes/podman-setup.sh` (installs podman, runc, busybox-static and starts the service)"))
        }
        let script = BuildProducts.repoRoot.appendingPathComponent("Tests/Fakes/podman-setup.sh").path
        do {
            let p = try TestProcess(URL(fileURLWithPath: "/bin/bash"), [script], environment: ["LT_PODMAN_DIR": dir])
            let code = waitBlocking(p.pid, timeoutSeconds: 600)
            let printed = p.stdout.split(separator: "\n").last.map(String.init) ?? ""
            guard code == 0, printed == socket, ping(socket) else {
                return .failure(TestFailure("Tests/Fakes/podman-setup.sh exited \(code.map(String.init) ?? "(timed out)"), printed \"\(printed)\"; stderr:\n\(p.stderr.suffix(2000))"))
            }
            return .success(Endpoint(socket: socket, rootfsTarball: rootfs))
        } catch {
            return .failure(TestFailure("could not run \(script): \(error)"))
        }
    }

    /// Waits for `pid` (polling); nil after `timeoutSeconds` (the process is killed).
    private static func waitBlocking(_ pid: pid_t, timeoutSeconds: Int) -> Int32? {
        for _ in 0..<(timeoutSeconds * 50) {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        return nil
    }

    /// True when `GET /_ping` on the unix socket answers 200 `OK` within 2 s.
    public static func ping(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, streamSocket, 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { return false }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { return false }
        var tv = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let request = Array("GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n".utf8)
        guard send(fd, request, request.count, noSignal) == request.count else { return false }
        var answer: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { break }
            answer.append(contentsOf: buf[0..<n])
        }
        let text = String(decoding: answer, as: UTF8.self)
        return text.hasPrefix("HTTP/1.1 200") && text.hasSuffix("OK")
    }
}
