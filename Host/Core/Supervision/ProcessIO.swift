import CHostShims
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a child's stdio and exit produce, delivered on the I/O thread (keep handlers short).
protocol ProcessIODelegate: AnyObject, Sendable {
    /// One complete stdout line (without the newline).
    func stdoutLine(_ line: Data)
    /// A stdout line grew past the limit; stdout is no longer read (framing is lost).
    func stdoutOverflow(limit: Int)
    /// One stderr line (cut at 4 KiB).
    func stderrLine(_ line: String)
    /// The child's stdin queue passed the limit: it stopped reading.
    func stdinStalled(queuedBytes: Int)
    /// The process exited (after its remaining output was delivered).
    func exited(_ status: ExitStatus)
}

/// All child stdio and exit detection on one thread with epoll.
///
/// Reads are non-blocking and split into lines here; writes to a child's stdin go straight to
/// the pipe from the caller's thread when nothing is queued (no thread hop on the hot path) and
/// are queued and flushed on `EPOLLOUT` otherwise. Exits are seen through pidfds, so the thread
/// never blocks in `waitpid` and no process is reaped by anyone else.
// Unchecked: its stored state is `let` (descriptors made in init) or behind `Locked`; epoll runs on its own thread.
final class ProcessIO: @unchecked Sendable {
    static let shared = ProcessIO()

    /// One attached child. `write` and `closeStdin` may be called from any thread.
    /// Unchecked: the "I/O-thread state" fields are touched only by the epoll thread, the write
    /// state only under `lock`, the rest is `let`.
    final class Pipes: @unchecked Sendable {
        let pid: pid_t
        fileprivate let stdinFD: Int32
        fileprivate let stdoutFD: Int32
        fileprivate let stderrFD: Int32
        fileprivate var pidFD: Int32 = -1
        fileprivate let maxLine: Int
        fileprivate let maxQueued: Int
        fileprivate weak var delegate: (any ProcessIODelegate)?
        // I/O-thread state
        fileprivate var out: LineSplitter
        fileprivate var errBuffer = Data()
        fileprivate var outOpen = true
        fileprivate var errOpen = true
        fileprivate var overflowed = false
        fileprivate var exited = false
        // Shared write state (under `lock`)
        fileprivate let lock = NSLock()
        fileprivate var queue = Data()
        fileprivate var stdinClosed = false
        fileprivate var stalled = false
        fileprivate weak var io: ProcessIO?

        fileprivate init(_ p: LaunchedProcess, maxLine: Int, maxQueued: Int, delegate: any ProcessIODelegate) {
            pid = p.pid; stdinFD = p.stdin; stdoutFD = p.stdout; stderrFD = p.stderr
            self.maxLine = maxLine; self.maxQueued = maxQueued; self.delegate = delegate
            out = LineSplitter(maxLine: maxLine)
        }

        /// Queues bytes for the child's stdin. Returns false when stdin is closed.
        @discardableResult
        func write(_ data: Data) -> Bool {
            lock.lock()
            if stdinClosed { lock.unlock(); return false }
            var needsPoll = false
            if queue.isEmpty {
                let n = data.withUnsafeBytes { Glibc.write(stdinFD, $0.baseAddress, $0.count) }
                if n == data.count { lock.unlock(); return true }
                if n < 0 && errno != EAGAIN && errno != EINTR {
                    stdinClosed = true
                    lock.unlock()
                    return false
                }
                queue.append(data.dropFirst(max(0, n)))
                needsPoll = true
            } else {
                queue.append(data)
            }
            let stall = queue.count > maxQueued && !stalled
            if stall { stalled = true }
            let queued = queue.count
            lock.unlock()
            if needsPoll { io?.watchWritable(self) }
            if stall { delegate?.stdinStalled(queuedBytes: queued) }
            return true
        }

        /// Closes the child's stdin (it sees EOF once the queue is flushed... or now).
        func closeStdin() {
            lock.lock()
            defer { lock.unlock() }
            if !stdinClosed { stdinClosed = true; close(stdinFD) }
        }

        /// Flushes queued stdin bytes; true when the queue is empty. I/O thread.
        fileprivate func flush() -> Bool {
            lock.lock()
            defer { lock.unlock() }
            if stdinClosed { queue = Data(); return true }
            while !queue.isEmpty {
                let n = queue.withUnsafeBytes { Glibc.write(stdinFD, $0.baseAddress, $0.count) }
                if n > 0 { queue.removeFirst(n); continue }
                if n < 0 && (errno == EAGAIN || errno == EINTR) { return false }
                queue = Data(); stdinClosed = true; close(stdinFD)
                return true
            }
            return true
        }

        var queuedBytes: Int { lock.lock(); defer { lock.unlock() }; return queue.count }
    }

    private let epfd: Int32
    private let wakeFD: Int32
    private let registry = Locked<[UInt64: Registration]>([:])
    private let nextToken = Locked<UInt64>(1)

    private enum Role { case stdout, stderr, stdin, exit }
    // Unchecked: immutable; `Pipes` documents its own rules.
    private struct Registration: @unchecked Sendable { let pipes: Pipes; let role: Role; let fd: Int32 }

    private init() {
        // Writing to the stdin of a child that exited must fail with EPIPE, not kill the daemon.
        // (Children get default dispositions back in the launcher.)
        signal(SIGPIPE, SIG_IGN)
        epfd = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        var ev = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(u64: 0))
        _ = epoll_ctl(epfd, EPOLL_CTL_ADD, wakeFD, &ev)
        let t = Thread { [self] in self.loop() }
        t.name = "lightning.process-io"
        t.stackSize = 512 << 10
        t.start()
    }

    /// Starts watching a launched process. Output and the exit go to `delegate`.
    func attach(_ p: LaunchedProcess, maxLine: Int, maxQueued: Int = 16 << 20, delegate: any ProcessIODelegate) -> Pipes {
        let pipes = Pipes(p, maxLine: maxLine, maxQueued: maxQueued, delegate: delegate)
        pipes.io = self
        for fd in [p.stdin, p.stdout, p.stderr] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        add(pipes, .stdout, p.stdout, EPOLLIN.rawValue | EPOLLRDHUP.rawValue)
        add(pipes, .stderr, p.stderr, EPOLLIN.rawValue | EPOLLRDHUP.rawValue)
        let pidfd = lt_pidfd_open(p.pid)
        if pidfd >= 0 {
            pipes.pidFD = pidfd
            add(pipes, .exit, pidfd, EPOLLIN.rawValue)
        } else {
            // No pidfd (kernel < 5.3): a thread blocked in waitpid for this child.
            let t = Thread { [weak self, pipes] in
                var status: Int32 = 0
                while waitpid(pipes.pid, &status, __WALL) < 0 && errno == EINTR {}
                self?.finish(pipes, Self.decode(status))
            }
            t.stackSize = 64 << 10
            t.start()
        }
        return pipes
    }

    private func add(_ pipes: Pipes, _ role: Role, _ fd: Int32, _ events: UInt32) {
        let token = nextToken.withLock { t -> UInt64 in t += 1; return t }
        registry.withLock { $0[token] = Registration(pipes: pipes, role: role, fd: fd) }
        var ev = epoll_event(events: events, data: epoll_data_t(u64: token))
        _ = epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev)
    }

    fileprivate func watchWritable(_ pipes: Pipes) {
        add(pipes, .stdin, pipes.stdinFD, EPOLLOUT.rawValue | UInt32(bitPattern: Int32(EPOLLONESHOT.rawValue)))
    }

    private func remove(token: UInt64) {
        guard let r = registry.withLock({ $0.removeValue(forKey: token) }) else { return }
        _ = epoll_ctl(epfd, EPOLL_CTL_DEL, r.fd, nil)
    }

    private func loop() {
        var events = [epoll_event](repeating: epoll_event(), count: 64)
        var buf = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = epoll_wait(epfd, &events, Int32(events.count), -1)
            if n < 0 { continue }
            for i in 0..<Int(n) {
                let token = events[i].data.u64
                if token == 0 { var v: UInt64 = 0; _ = read(wakeFD, &v, 8); continue }
                guard let r = registry.withLock({ $0[token] }) else { continue }
                switch r.role {
                case .stdout, .stderr:
                    // One read per wake-up: epoll is level-triggered, so what is left is reported
                    // again, after every other ready descriptor had its turn.
                    if !drain(r.pipes, r.role, &buf, reads: Self.readsPerWakeup) { remove(token: token) }
                case .stdin:
                    remove(token: token)
                    if !r.pipes.flush() { watchWritable(r.pipes) }
                case .exit:
                    remove(token: token)
                    var exited: Int32 = 0, code: Int32 = 0, sig: Int32 = 0, core: Int32 = 0
                    let rc = lt_wait_status(r.pipes.pid, &exited, &code, &sig, &core)
                    if rc == r.pipes.pid {
                        let status = exited != 0 ? ExitStatus(code: code) : ExitStatus(signal: sig, coreDumped: core != 0)
                        finishOnLoop(r.pipes, status, &buf)
                    } else if rc == 0 {
                        add(r.pipes, .exit, r.pipes.pidFD, EPOLLIN.rawValue)  // spurious; keep waiting
                    } else {
                        finishOnLoop(r.pipes, ExitStatus(code: -1), &buf)
                    }
                }
            }
        }
    }

    /// Reads of one pipe per wake-up of the loop (64 KiB each).
    ///
    /// Rationale: until 2026-12-06 a wake-up read a pipe until `EAGAIN`. A child that writes
    /// faster than the host handles its lines (a flood of `log` notifications, each parsed here
    /// on this thread) never lets the pipe run dry, so the loop stayed on that one child for
    /// seconds, or for as long as it flooded, and every other child's lines waited: children that
    /// had answered `initialize` were killed `not ready after 10000 ms` (issue 18, item 8;
    /// docs/reliability.md). With one read per turn, a flooder costs the others at most the
    /// handling of 64 KiB of its lines per turn.
    static let readsPerWakeup = 1

    /// Reads what is available, at most `reads` times (nil: until `EAGAIN` or EOF); returns false
    /// when the stream ended (EOF or overflow).
    private func drain(_ p: Pipes, _ role: Role, _ buf: inout [UInt8], reads: Int? = nil) -> Bool {
        let fd = role == .stdout ? p.stdoutFD : p.stderrFD
        var left = reads ?? Int.max
        while true {
            if left == 0 { return !(role == .stdout && p.overflowed) }
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                left -= 1
                if role == .stdout {
                    if !p.overflowed { splitStdout(p, buf[0..<n]) }
                } else {
                    p.errBuffer.append(contentsOf: buf[0..<n]); splitStderr(p)
                }
                continue
            }
            if n < 0 && (errno == EAGAIN || errno == EINTR) { return !(role == .stdout && p.overflowed) }
            // EOF or error: deliver a trailing partial line.
            if role == .stdout {
                let rest = p.out.takePending()
                if !rest.isEmpty && !p.overflowed { p.delegate?.stdoutLine(Data(rest)) }
                p.outOpen = false
            } else {
                if !p.errBuffer.isEmpty { p.delegate?.stderrLine(Self.text(p.errBuffer)) }
                p.errBuffer = Data(); p.errOpen = false
            }
            return false
        }
    }

    private func splitStdout(_ p: Pipes, _ bytes: ArraySlice<UInt8>) {
        let (lines, overflowed) = p.out.append(bytes)
        for line in lines where !line.isEmpty { p.delegate?.stdoutLine(Data(line)) }
        if overflowed {
            p.overflowed = true
            p.delegate?.stdoutOverflow(limit: p.maxLine)
        }
    }

    private func splitStderr(_ p: Pipes) {
        var start = p.errBuffer.startIndex
        while let nl = p.errBuffer[start...].firstIndex(of: 0x0A) {
            p.delegate?.stderrLine(Self.text(p.errBuffer[start..<nl]))
            start = p.errBuffer.index(after: nl)
        }
        p.errBuffer.removeSubrange(p.errBuffer.startIndex..<start)
        if p.errBuffer.count > 4096 {
            p.delegate?.stderrLine(Self.text(p.errBuffer) + " [cut]")
            p.errBuffer = Data()
        }
    }

    static func text(_ d: Data) -> String {
        let s = String(decoding: d.prefix(4096), as: UTF8.self)
        return s.hasSuffix("\r") ? String(s.dropLast()) : s
    }

    /// After the exit: read what is left, close everything, report.
    private func finishOnLoop(_ p: Pipes, _ status: ExitStatus, _ buf: inout [UInt8]) {
        if p.outOpen { _ = drain(p, .stdout, &buf) }
        if p.errOpen { _ = drain(p, .stderr, &buf) }
        finish(p, status)
    }

    private func finish(_ p: Pipes, _ status: ExitStatus) {
        let tokens = registry.withLock { r in r.filter { $0.value.pipes === p }.map(\.key) }
        tokens.forEach { remove(token: $0) }
        p.closeStdin()
        close(p.stdoutFD); close(p.stderrFD)
        if p.pidFD >= 0 { close(p.pidFD) }
        p.exited = true
        p.delegate?.exited(status)
    }

    static func decode(_ status: Int32) -> ExitStatus {
        let sig = status & 0x7f
        if sig == 0 { return ExitStatus(code: (status >> 8) & 0xff) }
        return ExitStatus(signal: sig, coreDumped: status & 0x80 != 0)
    }
}
