import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A process started with posix_spawn (never Foundation.Process: its waitUntilExit polls in
/// ~50 ms steps). Optionally with pipes on stdin and stdout for blocking line I/O.
final class Proc: @unchecked Sendable {
    // Mutated only by the owning benchmark, sequentially.
    let pid: pid_t
    private(set) var stdinFD: Int32
    private(set) var stdoutFD: Int32
    private var reaped: Int32?
    private var buffer: [UInt8] = []

    enum Output { case inherit, null, pipe, file(String) }

    struct SpawnFailed: Error, CustomStringConvertible { let description: String }

    private init(pid: pid_t, stdinFD: Int32, stdoutFD: Int32) {
        self.pid = pid; self.stdinFD = stdinFD; self.stdoutFD = stdoutFD
    }

    /// Starts `path` with `args`. `environment` nil keeps this process's environment.
    static func spawn(_ path: String, _ args: [String], environment: [String: String]? = nil, stdinPipe: Bool = false,
                      stdout: Output = .null, stderr: Output = .null) throws -> Proc {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var toClose: [Int32] = []
        defer { toClose.forEach { close($0) } }
        var parentIn: Int32 = -1, parentOut: Int32 = -1
        if stdinPipe {
            var p: [Int32] = [-1, -1]
            guard Self.pipeCloexec(&p) else { throw SpawnFailed(description: "pipe: \(String(cString: strerror(errno)))") }
            posix_spawn_file_actions_adddup2(&actions, p[0], 0)
            toClose.append(p[0]); parentIn = p[1]
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        func wire(_ o: Output, _ fd: Int32) throws {
            switch o {
            case .inherit: break
            case .null: posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_WRONLY, 0)
            case .file(let f): posix_spawn_file_actions_addopen(&actions, fd, f, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            case .pipe:
                var p: [Int32] = [-1, -1]
                guard Self.pipeCloexec(&p) else { throw SpawnFailed(description: "pipe: \(String(cString: strerror(errno)))") }
                posix_spawn_file_actions_adddup2(&actions, p[1], fd)
                toClose.append(p[1]); parentOut = p[0]
            }
        }
        try wire(stdout, 1)
        try wire(stderr, 2)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // Default dispositions (the host ignores SIGPIPE) and an empty signal mask.
        var all = sigset_t(); sigfillset(&all)
        var none = sigset_t(); sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let argv = ([path] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let env = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { env.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attr, argv, env)
        guard rc == 0 else {
            if parentIn >= 0 { close(parentIn) }
            if parentOut >= 0 { close(parentOut) }
            throw SpawnFailed(description: "posix_spawn(\(path)): \(String(cString: strerror(rc)))")
        }
        return Proc(pid: pid, stdinFD: parentIn, stdoutFD: parentOut)
    }

    /// Runs a program to completion; returns its exit status and its output (stdout + stderr).
    static func run(_ path: String, _ args: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("lt-bench-\(UUID().uuidString).log").path
        defer { unlink(log) }
        let p = try spawn(path, args, environment: environment, stdout: .file(log), stderr: .file(log))
        let status = p.waitBlocking()
        return (status, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    /// A pipe whose two ends close on exec (glibc's pipe2 is not imported into Swift).
    private static func pipeCloexec(_ p: inout [Int32]) -> Bool {
        guard pipe(&p) == 0 else { return false }
        for fd in p { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return true
    }

    // MARK: Lines

    /// Writes all of `bytes` to the child's stdin. Returns false on error.
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Glibc.write(stdinFD, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return false }
            off += n
        }
        return true
    }

    @discardableResult
    func writeLine(_ s: String) -> Bool { write(Array((s + "\n").utf8)) }

    /// Reads one line from the child's stdout (blocking), without the newline; nil at EOF.
    func readLine() -> [UInt8]? {
        while true {
            if let nl = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[..<nl])
                buffer.removeSubrange(...nl)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { read(stdoutFD, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return nil }
            buffer += chunk[0..<n]
        }
    }

    func readLineString() -> String? { readLine().map { String(decoding: $0, as: UTF8.self) } }

    func closeStdin() { if stdinFD >= 0 { close(stdinFD); stdinFD = -1 } }

    // MARK: Exit

    func signal(_ sig: Int32) { if reaped == nil { kill(pid, sig) } }

    /// waitpid, blocking the calling thread. Returns the exit code, or 128 + signal.
    @discardableResult
    func waitBlocking() -> Int32 {
        if let reaped { return reaped }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = Self.decode(status)
        reaped = code
        closeFDs()
        return code
    }

    /// Waits for the exit without blocking a thread (polls every 2 ms); nil after `timeout`.
    func wait(timeout: Duration) async -> Int32? {
        if let reaped { return reaped }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { reaped = Self.decode(status); closeFDs(); return reaped }
            if r < 0 && errno != EINTR { reaped = -1; closeFDs(); return -1 }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return nil
    }

    /// SIGTERM, then SIGKILL after `grace`; always reaps.
    func stop(grace: Duration = .seconds(5)) async {
        signal(SIGTERM)
        if await wait(timeout: grace) != nil { return }
        signal(SIGKILL)
        _ = await wait(timeout: .seconds(5))
    }

    private func closeFDs() {
        closeStdin()
        if stdoutFD >= 0 { close(stdoutFD); stdoutFD = -1 }
    }

    static func decode(_ status: Int32) -> Int32 {
        (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Memory of a process from /proc (KiB): resident, peak resident, anonymous and file-backed
    /// resident, proportional (shared pages divided among the processes mapping them), threads.
    struct Memory { var rssKiB, hwmKiB, anonKiB, fileKiB, pssKiB, threads: Int }

    static func memory(of pid: pid_t) -> Memory? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        let rollup = (try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8)) ?? ""
        func field(_ name: String, in text: String) -> Int {
            for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
                return Int(line.dropFirst(name.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "") ?? 0
            }
            return 0
        }
        return Memory(rssKiB: field("VmRSS", in: text), hwmKiB: field("VmHWM", in: text), anonKiB: field("RssAnon", in: text),
                      fileKiB: field("RssFile", in: text), pssKiB: field("Pss", in: rollup), threads: field("Threads", in: text))
    }

    /// CPU time (user + system) a process has used so far, in seconds, from /proc/PID/stat.
    static func cpuSeconds(of pid: pid_t) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let u = Double(fields[11]), let s = Double(fields[12]) else { return nil }
        return (u + s) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Direct children of `pid` (from /proc/PID/task/*/children).
    static func children(of pid: pid_t) -> [pid_t] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.flatMap { t -> [pid_t] in
            let s = (try? String(contentsOfFile: "/proc/\(pid)/task/\(t)/children", encoding: .utf8)) ?? ""
            return s.split(separator: " ").compactMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
    }
}
