#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import LightningTestSupport
import LightningProtocol
import Synchronization

/// A child process driven the way the daemon drives one: posix_spawn with three pipes, lines
/// written to its stdin, lines read from its stdout (on a thread) with a timeout.
///
/// Killed with SIGKILL and reaped when released, if still running.
final class PipeHost: Sendable {
    let pid: pid_t
    let executable: String
    private let stdinFD: Mutex<Int32>
    private let out: Inbox
    private let err: Inbox
    private let reaped = Mutex<Int32?>(nil)

    /// Spawns `executable` with `args`.
    init(_ executable: URL, _ args: [String] = []) throws {
        signal(SIGPIPE, SIG_IGN)
        self.executable = executable.lastPathComponent
        let (stdin, stdout, stderr, pid) = try Self.spawnLock.withLock { _ in
            try Self.spawn(executable, args)
        }
        self.pid = pid
        stdinFD = Mutex(stdin)
        out = Inbox(fd: stdout, name: "stdout")
        err = Inbox(fd: stderr, name: "stderr")
    }

    /// Spawns with three fresh pipes; returns the parent's ends and the pid.
    private static func spawn(_ executable: URL, _ args: [String]) throws -> (stdin: Int32, stdout: Int32, stderr: Int32, pid: pid_t) {
        let stdin = try pipe(), stdout = try pipe(), stderr = try pipe()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin.read, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout.write, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr.write, 2)
        let argv = ([executable.path] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable.path, &actions, nil, argv, environ)
        for fd in [stdin.read, stdout.write, stderr.write] { close(fd) }
        guard rc == 0 else {
            for fd in [stdin.write, stdout.read, stderr.read] { close(fd) }
            throw TestFailure("posix_spawn(\(executable.path)): \(String(cString: strerror(rc)))")
        }
        return (stdin.write, stdout.read, stderr.read, pid)
    }

    deinit {
        closeStdin()
        if reaped.withLock({ $0 }) == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
    }

    // MARK: Writing

    /// Writes `text` plus a newline to the child's stdin.
    func send(raw text: String) throws {
        try write(Data((text + "\n").utf8))
    }

    func send(_ message: RPCMessage) throws { try write(message.line()) }

    func request(_ id: Int, _ method: String, _ params: JSONValue = [:]) throws {
        try send(.request(id: .int(Int64(id)), method: method, params: params))
    }

    func notify(_ method: String, _ params: JSONValue = [:]) throws {
        try send(.notification(method: method, params: params))
    }

    func closeStdin() {
        stdinFD.withLock { fd in
            if fd >= 0 { close(fd); fd = -1 }
        }
    }

    private func write(_ data: Data) throws {
        try stdinFD.withLock { fd in
            var bytes = Array(data)[...]
            while !bytes.isEmpty {
                let n = bytes.withUnsafeBytes { rawWrite(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw TestFailure("write to \(executable) stdin: \(String(cString: strerror(errno)))")
                }
                bytes = bytes.dropFirst(n)
            }
        }
    }

    // MARK: Reading

    /// The next stdout line, raw.
    func nextLine(timeout: Duration = .seconds(10)) async throws -> Data {
        let deadline = ContinuousClock.now + timeout
        while true {
            switch out.pop() {
            case .line(let l): return l
            case .eof: throw TestFailure("\(executable) closed stdout; stderr:\n\(stderrText.suffix(2000))")
            case .empty:
                guard ContinuousClock.now < deadline else {
                    throw TestFailure("no line from \(executable) within \(timeout); stderr:\n\(stderrText.suffix(2000))")
                }
                try await Task.sleep(for: .milliseconds(2))
            }
        }
    }

    /// The next message that is not a `log` or `$/progress` notification (those are kept in
    /// `notifications`).
    func next(timeout: Duration = .seconds(10)) async throws -> RPCMessage {
        while true {
            let line = try await nextLine(timeout: timeout)
            let message: RPCMessage
            do { message = try RPCMessage.parse(line) } catch {
                throw TestFailure("\(executable) wrote a line that is not JSON-RPC (\(error.error.message)): \(String(decoding: line.prefix(200), as: UTF8.self))")
            }
            if case .notification(let method, let params) = message, method == Method.log || method == ChildProtocol.progress {
                notifications.withLock { $0.append((method, params ?? .null)) }
                continue
            }
            return message
        }
    }

    /// `log` and `$/progress` notifications skipped by `next`, in order.
    let notifications = Mutex<[(method: String, params: JSONValue)]>([])

    /// The params of the `log` notifications seen so far.
    func logs() -> [JSONValue] {
        notifications.withLock { $0.filter { $0.method == Method.log }.map(\.params) }
    }

    /// Waits until a `$/progress` notification for request `id` has arrived; any other
    /// message before it fails the test.
    func waitForProgress(of id: Int, timeout: Duration = .seconds(10)) async throws {
        while !notifications.withLock({ $0.contains { $0.method == ChildProtocol.progress && $0.params["request_id"] == .int(id) } }) {
            let line = try await nextLine(timeout: timeout)
            guard let message = try? RPCMessage.parse(line), case .notification(let method, let params) = message else {
                throw TestFailure("expected $/progress of request \(id), got: \(String(decoding: line.prefix(300), as: UTF8.self))")
            }
            notifications.withLock { $0.append((method, params ?? .null)) }
        }
    }

    var stderrText: String { String(decoding: err.all(), as: UTF8.self) }

    // MARK: Process

    /// Waits for exit; returns the exit status, or 128 + signal.
    @discardableResult
    func waitExit(timeout: Duration = .seconds(10)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let r = reaped.withLock({ $0 }) { return r }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
                reaped.withLock { $0 = code }
                return code
            }
            guard ContinuousClock.now < deadline else {
                throw TestFailure("\(executable) (pid \(pid)) did not exit within \(timeout); stderr:\n\(stderrText.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// True while the process has not exited (reaps it when it has).
    func isRunning() -> Bool {
        if reaped.withLock({ $0 }) != nil { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            reaped.withLock { $0 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f) }
            return false
        }
        return true
    }

    // MARK: Pipes

    /// Serialises pipe creation and spawning, so no child inherits another child's pipe ends
    /// between `pipe` and `fcntl(FD_CLOEXEC)`.
    private static let spawnLock = Mutex(())

    private static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard makePipe(&fds) == 0 else { throw TestFailure("pipe: \(String(cString: strerror(errno)))") }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }
}

private func makePipe(_ fds: inout [Int32]) -> Int32 { pipe(&fds) }
private func rawWrite(_ fd: Int32, _ p: UnsafeRawPointer?, _ n: Int) -> Int { write(fd, p, n) }

/// Lines read from one of the child's output pipes by a dedicated thread.
final class Inbox: Sendable {
    enum Pop { case line(Data), empty, eof }
    private struct State {
        var lines: [Data] = []
        var head = 0
        var all = Data()
        var eof = false
    }
    private let state = Mutex(State())

    init(fd: Int32, name: String) {
        let thread = Thread { [self] in
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            var partial = Data()
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }
                let bytes = chunk[0..<n]
                var complete: [Data] = []
                var start = bytes.startIndex
                while let nl = bytes[start...].firstIndex(of: 0x0A) {
                    partial.append(contentsOf: bytes[start..<nl])
                    complete.append(partial)
                    partial = Data()
                    start = nl + 1
                }
                partial.append(contentsOf: bytes[start...])
                state.withLock { s in
                    s.lines.append(contentsOf: complete)
                    if s.all.count < 4 << 20 { s.all.append(contentsOf: bytes) }
                }
            }
            close(fd)
            state.withLock { s in
                if !partial.isEmpty { s.lines.append(partial) }
                s.eof = true
            }
        }
        thread.name = "pipehost-\(name)"
        thread.start()
    }

    func pop() -> Pop {
        state.withLock { s in
            if s.head < s.lines.count {
                defer { s.head += 1 }
                return .line(s.lines[s.head])
            }
            return s.eof ? .eof : .empty
        }
    }

    var peekIsEmpty: Bool { state.withLock { $0.head >= $0.lines.count } }

    func all() -> Data { state.withLock { $0.all } }
}
