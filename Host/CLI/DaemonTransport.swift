import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTypes
import OpenAPIRuntime

/// The generated client's `ClientTransport` to the daemon: over its unix socket (one blocking
/// exchange, run on a thread of its own) or over TCP (URLSession, streaming the response body so
/// `text/event-stream` answers arrive as they are sent).
///
/// ```
///  Client.op(input) ─▶ DaemonAnswer (token, status → ClientFailure, raw body) ─▶ DaemonTransport
///                                                                                 ├─ unix: UnixSocketHTTP on a Thread
///                                                                                 └─ tcp:  URLSession delegate → HTTPBody stream
/// ```
/// Timeouts are DaemonClient's: `requestTimeout` is how long the daemon may stay silent (60 s by
/// default, as URLSession's; longer for operations answered only when they end), over TCP only
/// (the unix socket waits for the daemon, as before).
struct DaemonTransport: ClientTransport {
    enum Route: Sendable {
        case unixSocket(String)
        case tcp
    }

    var route: Route
    /// How long the daemon may stay silent before the request fails (TCP).
    var requestTimeout: TimeInterval = 60
    /// How long the whole exchange may last (TCP); URLSession's default is a week.
    var resourceTimeout: TimeInterval = 7 * 24 * 3600
    /// Names the daemon in "cannot reach" messages (TCP).
    var base: String
    /// What a failure to connect or a broken stream says: `request` (the JSON calls' message) or
    /// `stream` (the event stream's).
    var failureStyle: FailureStyle = .request

    enum FailureStyle: Sendable { case request, stream }

    func send(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String) async throws -> (HTTPResponse, HTTPBody?) {
        var payload: Data?
        if let body { payload = try await Data(collecting: body, upTo: 64 * 1024 * 1024) }
        switch route {
        case .unixSocket(let path): return try await sendUnix(path: path, request, payload)
        case .tcp: return try await sendTCP(request, payload, baseURL: baseURL)
        }
    }

    // MARK: unix socket

    private func sendUnix(path: String, _ request: HTTPRequest, _ body: Data?) async throws -> (HTTPResponse, HTTPBody?) {
        var headers: [String: String] = [:]
        // UnixSocketHTTP writes Host, Connection and Content-Length itself (HTTPRequest keeps the
        // authority out of its header fields).
        for field in request.headerFields where ![.contentLength, .connection].contains(field.name) {
            headers[field.name.rawName] = field.value
        }
        let fields = headers
        let method = request.method.rawValue
        let target = request.path ?? "/"
        // UnixSocketHTTP blocks in connect/send/recv: a thread of its own, never the concurrency pool.
        let answer = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<UnixSocketHTTP.Response, any Error>) in
            let thread = Thread {
                continuation.resume(with: Result { try UnixSocketHTTP.send(path: path, method: method, target: target, headers: fields, body: body) })
            }
            thread.start()
        }
        var response = HTTPResponse(status: .init(code: answer.status))
        for h in answer.headers {
            // The body is already de-chunked and complete.
            if let name = HTTPField.Name(h.name), name != .transferEncoding { response.headerFields.append(HTTPField(name: name, value: h.value)) }
        }
        return (response, HTTPBody(answer.body))
    }

    // MARK: TCP

    private func sendTCP(_ request: HTTPRequest, _ body: Data?, baseURL: URL) async throws -> (HTTPResponse, HTTPBody?) {
        guard let url = URL(string: baseURL.absoluteString + (request.path ?? "")) else {
            throw ClientFailure(description: "invalid daemon URL: \(baseURL.absoluteString + (request.path ?? ""))")
        }
        var req = URLRequest(url: url)
        req.httpMethod = request.method.rawValue
        req.httpBody = body
        // URLSession writes Content-Length itself.
        for field in request.headerFields where field.name != .contentLength { req.addValue(field.value, forHTTPHeaderField: field.name.rawName) }
        req.timeoutInterval = requestTimeout
        let configuration = URLSessionConfiguration.default
        configuration.timeoutIntervalForRequest = requestTimeout
        configuration.timeoutIntervalForResource = resourceTimeout
        let reader = StreamingReader(base: base, style: failureStyle)
        let session = URLSession(configuration: configuration, delegate: reader, delegateQueue: nil)
        let task = session.dataTask(with: req)
        reader.onEnd { task.cancel(); session.invalidateAndCancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                reader.start(continuation)
                task.resume()
            }
        } onCancel: {
            task.cancel()
        }
    }

    /// Turns URLSession's delegate calls into the response head (a continuation) and the body (a
    /// stream of chunks that `HTTPBody` reads with back-pressure left to the socket's buffers).
    final class StreamingReader: NSObject, URLSessionDataDelegate, @unchecked Sendable {
        // @unchecked: every mutable field is touched only on the session's serial delegate queue,
        // except `start`/`onEnd`, which run before `task.resume()` starts that queue's work.
        private var head: CheckedContinuation<(HTTPResponse, HTTPBody?), any Error>?
        private let chunks: AsyncThrowingStream<ArraySlice<UInt8>, any Error>
        private let sink: AsyncThrowingStream<ArraySlice<UInt8>, any Error>.Continuation
        private let base: String
        private let style: FailureStyle
        /// What to do when the body's reader stops (read to the end, or gave up): end the task.
        func onEnd(_ end: @escaping @Sendable () -> Void) { sink.onTermination = { _ in end() } }

        init(base: String, style: FailureStyle) {
            (chunks, sink) = AsyncThrowingStream.makeStream()
            self.base = base
            self.style = style
        }

        func start(_ continuation: CheckedContinuation<(HTTPResponse, HTTPBody?), any Error>) { head = continuation }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
            let http = response as? HTTPURLResponse
            var answer = HTTPResponse(status: .init(code: http?.statusCode ?? 0))
            for (key, value) in http?.allHeaderFields ?? [:] {
                if let key = key as? String, let value = value as? String, let name = HTTPField.Name(key), name != .transferEncoding {
                    answer.headerFields.append(HTTPField(name: name, value: value))
                }
            }
            head?.resume(returning: (answer, HTTPBody(chunks, length: .unknown, iterationBehavior: .single)))
            head = nil
            completionHandler(.allow)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            sink.yield(ArraySlice(data))
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
            session.finishTasksAndInvalidate()
            if let error {
                let failure = switch style {
                case .request: ClientFailure(description: "cannot reach the daemon at \(base): \(error.localizedDescription) (is `lightning serve` running?)")
                case .stream: ClientFailure(description: "event stream: \(error.localizedDescription)")
                }
                head?.resume(throwing: failure)
                sink.finish(throwing: failure)
            } else {
                head?.resume(throwing: ClientFailure(description: "cannot reach the daemon at \(base): no response (is `lightning serve` running?)"))
                sink.finish()
            }
            head = nil
        }
    }
}
