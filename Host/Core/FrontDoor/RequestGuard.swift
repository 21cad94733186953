import HTTPTypes
import LightningProtocol
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// One connection's limits and deadlines, between the HTTP codec and the request handlers:
///
/// ```
///  socket ─▶ ByteActivityHandler ─▶ HTTP/1 decoder ─▶ HTTP1ToHTTPServerCodec ─▶ RequestGuard ─▶ … ─▶ routes
///            (raw bytes: a head       (limits on the head:                       413 / 414 / 431 / 408 with
///             started; request line)   max_header_bytes → error)                 the API's JSON error, then close
/// ```
///
/// - A request target over `max_uri_bytes` → 414; a head over `max_header_bytes` → 431 (the
///   decoder's overflow; 414 when the request line itself is still open); `Content-Length` over
///   `max_body_bytes` → 413 before any of the body is read; a chunked body passing it → the
///   route's body read fails (413 from the route) and the connection closes after that answer.
///   Malformed HTTP → 400. Each error answer carries `Connection: close` and the connection is
///   closed once it is written.
/// - Deadlines (`ConnectionDeadline`): idle and body timeouts close; a header timeout answers
///   408 and closes.
/// - Its activity (idle, head arriving, busy) goes to the listener's `ConnectionRegistry`.
///
/// Runs on the channel's event loop only (a `ChannelHandler`, not `Sendable`).
final class RequestGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let limits: HTTPLimits
    let registry: ConnectionRegistry
    let logger: Logger
    private var deadline: ConnectionDeadline
    private var context: ChannelHandlerContext?
    private var timer: Scheduled<Void>?
    private var timerAt: NIODeadline?
    private var activity = ConnectionRegistry.Activity.idle
    private var bodyBytes = 0
    /// The body passed `max_body_bytes`: its remaining parts are dropped.
    private var droppingBody = false
    /// Close once the response in progress has ended.
    private var closeAfterResponse = false
    /// An error answer was written (or the connection is being closed): everything read is dropped.
    private var refused = false
    /// The request line of the head now arriving, from the raw bytes: still open, and its length so far.
    private var requestLine = (open: false, bytes: 0)

    init(limits: HTTPLimits, registry: ConnectionRegistry, logger: Logger) {
        self.limits = limits
        self.registry = registry
        self.logger = logger
        self.deadline = ConnectionDeadline(limits: limits, now: .now())
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        rearm(.now())
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
        self.context = nil
    }

    /// Raw bytes arrived (called by `ByteActivityHandler` before decoding).
    /// - Returns: false when they must not reach the decoder (the request was refused).
    func rawBytes(_ buffer: ByteBuffer) -> Bool {
        guard !refused else { return false }
        let now = NIODeadline.now()
        let starting = deadline.awaitingHead && deadline.headStartedAt == nil
        deadline.bytesArrived(at: now)
        if starting { requestLine = (true, 0) }
        if requestLine.open && deadline.awaitingHead {
            let view = buffer.readableBytesView
            if let lf = view.firstIndex(of: UInt8(ascii: "\n")) {
                requestLine = (false, requestLine.bytes + (lf - view.startIndex))
            } else {
                requestLine.bytes += view.count
            }
            // Method, spaces and version take at most a few dozen bytes besides the target.
            if requestLine.bytes > limits.maxURIBytes + 64 {
                refuse(.uriTooLong, "request target: expected at most \(limits.maxURIBytes) bytes (http.max_uri_bytes), got a request line of \(requestLine.bytes)\(requestLine.open ? " bytes and more" : "")")
                return false
            }
        }
        rearm(now)
        return true
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        let now = NIODeadline.now()
        switch unwrapInboundIn(data) {
        case .head(let head):
            requestLine.open = false
            let target = head.path ?? ""
            guard target.utf8.count <= limits.maxURIBytes else {
                return refuse(.uriTooLong, "request target: expected at most \(limits.maxURIBytes) bytes (http.max_uri_bytes), got \(target.utf8.count)")
            }
            if let length = head.headerFields[.contentLength].flatMap({ Int($0) }), length > limits.maxBodyBytes {
                return refuse(.payloadTooLarge, "request body: expected at most \(limits.maxBodyBytes) bytes (http.max_body_bytes), got Content-Length \(length)")
            }
            bodyBytes = 0
            droppingBody = false
            deadline.headReceived(at: now)
        case .body(let chunk):
            deadline.bodyReceived(at: now)
            rearm(now)
            if droppingBody { return }
            bodyBytes += chunk.readableBytes
            if bodyBytes > limits.maxBodyBytes {
                droppingBody = true
                closeAfterResponse = true
                context.fireErrorCaught(RequestBodyTooLarge(limit: limits.maxBodyBytes))
                return
            }
        case .end:
            deadline.endReceived(at: now)
            if droppingBody { rearm(now); return }
        }
        rearm(now)
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parse = error as? HTTPParserError else {
            if !refused { context.fireErrorCaught(error) }
            return
        }
        guard !refused else { return }
        if deadline.readingBody {
            // A route is reading this body: fail its read, answer through it, then close.
            droppingBody = true
            closeAfterResponse = true
            context.fireErrorCaught(WireError(.invalidArgument, "request body: malformed HTTP (\(parse))"))
            return
        }
        switch parse {
        case .headerOverflow where requestLine.open:
            refuse(.uriTooLong, "request target: expected at most \(limits.maxURIBytes) bytes (http.max_uri_bytes), got a request line of more than \(requestLine.bytes) bytes")
        case .headerOverflow:
            refuse(.headersTooLarge, "request head: expected at most \(limits.maxHeaderBytes) bytes and \(FrontDoorChannel.maxHeaderFields) fields (http.max_header_bytes), got more")
        default:
            refuse(.invalidArgument, "malformed HTTP request: \(parse)")
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let part = unwrapOutboundIn(data)
        if case .head(var head) = part, closeAfterResponse, deadline.inFlight <= 1 {
            head.headerFields[.connection] = "close"  // the route's answer to a refused body is the last
            return context.write(wrapOutboundOut(.head(head)), promise: promise)
        }
        guard case .end = part else { return context.write(data, promise: promise) }
        let now = NIODeadline.now()
        deadline.responseEnded(at: now)
        if closeAfterResponse && deadline.inFlight == 0 {
            refused = true
            cancelTimer()
            closeAfterFlush(context, data, promise: promise)
        } else {
            context.write(data, promise: promise)
            rearm(now)
        }
    }

    /// Answers with the API's JSON error and `Connection: close`, then closes. When another
    /// answer is still being written (a pipelined request), only closes.
    private func refuse(_ code: WireError.Code, _ message: String) {
        guard let context, !refused else { return }
        refused = true
        cancelTimer()
        logger.debug("refused a request: \(message)", metadata: ["lt.peer": "\(context.channel.remoteAddress?.description ?? "?")"])
        guard deadline.inFlight == 0 else { return context.close(promise: nil) }
        struct Body: Encodable { var error: WireError }
        let body = ByteBuffer(bytes: Wire.encodeOrError(Body(error: WireError(code, message))))
        let head = HTTPResponse(status: APIResponse.status(for: code), headerFields: [
            .contentType: "application/json; charset=utf-8", .connection: "close", .contentLength: String(body.readableBytes),
        ])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        closeAfterFlush(context, wrapOutboundOut(.end(nil)), promise: nil)
    }

    private func closeAfterFlush(_ context: ChannelHandlerContext, _ data: NIOAny, promise: EventLoopPromise<Void>?) {
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.assumeIsolated().whenComplete { result in
            promise?.completeWith(result)
            context.close(promise: nil)
        }
        context.writeAndFlush(data, promise: written)
    }

    // MARK: Deadlines

    /// Records the connection's activity and arms the timer for the current deadline.
    private func rearm(_ now: NIODeadline) {
        guard let context, !refused else { return }
        let a: ConnectionRegistry.Activity
        switch deadline.phase {
        case .idle: a = .idle
        case .readingHead: a = .readingHead
        case .readingBody, .responding: a = .busy
        }
        if a != activity {
            activity = a
            registry.update(context.channel, a, at: now)
        }
        guard let due = deadline.deadline else { return cancelTimer() }
        if let at = timerAt, at <= due.at { return }  // fires earlier, then re-arms
        cancelTimer()
        timerAt = due.at
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: due.at) { [self] in timerFired() }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
        timerAt = nil
    }

    private func timerFired() {
        timer = nil
        timerAt = nil
        let now = NIODeadline.now()
        switch deadline.expired(at: now) {
        case nil:
            rearm(now)
        case .header?:
            refuse(.requestTimeout, "request head: expected within \(limits.headerTimeoutMs) ms of its first byte (http.header_timeout_ms), got \(requestLine.open ? "an unfinished request line" : "an unfinished head")")
        case .idle?, .body?:
            refused = true
            logger.debug("closing a connection: \(deadline.phase == .idle ? "idle for \(limits.idleTimeoutMs) ms (http.idle_timeout_ms)" : "no body bytes for \(limits.bodyTimeoutMs) ms (http.body_timeout_ms)")")
            context?.close(promise: nil)
        }
    }
}
