#if canImport(Glibc)
import Glibc
#endif
import CTestChild
import Foundation
import LightningChildKit

/// Hostile behaviours, for the sandbox tests (Tests/SupervisorTests/Sandbox*.swift).
///
/// The destructive modes refuse to run where they could hurt the machine: the fork bomb, the
/// forbidden system call and the big file outside a sandbox (as uid 0 or without no_new_privs),
/// the memory hog and the CPU spinner without the limit they test (root obeys those).
enum Hostile {
    // MARK: Probes: try something, say what happened, then serve as `well`

    /// Runs each check, writing `probe CHECK: RESULT` on stderr, then serves as `well`.
    /// Checks: `read:PATH`, `list:PATH`, `write:PATH`, `socket:inet|inet6|unix`, `connect:PORT`,
    /// `connect-unix:PATH` (a unix socket, as the daemon's `lightning.sock`), `connect-hold:PORT`
    /// (connect to 127.0.0.1:PORT and keep the connection open while the child lives),
    /// `ptrace:traceme`, `ptrace:parent`, `id`, `exec:PATH[,ARG...]`, `escape:TAG`.
    static func probes(_ checks: [String]) async {
        for check in checks {
            TestChildIO.stderr("probe \(check): \(run(check))\n")
        }
        await WellBehaved.make().run()
    }

    static func run(_ check: String) -> String {
        let (kind, arg) = check.firstIndex(of: ":").map { (String(check[..<$0]), String(check[check.index(after: $0)...])) } ?? (check, "")
        switch kind {
        case "read":
            let fd = open(arg, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return "error: \(errText())" }
            defer { close(fd) }
            var buf = [UInt8](repeating: 0, count: 4096)
            let n = read(fd, &buf, buf.count)
            return n >= 0 ? "ok \(n) bytes" : "error: \(errText())"
        case "list":
            do { return "ok \(try FileManager.default.contentsOfDirectory(atPath: arg).count) entries" } catch {
                return "error: \((error as NSError).localizedDescription)"
            }
        case "write":
            let fd = open(arg, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { return "error: \(errText())" }
            defer { close(fd) }
            return write(fd, "x", 1) == 1 ? "ok" : "error: \(errText())"
        case "socket":
            let family = arg == "inet6" ? AF_INET6 : arg == "unix" ? AF_UNIX : AF_INET
            let fd = lt_test_socket(family)
            if fd >= 0 { close(fd); return "ok" }
            return "error: \(String(cString: strerror(-fd)))"
        case "connect":
            let rc = lt_test_connect_loopback(Int32(arg) ?? 0)
            return rc == 0 ? "ok" : "error: \(String(cString: strerror(-rc)))"
        case "connect-unix":
            return connectUnix(arg)
        case "connect-hold":
            return connectAndHold(Int(arg) ?? 0)
        case "ptrace":
            let rc = arg == "parent" ? lt_test_ptrace_attach(getppid()) : lt_test_ptrace_traceme()
            return rc == 0 ? "ok" : "error: \(String(cString: strerror(Int32(-rc))))"
        case "id":
            return identity()
        case "exec":
            return execute(arg.split(separator: ",").map(String.init))
        case "escape":
            return escape(tag: arg)
        default:
            return "error: unknown check"
        }
    }

    static func errText() -> String { String(cString: strerror(errno)) }

    /// Connects to 127.0.0.1:`port` and leaves the descriptor open (the test looks at the connection).
    static func connectAndHold(_ port: Int) -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return "error: \(errText())" }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 { let e = errText(); close(fd); return "error: \(e)" }
        return "ok"
    }

    /// Connects to the unix socket at `path`: "ok" or the error.
    static func connectUnix(_ path: String) -> String {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return "error: \(errText())" }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = b }
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return rc == 0 ? "ok" : "error: \(errText())"
    }

    /// uid, gid, groups, capabilities, no_new_privs, seccomp, pid, hostname, home, cwd.
    static func identity() -> String {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> String {
            status.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                .map { $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces) } ?? "?"
        }
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count)
        let hostname = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let groups = field("Groups").isEmpty ? "-" : field("Groups").replacingOccurrences(of: " ", with: ",")
        return "uid=\(getuid()) euid=\(geteuid()) gid=\(getgid()) groups=\(groups) capeff=\(field("CapEff")) nnp=\(field("NoNewPrivs")) "
            + "seccomp=\(field("Seccomp")) pid=\(getpid()) hostname=\(hostname) home=\(ProcessInfo.processInfo.environment["HOME"] ?? "-") "
            + "cwd=\(FileManager.default.currentDirectoryPath)"
    }

    /// Runs argv; "exit=N out=<first line of stdout>".
    static func execute(_ argv: [String]) -> String {
        guard let path = argv.first else { return "error: no program" }
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return "error: pipe: \(errText())" }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        let args = argv.map { strdup($0) } + [nil]
        defer { args.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, args, environ)
        close(fds[1])
        guard rc == 0 else { close(fds[0]); return "error: \(String(cString: strerror(rc)))" }
        var out = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 1024)
        while true {
            let n = read(fds[0], &buf, buf.count)
            if n > 0 { out += buf[0..<n]; continue }
            if n < 0 && errno == EINTR { continue }
            break
        }
        close(fds[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let line = String(decoding: out, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        return "exit=\((status >> 8) & 0xff) out=\(line)"
    }

    /// Starts `/bin/sleep 1000.TAG` in a session of its own (out of the process group), so only
    /// a pid namespace can take it down with the child. "ok pid=N".
    static func escape(tag: String) -> String {
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        posix_spawnattr_setflags(&attr, 0x80 /* POSIX_SPAWN_SETSID */)
        let words: [String] = ["/bin/sleep", "1000.\(tag)"]
        let args = words.map { strdup($0) } + [nil]
        defer { args.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/bin/sleep", nil, &attr, args, environ)
        return rc == 0 ? "ok pid=\(pid)" : "error: \(String(cString: strerror(rc)))"
    }

    // MARK: Destructive modes (refuse outside a sandbox)

    /// Refuses (exit 66) unless sandboxed: not uid 0, no_new_privs set.
    static func requireSandbox(_ mode: String) {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        guard getuid() != 0, status.contains("NoNewPrivs:\t1") else {
            TestChildIO.stderr("lt-test-child: \(mode): refusing to run outside a sandbox (uid \(getuid()))\n")
            exit(66)
        }
    }

    static func requireLimit(_ mode: String, _ resource: Int32) {
        var rl = rlimit()
        guard getrlimit(__rlimit_resource_t(UInt32(resource)), &rl) == 0, rl.rlim_cur != rlim_t.max else {
            TestChildIO.stderr("lt-test-child: \(mode): refusing to run without its limit\n")
            exit(66)
        }
    }

    /// Forks until fork fails (every child forks on); reports and exits 3.
    static func forkBomb() -> Never {
        requireSandbox("fork-bomb")
        var forks: Int32 = 0
        let err = lt_test_fork_bomb(100_000, &forks)
        TestChildIO.stderr("fork-bomb: fork failed after \(forks) forks: \(err == 0 ? "cap reached" : String(cString: strerror(err)))\n")
        exit(3)
    }

    /// Allocates and touches 16 MiB arrays until the runtime cannot allocate.
    /// `inCgroup`: limited by a memory cgroup of a Lightning supervisor instead of RLIMIT_AS.
    static func memoryHog(inCgroup: Bool = false) -> Never {
        if inCgroup {
            let cgroups = (try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? ""
            let limited = cgroups.split(separator: "\n").contains { line in
                line.contains("/lightning-") && (line.contains(":memory:") || line.hasPrefix("0::"))
            }
            guard limited else {
                TestChildIO.stderr("lt-test-child: cgroup-memory-hog: refusing to run outside a Lightning cgroup\n")
                exit(66)
            }
        } else {
            requireLimit("memory-hog", Int32(RLIMIT_AS.rawValue))
        }
        TestChildIO.stderr("memory-hog: allocating\n")
        var hoard: [[UInt8]] = []
        while true {
            hoard.append([UInt8](repeating: 1, count: 16 << 20))
            if hoard.count % 8 == 0 { TestChildIO.stderr("memory-hog: \(hoard.count * 16) MiB\n") }
        }
    }

    /// Spins on the CPU (at most 60 s of wall time).
    static func cpuSpin() -> Never {
        requireLimit("cpu-spin", Int32(RLIMIT_CPU.rawValue))
        TestChildIO.stderr("cpu-spin: spinning\n")
        let end = Date().addingTimeInterval(60)
        var x: UInt64 = 1
        while Date() < end { for _ in 0..<1_000_000 { x = x &* 6364136223846793005 &+ 1 } }
        TestChildIO.stderr("cpu-spin: still alive after 60 s (\(x))\n")
        exit(4)
    }

    /// Calls init_module, which the seccomp filter answers with SIGSYS.
    static func forbiddenSyscall() -> Never {
        requireSandbox("forbidden-syscall")
        let rc = lt_test_forbidden_syscall()
        TestChildIO.stderr("forbidden-syscall: survived (\(rc))\n")
        exit(5)
    }

    /// Writes `mb` MiB to `path` (SIGXFSZ past RLIMIT_FSIZE).
    static func bigFile(_ path: String, mb: Int) -> Never {
        requireSandbox("big-file")
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { TestChildIO.stderr("big-file: open \(path): \(errText())\n"); exit(70) }
        let chunk = [UInt8](repeating: 7, count: 1 << 20)
        for i in 0..<mb {
            guard write(fd, chunk, chunk.count) == chunk.count else { TestChildIO.stderr("big-file: write #\(i): \(errText())\n"); exit(6) }
        }
        TestChildIO.stderr("big-file: wrote \(mb) MiB\n")
        exit(0)
    }
}
