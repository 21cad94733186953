import Foundation
import LightningTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// One TCP connection driven byte by byte: what URLSession cannot do (send half a head, hold a
/// connection idle, send a body larger than announced, see the server hang up). Its blocking
/// calls (connect, the read until close) run on a thread of their own through the `async`
/// entry points (`BlockingIO`), never on the concurrency pool.
final class RawConnection: @unchecked Sendable {
    // Used by one test task at a time.
    let fd: Int32

    /// Connects to 127.0.0.1:`port`.
    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { let e = errno; close(fd); throw TestFailure("connect 127.0.0.1:\(port): errno \(e)") }
    }

    /// Connects to the unix socket at `path`.
    init(unixPath path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = b }
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { let e = errno; close(fd); throw TestFailure("connect \(path): errno \(e)") }
    }

    deinit { close(fd) }

    /// Sends all of `bytes`; false when the peer has closed (EPIPE, ECONNRESET).
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Connects to 127.0.0.1:`port` from a thread of its own and sends `first` right after the
    /// connect, on that thread (a daemon's idle and head timers start at the connect: no wait
    /// for the concurrency pool in between).
    static func open(port: Int, sending first: String? = nil) async throws -> RawConnection {
        try await BlockingIO.onThread("raw.connect") {
            let c = try RawConnection(port: port)
            if let first { c.send(first) }
            return c
        }
    }

    /// `count` connections to 127.0.0.1:`port`, opened one after another on a thread of their
    /// own. A connect the kernel refuses (the accept queue full on a loaded machine) is tried
    /// again, up to 5 times.
    static func open(_ count: Int, port: Int) async throws -> [RawConnection] {
        try await BlockingIO.onThread("raw.connect-many") {
            var out: [RawConnection] = []
            for _ in 0..<count {
                var tries = 0
                while true {
                    do {
                        out.append(try RawConnection(port: port))
                        break
                    } catch where tries < 4 {
                        tries += 1
                        usleep(100_000)
                    }
                }
            }
            return out
        }
    }

    /// One request on a new connection that asks to be closed after the answer: what a new
    /// client gets, with no pooled keep-alive connection in between (URLSession reuses one,
    /// and an idle connection may be closed by the daemon's cap at any moment).
    static func exchange(port: Int, _ request: String, timeout: Duration = .seconds(30)) async throws -> (status: Int?, text: String) {
        try await BlockingIO.onThread("raw.exchange") {
            let c = try RawConnection(port: port)
            c.send(request)
            let text = c.readUntilCloseBlocking(timeout: timeout).text
            return (RawConnection.status(of: text), text)
        }
    }

    /// What arrived until the peer closed, or until `timeout` passed without the close, read
    /// on a thread of its own.
    /// - Returns: the bytes as text, and whether the peer closed (EOF or reset).
    func readUntilClose(timeout: Duration = .seconds(30)) async -> (text: String, closed: Bool) {
        await BlockingIO.onThread("raw.read") { self.readUntilCloseBlocking(timeout: timeout) }
    }

    /// `readUntilClose`, blocking the calling thread (for threads of the tests' own).
    func readUntilCloseBlocking(timeout: Duration = .seconds(30)) -> (text: String, closed: Bool) {
        var out: [UInt8] = []
        let deadline = ContinuousClock.now + timeout
        var buf = [UInt8](repeating: 0, count: 65536)
        while ContinuousClock.now < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let left = deadline - ContinuousClock.now
            let ms = Int32(max(1, min(1000, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)))
            guard poll(&p, 1, ms) > 0 else { continue }
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { return (String(decoding: out, as: UTF8.self), true) }
            out += buf[0..<n]
        }
        return (String(decoding: out, as: UTF8.self), false)
    }

    /// True when the peer has closed the connection by now (without waiting).
    var isClosedByPeer: Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 0) > 0 else { return false }
        var b: UInt8 = 0
        let n = recv(fd, &b, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        return n == 0 || (n < 0 && errno == ECONNRESET)
    }

    /// The status code of an HTTP/1.1 response text (`HTTP/1.1 413 …`), or nil.
    static func status(of text: String) -> Int? {
        guard text.hasPrefix("HTTP/1.1 ") else { return nil }
        return Int(text.dropFirst(9).prefix(3))
    }

    /// The body after the head of a response text.
    static func body(of text: String) -> String {
        guard let r = text.range(of: "\r\n\r\n") else { return "" }
        return String(text[r.upperBound...])
    }
}
