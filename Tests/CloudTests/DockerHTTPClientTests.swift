import DockerEngine
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
private let streamSocket = Int32(SOCK_STREAM.rawValue)
private let noSignal = Int32(MSG_NOSIGNAL)
#elseif canImport(Darwin)
import Darwin
private let streamSocket = SOCK_STREAM
private let noSignal: Int32 = 0
#endif

/// The Docker plugin's HTTP/1.1 client against a tiny unix-socket server in the test (no
/// engine): a missing socket, a streamed file body, a chunked answer written in pieces, the
/// deadline, cancellation.
@Suite(.timeLimit(.minutes(1)))
struct UnixHTTPClientTests {
    @Test func aMissingSocketIsUnreachableNamingThePath() async {
        let path = "/tmp/lt-missing-\(UUID().uuidString.prefix(8)).sock"
        let client = UnixHTTPClient(socketPath: path)
        do {
            _ = try await client.send(EngineRequest("GET", "/_ping", timeoutMs: 2000))
            Issue.record("expected an error")
        } catch let e as EngineTransportError {
            #expect(e.kind == .unreachable)
            #expect(e.description.contains(path))
        } catch {
            Issue.record("expected EngineTransportError, got \(error)")
        }
    }

    @Test func streamsAFileBodyAndReadsAChunkedAnswerWrittenInPieces() async throws {
        let server = try UnixTestServer { conn in
            let (head, body) = UnixTestServer.readRequest(conn)
            let sum = body.reduce(0) { $0 &+ Int($1) }
            let answer = "\(head.split(separator: "\r\n").first ?? "") \(body.count) \(sum)"
            let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + String(answer.utf8.count, radix: 16) + "\r\n" + answer + "\r\n0\r\n\r\n"
            for piece in Array(chunked.utf8).chunked(7) {  // the client must reassemble small pieces
                UnixTestServer.write(conn, Array(piece))
                usleep(1000)
            }
        }
        defer { server.stop() }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("lt-body-\(UUID().uuidString.prefix(8))")
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let client = UnixHTTPClient(socketPath: server.path)
        let r = try await client.send(EngineRequest("POST", "/v1.41/images/create?fromSrc=-", body: .file(path: file.path, contentType: "application/x-tar"),
                                                    timeoutMs: 10_000))
        #expect(r.status == 200)
        let sum = bytes.reduce(0) { $0 &+ Int($1) }
        #expect(r.bodyText == "POST /v1.41/images/create?fromSrc=- HTTP/1.1 200000 \(sum)")
    }

    @Test func anUnansweredRequestTimesOut() async throws {
        let server = try UnixTestServer { conn in
            _ = UnixTestServer.readRequest(conn)
            // Never answer; wait until the client gives up and closes.
            var b = [UInt8](repeating: 0, count: 16)
            while recv(conn, &b, b.count, 0) > 0 {}
        }
        defer { server.stop() }
        let client = UnixHTTPClient(socketPath: server.path)
        do {
            _ = try await client.send(EngineRequest("POST", "/v1.41/containers/x/wait", timeoutMs: 300))
            Issue.record("expected a timeout")
        } catch let e as EngineTransportError {
            #expect(e.kind == .timedOut)
        }
    }

    @Test func cancellingTheTaskStopsTheRequest() async throws {
        let server = try UnixTestServer { conn in
            _ = UnixTestServer.readRequest(conn)
            var b = [UInt8](repeating: 0, count: 16)
            while recv(conn, &b, b.count, 0) > 0 {}
        }
        defer { server.stop() }
        let client = UnixHTTPClient(socketPath: server.path)
        let task = Task { try await client.send(EngineRequest("POST", "/v1.41/containers/x/wait", timeoutMs: 60_000)) }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        do {
            _ = try await task.value
            Issue.record("expected cancellation")
        } catch let e as EngineTransportError {
            #expect(e.kind == .cancelled)
        }
    }

    @Test func aServerClosingMidBodyIsAnError() async throws {
        let server = try UnixTestServer { conn in
            _ = UnixTestServer.readRequest(conn)
            UnixTestServer.write(conn, Array("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this".utf8))
        }
        defer { server.stop() }
        let client = UnixHTTPClient(socketPath: server.path)
        do {
            _ = try await client.send(EngineRequest("GET", "/v1.41/containers/x/logs", timeoutMs: 5000))
            Issue.record("expected an error")
        } catch let e as EngineTransportError {
            #expect(e.kind == .malformed)
            #expect(e.description.contains("Content-Length"))
        }
    }
}

/// A blocking unix-socket server on its own thread: accepts connections one at a time and runs
/// `handler` on each, then closes it.
final class UnixTestServer: @unchecked Sendable {
    // `fd` and `path` are fixed at init; the accept thread ends when `stop` closes `fd`.
    let path: String
    private let fd: Int32

    init(handler: @escaping @Sendable (Int32) -> Void) throws {
        path = "/tmp/lt-uhttp-\(UUID().uuidString.prefix(8)).sock"
        fd = socket(AF_UNIX, streamSocket, 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0, listen(fd, 8) == 0 else { throw UnixTestServerError("bind/listen(\(path)): \(String(cString: strerror(errno)))") }
        let listener = fd
        Thread {
            while true {
                let conn = accept(listener, nil, nil)
                if conn < 0 { return }
                handler(conn)
                close(conn)
            }
        }.start()
    }

    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
        unlink(path)
    }

    /// Reads a request head and its Content-Length body.
    static func readRequest(_ conn: Int32) -> (head: String, body: [UInt8]) {
        var data: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65_536)
        var headEnd: Int?
        var length = 0
        while true {
            if headEnd == nil, let r = find(data, Array("\r\n\r\n".utf8)) {
                headEnd = r + 4
                let head = String(decoding: data[..<r], as: UTF8.self)
                for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                    length = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
            if let h = headEnd, data.count - h >= length {
                return (String(decoding: data[..<(h - 4)], as: UTF8.self), Array(data[h..<(h + length)]))
            }
            let n = recv(conn, &buf, buf.count, 0)
            if n <= 0 { return (String(decoding: data, as: UTF8.self), []) }
            data.append(contentsOf: buf[0..<n])
        }
    }

    static func write(_ conn: Int32, _ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { send(conn, $0.baseAddress, $0.count, noSignal) }
            if n <= 0 { return }
            off += n
        }
    }

    private static func find(_ hay: [UInt8], _ needle: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
        return nil
    }
}

struct UnixTestServerError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

extension Array {
    fileprivate func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
