import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP/1.1 exchange over the daemon's unix socket (URLSession on Linux has no unix
/// sockets): connect, send the request with `Connection: close`, read to the end. Blocking, for
/// the CLI's one call per run; `DaemonTransport` runs it on a thread of its own, never on the
/// concurrency pool.
enum UnixSocketHTTP {
    /// The default socket: `$LIGHTNING_DATA_DIR/lightning.sock`, else `.lightning/lightning.sock`.
    static func defaultPath(environment env: [String: String]) -> String {
        (env["LIGHTNING_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? ".lightning") + "/lightning.sock"
    }

    /// True when a daemon accepts connections on `path` now.
    static func reachable(_ path: String) -> Bool {
        guard let fd = try? connect(path) else { return false }
        close(fd)
        return true
    }

    /// What came back: the status, the header fields in order, the body (de-chunked).
    struct Response: Sendable {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: Data
    }

    /// Sends a request; returns the status, headers and body (de-chunked). Blocking: call it off
    /// the concurrency pool (`DaemonTransport` runs it on a thread of its own).
    /// - Throws: `ClientFailure` naming the socket and the failed step.
    static func send(path: String, method: String, target: String, headers: [String: String], body: Data?) throws -> Response {
        let fd = try connect(path)
        defer { close(fd) }
        var head = "\(method) \(target) HTTP/1.1\r\nHost: lightning\r\nConnection: close\r\nContent-Length: \(body?.count ?? 0)\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        var request = Data((head + "\r\n").utf8)
        if let body { request.append(body) }
        try request.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                guard n > 0 else { throw ClientFailure(description: "unix socket \(path): send: \(String(cString: strerror(errno)))") }
                offset += n
            }
        }
        var response = Data()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buf, buf.count, 0)
            if n == 0 { break }
            guard n > 0 else { throw ClientFailure(description: "unix socket \(path): recv: \(String(cString: strerror(errno)))") }
            response.append(contentsOf: buf[0..<n])
        }
        return try parse(response, socket: path)
    }

    static func parse(_ response: Data, socket: String) throws -> Response {
        guard let end = response.range(of: Data("\r\n\r\n".utf8)) else {
            throw ClientFailure(description: "unix socket \(socket): expected an HTTP response, got \(response.count) bytes without a complete head")
        }
        let head = String(decoding: response[..<end.lowerBound], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        guard let statusLine = lines.first, statusLine.hasPrefix("HTTP/1."), let status = Int(statusLine.dropFirst(9).prefix(3)) else {
            throw ClientFailure(description: "unix socket \(socket): expected an HTTP status line, got \"\(lines.first ?? "")\"")
        }
        let body = Data(response[end.upperBound...])
        let headers = lines.dropFirst().compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let chunked = headers.contains { $0.name.lowercased() == "transfer-encoding" && $0.value.lowercased().contains("chunked") }
        return Response(status: status, headers: headers, body: chunked ? dechunk(body) : body)
    }

    /// The payload of a chunked body (chunk extensions and trailers ignored).
    static func dechunk(_ data: Data) -> Data {
        var out = Data()
        var rest = data[...]
        while let lineEnd = rest.range(of: Data("\r\n".utf8)) {
            let sizeText = String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else { break }
            let start = lineEnd.upperBound
            guard rest.distance(from: start, to: rest.endIndex) >= size else { break }
            let stop = rest.index(start, offsetBy: size)
            out.append(rest[start..<stop])
            rest = rest[min(rest.index(stop, offsetBy: 2, limitedBy: rest.endIndex) ?? rest.endIndex, rest.endIndex)...]
        }
        return out
    }

    private static func connect(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientFailure(description: "unix socket \(path): socket: \(String(cString: strerror(errno)))") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard path.utf8.count < capacity else {
            close(fd)
            throw ClientFailure(description: "unix socket \(path): expected a path shorter than \(capacity) bytes, got \(path.utf8.count)")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let e = errno
            close(fd)
            throw ClientFailure(description: "unix socket \(path): connect: \(String(cString: strerror(e)))")
        }
        return fd
    }
}
