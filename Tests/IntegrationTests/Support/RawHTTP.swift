import Foundation
import LightningTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A bare TCP client for what URLSession hides: read the first bytes of a response, then hang
/// up (tests of how the daemon notices a client that went away).
enum RawHTTP {
    static func readFirstBytes(port: Int, path: String, token: String? = nil) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw TestFailure("connect: errno \(errno)") }
        let auth = token.map { "Authorization: Bearer \($0)\r\n" } ?? ""
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\(auth)\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buf, buf.count, 0)
        guard n > 0 else { throw TestFailure("recv: \(n), errno \(errno)") }
        return String(decoding: buf[0..<n], as: UTF8.self)
    }
}
