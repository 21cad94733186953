public import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
private let streamSocket = Int32(SOCK_STREAM.rawValue)
private let noSignal = Int32(MSG_NOSIGNAL)
private let cloexec = Int32(SOCK_CLOEXEC.rawValue)
#elseif canImport(Darwin)
import Darwin
private let streamSocket = SOCK_STREAM
private let noSignal: Int32 = 0
private let cloexec: Int32 = 0
#endif

/// A real `redis-server` for tests, on a free loopback port with its own temporary directory,
/// started with `appendonly yes` and `appendfsync always` (every acknowledged write is fsynced).
///
/// The server runs under a small `sh` watchdog whose stdin is a pipe held open by this process:
/// when the test process exits, however it exits, the pipe closes and the watchdog stops the
/// server, so no `redis-server` outlives a test run.
///
/// If `redis-server` is not installed, `start` and `shared` throw a `TestFailure` saying how to
/// install it: the Redis half of a suite fails loudly instead of being skipped.
public final class RedisServer: @unchecked Sendable {
    // `lifeline` and `pid` change only in `start`/`stop`/`restart`, called by the one test that
    // owns the server (the shared server is never stopped).
    public let port: Int
    public let directory: URL
    private var pid: pid_t = 0
    private var lifeline: Int32 = -1

    /// `redis://127.0.0.1:<port>/0`.
    public var url: String { "redis://127.0.0.1:\(port)/0" }

    private let removingDirectoryAtExit: Bool

    private init(port: Int, directory: URL, removingDirectoryAtExit: Bool) {
        self.port = port
        self.directory = directory
        self.removingDirectoryAtExit = removingDirectoryAtExit
    }

    /// One server for the whole test process, started on first use.
    /// - Throws: `TestFailure` when `redis-server` is missing or does not start.
    public static func shared() throws -> RedisServer {
        try sharedServer.withLock { slot in
            switch slot {
            case .some(.success(let s)): return s
            case .some(.failure(let message)): throw TestFailure(message.description)
            case .none:
                do {
                    let s = try start(removingDirectoryAtExit: true)
                    slot = .success(s)
                    return s
                } catch let e as TestFailure {
                    slot = .failure(e)
                    throw e
                }
            }
        }
    }

    private static let sharedServer = Mutex<Result<RedisServer, TestFailure>?>(nil)

    /// Starts a new server of its own (for tests that stop or restart it).
    /// - Parameter removingDirectoryAtExit: the watchdog deletes the directory once the server
    ///   stopped (for the shared server, which lives until the process exits; a server that is
    ///   restarted keeps it, and `deinit` removes it).
    public static func start(removingDirectoryAtExit: Bool = false) throws -> RedisServer {
        let binary = try executable()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lt-redis-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var lastError = TestFailure("redis-server did not start")
        for _ in 0..<3 {
            let server = RedisServer(port: try freePort(), directory: dir, removingDirectoryAtExit: removingDirectoryAtExit)
            do {
                try server.launch(binary)
                return server
            } catch let e as TestFailure {
                lastError = e
            }
        }
        throw lastError
    }

    /// Stops the server (SIGTERM through the watchdog) and waits for it: 10 s at most, then
    /// SIGKILL to the watchdog's process group.
    public func stop() {
        guard lifeline >= 0 else { return }
        close(lifeline)
        lifeline = -1
        var status: Int32 = 0
        for _ in 0..<1000 {
            if waitpid(pid, &status, WNOHANG) != 0 { return }
            usleep(10_000)
        }
        kill(-pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
    }

    /// Starts the server again on the same port and directory (the AOF brings the data back).
    public func restart() throws {
        stop()
        try launch(try Self.executable())
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    private func launch(_ binary: String) throws {
        var fds: [Int32] = [0, 0]
        // Close-on-exec: other children the tests spawn must not hold the lifeline open.
        #if os(Linux)
        guard socketpair(AF_UNIX, streamSocket | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw TestFailure("socketpair: \(String(cString: strerror(errno)))")
        }
        #else
        guard pipe(&fds) == 0 else { throw TestFailure("pipe: \(String(cString: strerror(errno)))") }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        #endif
        let args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", directory.path, "--daemonize", "no",
                    "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--protected-mode", "yes",
                    "--logfile", directory.appendingPathComponent("redis.log").path]
        let script = """
            "$0" "$@" &
            r=$!
            read _ || true
            kill -TERM $r 2>/dev/null
            wait $r
            if [ -n "$LT_REDIS_REMOVE_DIR" ]; then rm -rf "$LT_REDIS_REMOVE_DIR"; fi
            """
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, directory.appendingPathComponent("watchdog.log").path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        // The spawning thread may block signals (dispatch and test threads do); a child inherits
        // that mask, and a redis-server with SIGTERM blocked never stops. Start with none blocked,
        // default dispositions, and a process group of its own (so `stop` can SIGKILL both).
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attr, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGTERM, SIGINT, SIGCHLD, SIGPIPE, SIGHUP] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setpgroup(&attr, 0)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        let argv = (["sh", "-c", script, binary] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        var env = ProcessInfo.processInfo.environment
        env["LT_REDIS_REMOVE_DIR"] = removingDirectoryAtExit ? directory.path : nil
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        let rc = posix_spawn(&child, "/bin/sh", &actions, &attr, argv, envp)
        close(fds[0])
        guard rc == 0 else {
            close(fds[1])
            throw TestFailure("posix_spawn(/bin/sh for \(binary)): \(String(cString: strerror(rc)))")
        }
        pid = child
        lifeline = fds[1]
        try waitReady()
    }

    /// Waits until the server answers PING (10 s at most).
    private func waitReady() throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if ping() { return }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                if lifeline >= 0 { close(lifeline) }
                lifeline = -1
                throw TestFailure("redis-server on port \(port) exited at start; log:\n\(log.suffix(2000))")
            }
            usleep(20_000)
        }
        stop()
        throw TestFailure("redis-server on port \(port) did not answer PING within 10 s; log:\n\(log.suffix(2000))")
    }

    private var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("redis.log"), encoding: .utf8)) ?? ""
    }

    private func ping() -> Bool {
        let fd = socket(AF_INET, streamSocket | cloexec, 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = Self.loopback(port: port)
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else { return false }
        var tv = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let ping = Array("PING\r\n".utf8)
        guard send(fd, ping, ping.count, noSignal) == ping.count else { return false }
        var buf = [UInt8](repeating: 0, count: 64)
        let n = recv(fd, &buf, buf.count, 0)
        return n > 0 && String(decoding: buf[0..<n], as: UTF8.self).hasPrefix("+PONG")
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = in_addr_t(UInt32(0x7f00_0001).bigEndian)
        return addr
    }

    /// A port the kernel just handed out on 127.0.0.1 (free now; `start` retries if it is taken).
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, streamSocket | cloexec, 0)
        guard fd >= 0 else { throw TestFailure("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var addr = loopback(port: 0)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw TestFailure("bind(127.0.0.1:0): \(String(cString: strerror(errno)))") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// `$REDIS_SERVER`, else `redis-server` on the PATH or in the usual places.
    static func executable() throws -> String {
        if let p = ProcessInfo.processInfo.environment["REDIS_SERVER"], FileManager.default.isExecutableFile(atPath: p) { return p }
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for dir in path + ["/usr/bin", "/usr/local/bin", "/usr/sbin", "/opt/homebrew/bin"] {
            let p = (dir as NSString).appendingPathComponent("redis-server")
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        throw TestFailure("redis-server is not installed (not on PATH, not in /usr/bin or /usr/local/bin): the Redis event bus tests need a real server. Install it with `apt-get install redis-server` (or `brew install redis`), or set REDIS_SERVER to its path.")
    }
}
