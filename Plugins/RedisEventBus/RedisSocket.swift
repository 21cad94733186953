import Foundation

#if canImport(Glibc)
import Glibc
private let streamSocket = Int32(SOCK_STREAM.rawValue)
/// Close-on-exec from the start: children the daemon spawns must never inherit a Redis socket.
private let socketFlags = Int32(SOCK_CLOEXEC.rawValue)
private let sendFlags = Int32(MSG_NOSIGNAL)
#elseif canImport(Darwin)
import Darwin
private let streamSocket = SOCK_STREAM
private let socketFlags: Int32 = 0
private let sendFlags: Int32 = 0
#endif

/// A failed socket operation, keeping the syscall and `errno` text (`connect(127.0.0.1:6379): Connection refused`).
struct SocketError: Error, CustomStringConvertible {
    let description: String

    static func errno(_ call: String, _ code: Int32 = Foundation.errno) -> SocketError {
        SocketError(description: "\(call): \(String(cString: strerror(code)))")
    }
}

/// A TCP connection over a non-blocking POSIX socket: every wait goes through `poll` with a
/// deadline, so no call blocks longer than its timeout.
///
/// Threading: not thread-safe; owned by one `RedisConnection`, used from one queue or thread at a time.
final class RedisSocket {
    let fd: Int32
    private var closed = false

    private init(fd: Int32) { self.fd = fd }

    /// Resolves `host` and connects to the first address that answers within `timeoutMs`.
    /// - Throws: `SocketError` naming the call and the address.
    static func connect(host: String, port: Int, timeoutMs: Int) throws(SocketError) -> RedisSocket {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = streamSocket
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw SocketError(description: "getaddrinfo(\(host)): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(first) }
        var lastError = SocketError(description: "getaddrinfo(\(host)): no address")
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        let deadline = Self.nowMs() + Int64(timeoutMs)
        while let ai = cursor {
            cursor = ai.pointee.ai_next
            do throws(SocketError) {
                return try attempt(ai.pointee, label: "\(host):\(port)", deadline: deadline)
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    private static func attempt(_ ai: addrinfo, label: String, deadline: Int64) throws(SocketError) -> RedisSocket {
        let fd = socket(ai.ai_family, streamSocket | socketFlags, ai.ai_protocol)
        guard fd >= 0 else { throw .errno("socket") }
        let s = RedisSocket(fd: fd)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        #if canImport(Darwin)
        _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
        if Foundation.connect(fd, ai.ai_addr, ai.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else { throw .errno("connect(\(label))") }
            guard try s.wait(for: Int16(POLLOUT), deadline: deadline) else {
                throw SocketError(description: "connect(\(label)): timed out")
            }
            var err: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
            if err != 0 { throw .errno("connect(\(label))", err) }
        }
        return s
    }

    /// Writes all of `bytes` before `deadline` (ms since 1970).
    func write(_ bytes: [UInt8], deadline: Int64) throws(SocketError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress.map { $0 + offset }, bytes.count - offset, sendFlags)
            }
            if n > 0 { offset += n; continue }
            let code = errno
            guard n < 0, code == EAGAIN || code == EWOULDBLOCK || code == EINTR else { throw .errno("send", code) }
            guard try wait(for: Int16(POLLOUT), deadline: deadline) else { throw SocketError(description: "send: timed out") }
        }
    }

    /// Reads what is available into `buffer`, waiting until `deadline` for the first byte.
    /// - Returns: false when the deadline passed with nothing to read.
    /// - Throws: on end of stream (`connection closed by the server`) or a socket error.
    func read(into buffer: inout [UInt8], deadline: Int64?) throws(SocketError) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { buffer.append(contentsOf: chunk[0..<n]); return true }
            if n == 0 { throw SocketError(description: "connection closed by the server") }
            let code = errno
            guard code == EAGAIN || code == EWOULDBLOCK || code == EINTR else { throw .errno("recv", code) }
            guard try wait(for: Int16(POLLIN), deadline: deadline) else { return false }
        }
    }

    /// True when the peer closed or sent something unasked: a pooled connection in that state is
    /// stale (server restart, idle timeout) and must not be used for a command.
    var isStale: Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) != 0
    }

    /// Waits until the socket is ready for `events`; false when `deadline` passed first.
    private func wait(for events: Int16, deadline: Int64?) throws(SocketError) -> Bool {
        while true {
            let remaining = deadline.map { max(0, $0 - Self.nowMs()) }
            if remaining == 0 { return false }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let rc = poll(&p, 1, remaining.map { Int32(min($0, Int64(Int32.max))) } ?? -1)
            if rc > 0 { return true }
            if rc < 0 && errno != EINTR { throw .errno("poll") }
        }
    }

    /// Wakes a thread blocked in `read` on this socket (it then fails); safe from another thread.
    func interrupt() {
        _ = Foundation.shutdown(fd, Int32(SHUT_RDWR))
    }

    func close() {
        guard !closed else { return }
        closed = true
        _ = Foundation.close(fd)
    }

    deinit { close() }

    static func nowMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
