import Foundation
import LightningTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A bare TCP client for what URLSession hides: read the first bytes of a response, then hang
/// up (tests of how the daemon notices a client that went away).
enum RawHTTP {
    static func readFirstBytes(port: Int, path: String, token: String? = nil) throws -> String {
        let fd = try connect(port: port)
        defer { close(fd) }
        sendStreamRequest(fd, path: path, token: token)
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buf, buf.count, 0)
        guard n > 0 else { throw TestFailure("recv: \(n), errno \(errno)") }
        return String(decoding: buf[0..<n], as: UTF8.self)
    }

    /// `GET path` asking for server-sent events, with the token as a bearer.
    static func sendStreamRequest(_ fd: Int32, path: String, token: String?) {
        let auth = token.map { "Authorization: Bearer \($0)\r\n" } ?? ""
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\(auth)\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
    }

    /// A TCP connection to 127.0.0.1:`port`; the options are set before connecting (a receive
    /// buffer only takes effect then).
    static func connect(port: Int, receiveBuffer: Int32? = nil, receiveTimeoutSeconds: Int? = nil) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        if var size = receiveBuffer { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
        if let seconds = receiveTimeoutSeconds {
            var timeout = timeval(tv_sec: seconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { let e = errno; close(fd); throw TestFailure("connect: errno \(e)") }
        return fd
    }

    /// A stream reader that reads only when told: its receive buffer is small, so what the
    /// daemon cannot send waits on the daemon's side (tests of back-pressure and drops).
    final class SlowReader: Sendable {
        let fd: Int32

        init(port: Int, path: String, token: String? = nil) throws {
            fd = try RawHTTP.connect(port: port, receiveBuffer: 4096, receiveTimeoutSeconds: 5)
            RawHTTP.sendStreamRequest(fd, path: path, token: token)
        }

        deinit { close(fd) }

        /// Reads until `done` holds for the last 64 KB read, or nothing came for 5 s; returns
        /// everything read.
        func read(until done: (String) -> Bool) -> String {
            var all = [UInt8]()
            var buf = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = recv(fd, &buf, buf.count, 0)
                if n <= 0 { break }
                all.append(contentsOf: buf[0..<n])
                if done(String(decoding: all.suffix(65536), as: UTF8.self)) { break }
            }
            return String(decoding: all, as: UTF8.self)
        }
    }
}
