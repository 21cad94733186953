import Foundation

#if canImport(Glibc)
import Glibc
private let streamSocket = Int32(SOCK_STREAM.rawValue)
/// Close-on-exec from the start: children the daemon spawns must never inherit an engine socket.
private let socketFlags = Int32(SOCK_CLOEXEC.rawValue)
private let sendFlags = Int32(MSG_NOSIGNAL)
#elseif canImport(Darwin)
import Darwin
private let streamSocket = SOCK_STREAM
private let socketFlags: Int32 = 0
private let sendFlags: Int32 = 0
#endif

/// A failed socket operation, keeping the syscall, the path and the `errno` text
/// (`connect(/var/run/docker.sock): No such file or directory`).
public struct SocketError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// The `errno` of the failed call, when there was one.
    public let code: Int32?
    /// True when the deadline passed (not a socket failure).
    public let timedOut: Bool

    init(_ description: String, code: Int32? = nil, timedOut: Bool = false) {
        self.description = description; self.code = code; self.timedOut = timedOut
    }

    static func errno(_ call: String, _ code: Int32 = Foundation.errno) -> SocketError {
        SocketError("\(call): \(String(cString: strerror(code)))", code: code)
    }
}

/// A connection over an `AF_UNIX` stream socket, non-blocking: every wait goes through `poll`
/// with a deadline (monotonic ms), so no call blocks longer than its timeout.
///
/// Threading: not thread-safe; owned by one request on one thread, except `interrupt`, which any
/// thread may call to make a blocked `read`/`write` fail promptly.
public final class UnixSocket: @unchecked Sendable {
    // `fd` never changes; `closed` is touched only by the owning thread (`interrupt` uses `fd` only).
    let fd: Int32
    let path: String
    private var closed = false

    private init(fd: Int32, path: String) { self.fd = fd; self.path = path }

    /// Connects to the socket file at `path` before `deadline`.
    /// - Throws: `SocketError` naming `connect(<path>)` and the errno text.
    public static func connect(path: String, deadline: Int64) throws(SocketError) -> UnixSocket {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity else {
            throw SocketError("connect(\(path)): expected a socket path of 1 to \(capacity - 1) bytes, got \(bytes.count)")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let fd = socket(AF_UNIX, streamSocket | socketFlags, 0)
        guard fd >= 0 else { throw .errno("socket(AF_UNIX)") }
        let s = UnixSocket(fd: fd, path: path)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        #if canImport(Darwin)
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if rc != 0 {
            let code = errno
            guard code == EINPROGRESS || code == EAGAIN else { throw .errno("connect(\(path))", code) }
            guard try s.wait(for: Int16(POLLOUT), deadline: deadline) else {
                throw SocketError("connect(\(path)): timed out", timedOut: true)
            }
            var err: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
            if err != 0 { throw .errno("connect(\(path))", err) }
        }
        return s
    }

    /// Writes all of `bytes` before `deadline`.
    public func write(_ bytes: [UInt8], deadline: Int64) throws(SocketError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in send(fd, raw.baseAddress! + offset, raw.count - offset, sendFlags) }
            if n > 0 { offset += n; continue }
            let code = errno
            guard n < 0, code == EAGAIN || code == EWOULDBLOCK || code == EINTR else { throw .errno("send(\(path))", code) }
            guard try wait(for: Int16(POLLOUT), deadline: deadline) else {
                throw SocketError("send(\(path)): timed out", timedOut: true)
            }
        }
    }

    /// Reads what is available (at most 64 KiB), waiting until `deadline` for the first byte.
    /// - Returns: the bytes; empty at end of stream (the peer closed its side).
    /// - Throws: `SocketError` on a socket failure or when the deadline passed first.
    public func read(deadline: Int64) throws(SocketError) -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { return Array(chunk[0..<n]) }
            if n == 0 { return [] }
            let code = errno
            guard code == EAGAIN || code == EWOULDBLOCK || code == EINTR else { throw .errno("recv(\(path))", code) }
            guard try wait(for: Int16(POLLIN), deadline: deadline) else {
                throw SocketError("recv(\(path)): timed out", timedOut: true)
            }
        }
    }

    /// Waits until the socket is ready for `events`; false when `deadline` passed first.
    private func wait(for events: Int16, deadline: Int64) throws(SocketError) -> Bool {
        while true {
            let remaining = max(0, deadline - Self.nowMs())
            if remaining == 0 { return false }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let rc = poll(&p, 1, Int32(min(remaining, Int64(Int32.max))))
            if rc > 0 { return true }
            if rc < 0 && errno != EINTR { throw .errno("poll(\(path))") }
        }
    }

    /// Makes a thread blocked in `read` or `write` on this socket fail promptly; safe from any thread.
    public func interrupt() {
        _ = Foundation.shutdown(fd, Int32(SHUT_RDWR))
    }

    public func close() {
        guard !closed else { return }
        closed = true
        _ = Foundation.close(fd)
    }

    deinit { close() }

    /// Monotonic milliseconds: what every deadline is measured in.
    public static func nowMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
