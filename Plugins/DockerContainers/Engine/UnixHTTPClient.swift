import Foundation
import Synchronization

/// One HTTP/1.1 request to a server on a unix socket (the Docker Engine API).
public struct EngineRequest: Sendable {
    public enum Body: Sendable {
        case none
        /// Sent with `Content-Type: application/json`.
        case json([UInt8])
        /// A local file streamed as the body (64 KiB at a time), with its size as Content-Length.
        case file(path: String, contentType: String)
    }

    public var method: String
    /// Path and query, already percent-encoded (`/v1.41/containers/create?name=x`).
    public var target: String
    public var body: Body
    /// For the whole exchange: connect, send, and the complete response.
    public var timeoutMs: Int

    public init(_ method: String, _ target: String, body: Body = .none, timeoutMs: Int) {
        self.method = method; self.target = target; self.body = body; self.timeoutMs = timeoutMs
    }
}

/// Why an exchange failed before a complete response arrived.
public struct EngineTransportError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The socket file is missing or nobody listens on it.
        case unreachable
        /// The deadline passed.
        case timedOut
        /// The connection broke mid-exchange.
        case broken
        /// The server's bytes are not HTTP/1.1.
        case malformed
        /// The request's local file could not be read.
        case localFile
        case cancelled
    }
    public let kind: Kind
    public let description: String
    public init(_ kind: Kind, _ description: String) { self.kind = kind; self.description = description }
}

/// A small HTTP/1.1 client over an `AF_UNIX` socket: one connection per request
/// (`Connection: close`), Content-Length and chunked response bodies, a streamed file body, a
/// deadline for the whole exchange, and cancellation (the socket is shut down).
///
/// ```
/// send(request) ─▶ a thread of its own ─▶ connect(path) ─▶ write head + body ─▶ read until the
///        ▲                                                                       parser completes
///        └──────────────────────── HTTPResponse ◀────────────────────────────────┘
/// ```
///
/// Blocking I/O never runs on Swift's cooperative pool: each request gets its own thread (a
/// request may legitimately block for minutes: `wait`, a large pull).
public struct UnixHTTPClient: Sendable {
    public let socketPath: String
    public let userAgent: String

    public init(socketPath: String, userAgent: String = "lightning-docker-containers/1.0") {
        self.socketPath = socketPath; self.userAgent = userAgent
    }

    /// Sends `request` and returns the complete response, whatever its status.
    /// - Throws: `EngineTransportError`.
    public func send(_ request: EngineRequest) async throws -> HTTPResponse {
        let slot = InterruptSlot()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (cont: CheckedContinuation<HTTPResponse, any Error>) in
                let thread = Thread {
                    cont.resume(with: Result { try self.sendBlocking(request, slot: slot) })
                }
                thread.name = "docker-engine-request"
                thread.start()
            }
        } onCancel: {
            slot.cancel()
        }
    }

    /// The blocking exchange; call it only off the cooperative pool.
    public func sendBlocking(_ request: EngineRequest, slot: InterruptSlot = InterruptSlot()) throws(EngineTransportError) -> HTTPResponse {
        let deadline = UnixSocket.nowMs() + Int64(request.timeoutMs)
        let socket: UnixSocket
        do {
            socket = try UnixSocket.connect(path: socketPath, deadline: deadline)
        } catch {
            throw EngineTransportError(error.timedOut ? .timedOut : .unreachable, error.description)
        }
        defer { socket.close() }
        guard slot.attach(socket) else { throw EngineTransportError(.cancelled, "\(request.method) \(request.target): cancelled") }
        defer { slot.detach() }
        var parser = HTTPResponseParser(requestMethod: request.method)
        do {
            try writeRequest(request, to: socket, deadline: deadline)
        } catch let e {
            // The server may have answered (say 400) and closed before reading the whole body:
            // prefer its answer to the write error.
            if let r = try? readResponse(socket, &parser, deadline: min(deadline, UnixSocket.nowMs() + 1000)) { return r }
            throw slot.cancelled ? EngineTransportError(.cancelled, "\(request.method) \(request.target): cancelled") : e
        }
        do {
            return try readResponse(socket, &parser, deadline: deadline)
        } catch {
            throw slot.cancelled ? EngineTransportError(.cancelled, "\(request.method) \(request.target): cancelled") : error
        }
    }

    private func writeRequest(_ request: EngineRequest, to socket: UnixSocket, deadline: Int64) throws(EngineTransportError) {
        var head = "\(request.method) \(request.target) HTTP/1.1\r\nHost: docker\r\nUser-Agent: \(userAgent)\r\n"
        head += "Accept: application/json\r\nConnection: close\r\n"
        var file: (fd: Int32, size: Int)?
        switch request.body {
        case .none:
            if ["POST", "PUT", "PATCH"].contains(request.method) { head += "Content-Length: 0\r\n" }
        case .json(let bytes):
            head += "Content-Type: application/json\r\nContent-Length: \(bytes.count)\r\n"
        case .file(let path, let contentType):
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw EngineTransportError(.localFile, "open(\(path)): \(String(cString: strerror(errno)))") }
            var st = stat()
            guard fstat(fd, &st) == 0, (st.st_mode & 0o170000) == 0o100000 else {  // S_ISREG
                close(fd)
                throw EngineTransportError(.localFile, "\(path): expected a regular file")
            }
            file = (fd, Int(st.st_size))
            head += "Content-Type: \(contentType)\r\nContent-Length: \(st.st_size)\r\n"
        }
        head += "\r\n"
        defer { if let f = file { close(f.fd) } }
        do {
            try socket.write(Array(head.utf8), deadline: deadline)
            switch request.body {
            case .json(let bytes): try socket.write(bytes, deadline: deadline)
            case .file(let path, _):
                guard let f = file else { return }
                var sent = 0
                var chunk = [UInt8](repeating: 0, count: 65_536)
                while sent < f.size {
                    let n = chunk.withUnsafeMutableBytes { Foundation.read(f.fd, $0.baseAddress, $0.count) }
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else {
                        throw EngineTransportError(.localFile, "read(\(path)): \(n < 0 ? String(cString: strerror(errno)) : "file shrank to \(sent) bytes while sending it")")
                    }
                    try socket.write(n == chunk.count ? chunk : Array(chunk[0..<n]), deadline: deadline)
                    sent += n
                }
            case .none: break
            }
        } catch let e as SocketError {
            throw EngineTransportError(e.timedOut ? .timedOut : .broken, "\(request.method) \(request.target): \(e.description)")
        } catch let e as EngineTransportError {
            throw e
        } catch {
            throw EngineTransportError(.broken, "\(request.method) \(request.target): \(error)")
        }
    }

    private func readResponse(_ socket: UnixSocket, _ parser: inout HTTPResponseParser, deadline: Int64) throws(EngineTransportError) -> HTTPResponse {
        do {
            while !parser.isComplete {
                let bytes = try socket.read(deadline: deadline)
                if bytes.isEmpty { try parser.finish() } else { try parser.feed(bytes) }
            }
        } catch let e as SocketError {
            throw EngineTransportError(e.timedOut ? .timedOut : .broken, "reading the response from \(socketPath): \(e.description)")
        } catch let e as HTTPParseError {
            throw EngineTransportError(.malformed, "response from \(socketPath): \(e.description)")
        } catch {
            throw EngineTransportError(.broken, "reading the response from \(socketPath): \(error)")
        }
        return parser.response!
    }
}

/// Lets a cancelled task stop the thread blocked on its request: `cancel` shuts the socket down.
///
/// Threading: any thread; state behind a mutex.
public final class InterruptSlot: Sendable {
    private let state = Mutex<(socket: UnixSocket?, cancelled: Bool)>((nil, false))

    public init() {}

    /// Registers the request's socket; false when the request was cancelled already.
    func attach(_ s: UnixSocket) -> Bool {
        state.withLock { st in
            if st.cancelled { return false }
            st.socket = s
            return true
        }
    }

    func detach() { state.withLock { $0.socket = nil } }

    var cancelled: Bool { state.withLock { $0.cancelled } }

    public func cancel() {
        state.withLock { st in
            st.cancelled = true
            st.socket?.interrupt()
        }
    }
}
