import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The admin token of each daemon the benchmarks started, by its port (`DaemonProcess.start`
/// registers it): every `HTTPConnection` to that port sends it as `Authorization: Bearer`, so
/// the benchmarks measure the daemon with authentication on, as it ships.
enum DaemonTokens {
    static let byPort = Mutex<[Int: String]>([:])
    static func register(port: Int, token: String) { byPort.withLock { $0[port] = token } }
}

/// A blocking HTTP/1.1 client on one keep-alive TCP connection to 127.0.0.1 (raw sockets:
/// URLSession on Linux costs more per request than the daemon does). One thread at a time.
final class HTTPConnection: @unchecked Sendable {
    // Used by one thread at a time; `shutdown()` may be called from another to unblock it.
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private let authorization: String

    struct Response { var status: Int; var body: [UInt8]; var text: String { String(decoding: body, as: UTF8.self) } }

    init(port: Int) throws {
        authorization = DaemonTokens.byPort.withLock { $0[port] }.map { "Authorization: Bearer \($0)\r\n" } ?? ""
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else {
            let e = errno
            Glibc.close(fd)
            throw BenchError("connect 127.0.0.1:\(port): \(String(cString: strerror(e)))")
        }
    }

    deinit { Glibc.close(fd) }

    /// Unblocks a thread reading this connection (it then sees EOF).
    func shutdown() { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }

    /// Sends a request and reads the whole response.
    func request(_ method: String, _ path: String, body: [UInt8]? = nil) throws -> Response {
        try send(method, path, body: body)
        let (status, headers) = try readHead()
        return Response(status: status, body: try readBody(headers))
    }

    func get(_ path: String) throws -> Response { try request("GET", path) }

    func send(_ method: String, _ path: String, body: [UInt8]?, extraHeaders: String = "") throws {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(authorization)\(extraHeaders)"
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        head += "\r\n"
        try writeAll(Array(head.utf8) + (body ?? []))
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 { if errno == EINTR { continue }; throw BenchError("send: \(String(cString: strerror(errno)))") }
            off += n
        }
    }

    /// Reads more bytes into the buffer; false at EOF.
    private func fill() throws -> Bool {
        if start > 65536 { buffer.removeFirst(start); start = 0 }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw BenchError("recv: \(String(cString: strerror(errno)))") }
            if n == 0 { return false }
            buffer += chunk[0..<n]
            return true
        }
    }

    private func readLine() throws -> String {
        while true {
            if let i = buffer[start...].firstIndex(of: 0x0A) {
                var end = i
                if end > start && buffer[end - 1] == 0x0D { end -= 1 }
                let s = String(decoding: buffer[start..<end], as: UTF8.self)
                start = i + 1
                return s
            }
            guard try fill() else { throw BenchError("connection closed") }
        }
    }

    private func readExactly(_ n: Int) throws -> [UInt8] {
        while buffer.count - start < n { guard try fill() else { throw BenchError("connection closed") } }
        let out = Array(buffer[start..<(start + n)])
        start += n
        return out
    }

    func readHead() throws -> (Int, [String: String]) {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw BenchError("bad status line \"\(statusLine)\"") }
        var headers: [String: String] = [:]
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            if let c = line.firstIndex(of: ":") {
                headers[line[..<c].lowercased()] = line[line.index(after: c)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return (status, headers)
    }

    private func readBody(_ headers: [String: String]) throws -> [UInt8] {
        if let len = headers["content-length"].flatMap(Int.init) { return try readExactly(len) }
        guard headers["transfer-encoding"]?.lowercased() == "chunked" else { return [] }
        var body: [UInt8] = []
        while let chunk = try readChunk() { body += chunk }
        return body
    }

    /// One chunk of a chunked body; nil at the last (empty) chunk.
    func readChunk() throws -> [UInt8]? {
        let sizeLine = try readLine()
        guard let size = Int(sizeLine.split(separator: ";").first ?? "", radix: 16) else { throw BenchError("bad chunk size \"\(sizeLine)\"") }
        if size == 0 { _ = try readLine(); return nil }
        let data = try readExactly(size)
        _ = try readLine()
        return data
    }
}

/// Runs `body` on a new thread of its own (for blocking I/O) and returns its result.
func onThread<T: Sendable>(_ name: String, _ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { (c: CheckedContinuation<T, Never>) in
        let t = Thread { c.resume(returning: body()) }
        t.name = name
        t.stackSize = 1 << 20
        t.start()
    }
}
