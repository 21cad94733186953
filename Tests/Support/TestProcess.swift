public import Foundation

/// A process started by a test with posix_spawn: stdout and stderr go to files the test reads.
/// Used to run the real `lightning` binary (daemon and CLI).
public final class TestProcess: @unchecked Sendable {
    // Written once at start, read-only afterwards.
    public let pid: pid_t
    public let stdoutURL: URL
    public let stderrURL: URL
    private var reaped: Int32?

    public init(_ executable: URL, _ args: [String], environment: [String: String] = [:]) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lt-proc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        stdoutURL = dir.appendingPathComponent("stdout")
        stderrURL = dir.appendingPathComponent("stderr")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("LIGHTNING_") }
        env.merge(environment) { _, new in new }
        let argv = ([executable.path] + args).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable.path, &actions, nil, argv, envp)
        guard rc == 0 else { throw TestFailure("posix_spawn(\(executable.path)): \(String(cString: strerror(rc)))") }
        self.pid = pid
    }

    public var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    public func signal(_ sig: Int32) { kill(pid, sig) }

    /// Waits for exit (polling, never blocking a thread for long); returns the exit code, or
    /// 128+signal. Throws after `timeout`.
    @discardableResult
    public func wait(timeout: Duration = .seconds(30)) async throws -> Int32 {
        if let r = reaped { return r }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid {
                let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
                reaped = code
                return code
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestFailure("process \(pid) did not exit within \(timeout); stderr:\n\(stderr.suffix(2000))")
    }

    /// Reaps the process, blocking (for `defer` after a kill, where `await` is not allowed).
    @discardableResult
    public func waitBlockingForTests() -> Int32 {
        if let r = reaped { return r }
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        reaped = code
        return code
    }

    /// Waits until stdout contains a line with `marker`; returns that line.
    public func waitForLine(containing marker: String, timeout: Duration = .seconds(60)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = stdout.split(separator: "\n").first(where: { $0.contains(marker) }) { return String(line) }
            var status: Int32 = 0
            if reaped == nil, waitpid(pid, &status, WNOHANG) == pid {
                reaped = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
                throw TestFailure("process exited (\(reaped!)) before printing \"\(marker)\"; stderr:\n\(stderr.suffix(3000))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("no line containing \"\(marker)\" within \(timeout); stderr:\n\(stderr.suffix(3000))")
    }
}

/// A test precondition that failed, with what was seen.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

extension TestProcess {
    /// Runs a program to completion without holding a thread (the exit is polled), so a test
    /// that compiles a fixture with `cc` never stalls the suite's two-thread concurrency pool.
    /// - Returns: the exit status (128 + signal for a signal) and its stdout followed by its stderr.
    public static func run(_ executable: String, _ args: [String], timeout: Duration = .seconds(300)) async throws -> (Int32, String) {
        let p = try TestProcess(URL(fileURLWithPath: executable), args)
        let status = try await p.wait(timeout: timeout)
        return (status, p.stdout + p.stderr)
    }
}
