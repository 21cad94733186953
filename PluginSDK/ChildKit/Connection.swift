import Foundation
import LightningProtocol
import Synchronization

/// The child's side of the JSON-RPC connection: framing limits, outgoing calls, responses.
///
/// ```
/// handlers ──call()──▶ PendingCalls[id] ──request line──▶ LineWriter ──▶ stdout
///                             ▲
/// reader thread ── response ──┘   (resolve by id; closed stdin fails them all)
/// ```
///
/// Threading: any thread or task; all state is behind locks.
final class Connection: Sendable {
    let writer: LineWriter
    let pending = PendingCalls()
    private let maxBytes: Mutex<Int>

    init(writer: LineWriter = LineWriter(), maxMessageBytes: Int = ChildProtocol.defaultMaxMessageBytes) {
        self.writer = writer
        self.maxBytes = Mutex(maxMessageBytes)
    }

    /// The negotiated line limit (bytes, newline excluded).
    var maxMessageBytes: Int {
        get { maxBytes.withLock { $0 } }
        set { maxBytes.withLock { $0 = newValue } }
    }

    /// Sends a request to the host and waits for its answer.
    /// - Throws: `WireError` from the host's error response (`RPCError.wireError`);
    ///   `WireError(.unavailable)` when stdin closed; `WireError(.invalidArgument)` when the
    ///   request is larger than `max_message_bytes`; `CancellationError` when the task is
    ///   cancelled (the host's late answer is then ignored).
    func call(_ method: String, params: JSONValue) async throws -> JSONValue {
        let id = pending.nextID()
        let line = RPCMessage.request(id: id, method: method, params: params).line()
        let limit = maxMessageBytes
        guard line.count - 1 <= limit else {
            throw WireError(.invalidArgument, "request \(method): \(line.count - 1) bytes, over max_message_bytes \(limit)")
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (waiter: PendingCalls.Waiter) in
                if let closed = pending.insert(id, waiter) { waiter.resume(throwing: closed); return }
                // Cancelled before the waiter was registered: the handler below found nothing.
                if Task.isCancelled { pending.fail(id, CancellationError()); return }
                if !writer.write(line) {
                    pending.fail(id, WireError(.unavailable, "host connection closed: cannot write \(method)"))
                }
            }
        } onCancel: {
            pending.fail(id, CancellationError())
        }
    }

    /// Sends a notification (no answer). Lines over the limit are dropped with a note on stderr.
    func notify(_ method: String, params: JSONValue) {
        send(.notification(method: method, params: params), what: "notification \(method)")
    }

    /// Answers host request `id` with `result`, or with error -32004 when the result is larger
    /// than `max_message_bytes` (the host would kill the child for an over-size line).
    func respond(_ id: RPCID, result: JSONValue) {
        respond(id, line: RPCMessage.response(id: id, result: result).line())
    }

    /// Answers host request `id` with a result already encoded as JSON (`Wire.encode` of the
    /// handler's typed result), spliced into the response line as it is: no `JSONValue` tree and
    /// no second encoding on the way out.
    func respond(_ id: RPCID, resultJSON: Data) {
        respond(id, line: RPCMessage.responseLine(id: id, resultJSON: resultJSON))
    }

    private func respond(_ id: RPCID, line: Data) {
        let limit = maxMessageBytes
        if line.count - 1 > limit {
            respond(id, error: RPCError(code: RPCError.messageTooLarge,
                                        message: "result of \(line.count - 1) bytes is over max_message_bytes \(limit)"))
            return
        }
        writer.write(line)
    }

    /// Answers host request `id` (nil: a message whose id could not be read) with `error`.
    func respond(_ id: RPCID?, error: RPCError) {
        send(.errorResponse(id: id, error: error), what: "error response")
    }

    private func send(_ message: RPCMessage, what: String) {
        let line = message.line()
        let limit = maxMessageBytes
        guard line.count - 1 <= limit else {
            ChildDiagnostics.note("\(what): \(line.count - 1) bytes, over max_message_bytes \(limit); not sent")
            return
        }
        writer.write(line)
    }
}

extension JSONValue {
    /// The JSON form of an `Encodable` value (as it would appear on the wire).
    init<T: Encodable>(wire value: T) throws {
        let data = try Wire.encode(value)
        if let parsed = FastJSON.parse(data) { self = parsed; return }
        self = try JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// This value decoded as `T`; failures are `WireError(.invalidArgument)` naming the field.
    /// Read from the tree as it is (`Wire.decode(_:fromParsed:what:)`), not written out and parsed again.
    func decode<T: Decodable>(_ type: T.Type, what: String) throws -> T {
        try Wire.decode(T.self, fromParsed: self, what: what)
    }
}
