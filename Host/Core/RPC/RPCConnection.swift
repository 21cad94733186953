import Foundation
import LightningProtocol
import Logging

/// One JSON-RPC 2.0 conversation with a child over its stdio (docs/protocol.md).
///
/// Requests flow both ways at once: `request` sends ours and suspends until the matching
/// response (or a timeout, or cancellation, both of which send `$/cancel`); the child's requests
/// are answered by `handler`, each in its own task, at most `maxInflight` at a time.
/// Incoming lines arrive through `receive` (called on the I/O thread).
final class RPCConnection: Sendable {
    typealias Handler = @Sendable (_ method: String, _ params: JSONValue?) async throws -> JSONValue
    typealias NotificationHandler = @Sendable (_ method: String, _ params: JSONValue?) -> Void

    let label: String
    private let send: @Sendable (Data) -> Bool
    private let handler: Handler
    private let onNotification: NotificationHandler
    /// Called once when the peer broke the protocol badly enough to be stopped.
    private let onViolation: @Sendable (String) -> Void
    /// Called for every line that is not a JSON-RPC message (the operator sees each one).
    private let onMalformed: @Sendable (_ line: Data, _ error: String) -> Void
    private let maxInflight: Int
    /// The time of an incoming notification, for the flood decision (tests pass a fixed clock).
    private let now: @Sendable () -> ContinuousClock.Instant
    private let state = Locked(State())

    private struct State {
        var nextId: Int64 = 0
        /// Each waiting request's continuation, resumed with the raw line of its response (the
        /// caller decodes `result` as the type it expects: no `JSONValue` in between).
        var pending: [RPCID: CheckedContinuation<Data, any Error>] = [:]
        /// The deadline of each pending request (removed when its answer comes).
        var deadlines: [RPCID: Deadline] = [:]
        /// The one task that fails requests whose deadline passed, and the instant it sleeps
        /// until; nil once it woke and found no request waiting (`armSweeper`, `sweep`).
        var sweeper: (task: Task<Void, Never>, until: ContinuousClock.Instant)?
        /// The child's requests being answered; a reserved slot (`.some(nil)`) until its task exists.
        var inflight: [RPCID: Task<Void, Never>?] = [:]
        var malformedInARow = 0
        var closed: WireError?
        var violated = false
        var flood = FloodMeter(burst: RPCConnection.maxNotificationsPerSecond, sustained: RPCConnection.sustainedNotificationsPerSecond,
                               seconds: RPCConnection.sustainedSeconds)
    }

    /// Notifications per second beyond which a child is flooding (logs belong on stderr).
    static let maxNotificationsPerSecond = 2000
    /// A child that keeps sending at least this many a second for `sustainedSeconds` seconds in a
    /// row is flooding too, however fast the host reads (a loaded host reads fewer than 2000 a
    /// second from a child that writes as fast as it can: its writes block on the full pipe).
    static let sustainedNotificationsPerSecond = 500
    static let sustainedSeconds = 3

    static let malformedLimit = 10

    /// When a pending request times out, and what its error says.
    private struct Deadline {
        let at: ContinuousClock.Instant
        let method: String
        let timeout: Duration
    }

    init(label: String, maxInflight: Int, send: @escaping @Sendable (Data) -> Bool, handler: @escaping Handler,
         onNotification: @escaping NotificationHandler, onViolation: @escaping @Sendable (String) -> Void,
         onMalformed: @escaping @Sendable (_ line: Data, _ error: String) -> Void = { _, _ in },
         now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.label = label; self.maxInflight = maxInflight; self.send = send; self.handler = handler; self.now = now
        self.onNotification = onNotification; self.onViolation = onViolation; self.onMalformed = onMalformed
    }

    // MARK: Outgoing

    /// Sends a request and waits for its result.
    /// - Throws: `WireError`: the child's error (`data.code` kept), `.timeout`, `.cancelled`,
    ///   or `.unavailable` when the connection closed.
    func request(_ method: String, _ params: JSONValue?, timeout: Duration) async throws -> JSONValue {
        let answer = try await request(method, timeout: timeout) { id in RPCMessage.request(id: id, method: method, params: params).line() }
        return try Self.result(JSONValue.self, of: answer, method: method, label: label)
    }

    /// Sends a request whose params are encoded straight into the line (no `JSONValue` built on
    /// the way) and waits for its result.
    func request<P: Encodable & Sendable>(_ method: String, params: P, timeout: Duration) async throws -> JSONValue {
        try await request(method, params, as: JSONValue.self, timeout: timeout)
    }

    /// Typed form of `request`: the params encoded straight into the line, the result decoded
    /// straight from the response's line as `R`.
    /// - Throws: as `request`, and `WireError(.invalidArgument)` naming the field when the result
    ///   is not an `R` (`result of <method> from <label>: …`).
    func request<P: Encodable & Sendable, R: Decodable>(_ method: String, _ params: P, as: R.Type, timeout: Duration) async throws -> R {
        let answer = try await request(method, timeout: timeout) { id in try RPCMessage.requestLine(id: id, method: method, params: params) }
        return try Self.result(R.self, of: answer, method: method, label: label)
    }

    /// `{"result": R}` out of a response line.
    private struct ResultOf<R: Decodable>: Decodable { let result: R }

    static func result<R: Decodable>(_ type: R.Type, of line: Data, method: String, label: String) throws -> R {
        try Wire.decode(ResultOf<R>.self, from: line, what: "result of \(method) from \(label)").result
    }

    /// Sends the line `makeLine` builds and waits for the line of its response.
    private func request(_ method: String, timeout: Duration, line makeLine: (RPCID) throws -> Data) async throws -> Data {
        let id = state.withLock { s -> RPCID in s.nextId += 1; return .int(s.nextId) }
        let line = try makeLine(id)
        let deadline = Deadline(at: .now + timeout, method: method, timeout: timeout)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Data, any Error>) in
                let closed = state.withLock { s -> WireError? in
                    if let e = s.closed { return e }
                    s.pending[id] = c
                    s.deadlines[id] = deadline
                    armSweeper(&s, until: deadline.at)
                    return nil
                }
                if let closed { c.resume(throwing: closed); return }
                guard send(line) else {
                    fail(id, WireError(.unavailable, "\(label): cannot write to the child's stdin (it closed)"), cancel: false)
                    return
                }
            }
        } onCancel: {
            fail(id, WireError(.cancelled, "\(label): \(method) cancelled by the caller"), cancel: true)
        }
    }

    func notify(_ method: String, _ params: JSONValue?) {
        _ = send(RPCMessage.notification(method: method, params: params).line())
    }

    private func fail(_ id: RPCID, _ error: WireError, cancel: Bool) {
        guard let c = settle(id) else { return }
        if cancel { notify(ChildProtocol.cancel, ["id": Self.json(id)]) }
        c.resume(throwing: error)
    }

    // MARK: Timeouts

    /// Makes sure a sweeper wakes by `until` (under the lock). Requests usually share one
    /// timeout, so a new one's deadline is later than the sweeper's and nothing changes: no
    /// task and no timer per request. An earlier deadline replaces the sweeper.
    private func armSweeper(_ s: inout State, until: ContinuousClock.Instant) {
        if let current = s.sweeper, current.until <= until { return }
        s.sweeper?.task.cancel()
        // Owned by the connection (`sweeper`): replaced by an earlier deadline, ends when it wakes
        // to no waiting request, cancelled at close().
        s.sweeper = (Task { await self.sweep() }, until)
    }

    /// Sleeps until the earliest deadline, fails the requests whose deadline passed (each
    /// with `$/cancel` to the child), and again; returns when no request waits.
    private func sweep() async {
        while true {
            let next = state.withLock { s -> ContinuousClock.Instant? in
                // A replaced sweeper leaves the state to its successor (cancelled under this lock).
                if Task.isCancelled { return nil }
                guard let earliest = s.deadlines.values.lazy.map(\.at).min() else {
                    s.sweeper = nil
                    return nil
                }
                s.sweeper?.until = earliest
                return earliest
            }
            guard let next else { return }
            try? await Task.sleep(until: next, clock: .continuous)
            let now = ContinuousClock.now
            let expired = state.withLock { s -> [(RPCID, Deadline)] in
                Task.isCancelled ? [] : s.deadlines.filter { $0.value.at <= now }.map { ($0.key, $0.value) }
            }
            for (id, d) in expired {
                fail(id, WireError(.timeout, "\(label): no answer to \(d.method) within \(d.timeout)"), cancel: true)
            }
        }
    }

    /// Fails every pending request and stops answering (the child is gone).
    func close(_ reason: String) {
        let (pending, tasks) = state.withLock { s -> ([CheckedContinuation<Data, any Error>], [Task<Void, Never>]) in
            if s.closed == nil { s.closed = WireError(.unavailable, "\(label): \(reason)") }
            defer { s.pending = [:]; s.inflight = [:]; s.deadlines = [:]; s.sweeper?.task.cancel(); s.sweeper = nil }
            return (Array(s.pending.values), s.inflight.values.compactMap { $0 })
        }
        let e = WireError(.unavailable, "\(label): \(reason)")
        pending.forEach { $0.resume(throwing: e) }
        tasks.forEach { $0.cancel() }
    }

    var pendingCount: Int { state.withLock { $0.pending.count } }

    // MARK: Incoming

    /// One line from the child's stdout.
    func receive(_ line: Data) {
        // A response, the common case: its head is enough to settle it; the waiting caller
        // decodes the result from the line as the type it expects.
        if let id = ResponseHead.id(of: line) {
            state.withLock { $0.malformedInARow = 0 }
            settle(id)?.resume(returning: line)
            return
        }
        let message: RPCMessage
        do {
            message = try RPCMessage.parse(line)
            state.withLock { $0.malformedInARow = 0 }
        } catch {
            onMalformed(line, error.error.message)
            _ = send(RPCMessage.errorResponse(id: error.id, error: error.error).line())
            let (count, violate) = state.withLock { s -> (Int, Bool) in
                s.malformedInARow += 1
                let v = s.malformedInARow >= Self.malformedLimit && !s.violated
                if v { s.violated = true }
                return (s.malformedInARow, v)
            }
            if violate {
                onViolation("protocol violation: \(count) malformed messages in a row (last: \(error.error.message))")
            }
            return
        }
        switch message {
        case .response(let id, _):
            settle(id)?.resume(returning: line)
        case .errorResponse(let id?, let error):
            settle(id)?.resume(throwing: error.wireError)
        case .errorResponse(nil, let error):
            onNotification("$/error", ["code": .int(error.code), "message": .string(error.message)])
        case .notification(let method, let params):
            let at = now()
            let flood = state.withLock { s -> String? in
                let verdict = s.flood.count(at: at)
                guard !s.violated, let verdict else { return nil }
                s.violated = true
                return verdict
            }
            if let flood {
                onViolation(flood)
                return
            }
            onNotification(method, params)
        case .request(let id, let method, let params):
            dispatch(id, method, params)
        }
    }

    /// Takes a pending request out (and its deadline; the sweeper ends once none is left).
    private func settle(_ id: RPCID) -> CheckedContinuation<Data, any Error>? {
        state.withLock { s in
            s.deadlines.removeValue(forKey: id)
            return s.pending.removeValue(forKey: id)
        }
    }

    private func dispatch(_ id: RPCID, _ method: String, _ params: JSONValue?) {
        let accepted = state.withLock { s -> Bool in
            guard s.closed == nil, s.inflight.count < maxInflight, s.inflight[id] == nil else { return false }
            // Reserved before the task exists, so the count is exact.
            s.inflight.updateValue(nil, forKey: id)
            return true
        }
        guard accepted else {
            let err = RPCError(code: RPCError.overloaded, message: "too many requests in flight (limit \(maxInflight)) or duplicate id \(id)")
            _ = send(RPCMessage.errorResponse(id: id, error: err).line())
            return
        }
        // Owned by the connection (`inflight`): cancelled at close(); at most `maxInflight` at once.
        let task = Task {
            let reply: RPCMessage
            do {
                reply = .response(id: id, result: try await handler(method, params))
            } catch let e as WireError {
                reply = .errorResponse(id: id, error: RPCError(e))
            } catch let e as RPCError {
                reply = .errorResponse(id: id, error: e)
            } catch {
                reply = .errorResponse(id: id, error: RPCError(code: RPCError.internalError, message: "\(error)"))
            }
            let stillOurs = self.state.withLock { $0.inflight.removeValue(forKey: id) != nil }
            if stillOurs { _ = self.send(reply.line()) }
        }
        state.withLock { s in if s.inflight[id] != nil { s.inflight[id] = .some(task) } }
    }

    static func json(_ id: RPCID) -> JSONValue {
        switch id {
        case .int(let i): return .int(Int(i))
        case .string(let s): return .string(s)
        }
    }
}

/// The head of a JSON-RPC success response (`{"jsonrpc": "2.0", "id": …, "result": …}`), read
/// without building the result. Anything else (a request, a notification, an error response, a
/// malformed line) is left to `RPCMessage.parse`.
struct ResponseHead: Decodable {
    let id: RPCID?

    private enum Keys: String, CodingKey { case jsonrpc, id, result, method, error }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        guard try c.decodeIfPresent(String.self, forKey: .jsonrpc) == "2.0", c.contains(.result),
              !c.contains(.method), !c.contains(.error) else { id = nil; return }
        id = try c.decodeIfPresent(RPCID.self, forKey: .id)
    }

    /// The id of `line` when it is a success response, else nil.
    static func id(of line: Data) -> RPCID? {
        (try? Wire.decode(ResponseHead.self, from: line))?.id
    }
}
