import Foundation
import LightningProtocol
import Synchronization

/// Host requests served by handlers, each in its own task.
extension Child {
    /// Starts serving host request `id`, or answers at once when the child is not taking work.
    func start(id: RPCID, method: String, params: JSONValue) {
        let refusal = state.withLock { s -> RPCError? in
            switch s.phase {
            case .idle, .awaitingInitialize:
                return RPCError(code: RPCError.invalidRequest, message: "\"initialize\" must come first")
            case .shuttingDown, .finished:
                return RPCError(code: RPCError.overloaded, message: "shutting down: not taking new requests",
                                data: ["code": .string(WireError.Code.unavailable.rawValue)])
            case .running:
                break
            }
            guard s.inFlight[id] == nil else {
                return RPCError(code: RPCError.invalidRequest, message: "request id \(id) is already in flight")
            }
            guard let session = s.session else { return RPCError(WireError(.internal, "no session")) }
            s.inFlight[id] = Task { [self] in await serve(id: id, method: method, params: params, session: session) }
            return nil
        }
        if let refusal { connection.respond(id, error: refusal) }
    }

    private func serve(id: RPCID, method: String, params: JSONValue, session: Session) async {
        let outcome: Result<Data, RPCError>
        do {
            outcome = .success(try await perform(id: id, method: method, params: params, session: session))
        } catch {
            outcome = .failure(Child.rpcError(for: error))
        }
        let cancelled = state.withLock { s in
            s.inFlight[id] = nil
            return s.cancelled.remove(id) != nil
        }
        switch (cancelled, outcome) {
        case (true, _):
            connection.respond(id, error: Child.cancelledError)
        case (false, .success(let result)):
            connection.respond(id, resultJSON: result)
        case (false, .failure(let error)):
            connection.respond(id, error: error)
        }
    }

    /// Runs the handler and returns its result as JSON, written once from its type.
    private func perform(id: RPCID, method: String, params: JSONValue, session: Session) async throws -> Data {
        let registry = state.withLock { $0.registry }
        switch method {
        case ChildProtocol.handleEvent:
            let request = try params.decode(HandleRequest.self, what: "params")
            let event = request.event
            guard let match = registry.events.first(where: { EventPattern.matches($0.pattern, event.type) }) else {
                throw WireError(.unsupported, "no handler for event type \"\(event.type)\" (handles: \(registry.events.map(\.pattern)))")
            }
            let ctx = Context(session: session, connection: connection, requestID: id)
            let events = try await match.handler(event, ctx)
            return try Wire.encode(HandleResult(events: events))

        case ChildProtocol.invoke:
            guard let name = params["function"]?.stringValue else {
                throw WireError(.invalidArgument, "params: field \"function\": expected a string, got \(params["function"]?.typeDescription ?? "nothing")")
            }
            guard let handler = registry.functions[name] else {
                throw WireError(.unsupported, "unknown function \"\(name)\" (functions: \(registry.functionNames))")
            }
            let ctx = Context(session: session, connection: connection, requestID: id,
                              invocationID: params["invocation_id"]?.stringValue,
                              timeoutMs: params["timeout_ms"]?.intValue,
                              idempotencyKey: params["idempotency_key"]?.stringValue)
            let output = try await handler(params["input"] ?? .null, ctx)
            return try Wire.encode(InvokeResult(output: output))

        default:  // health
            let ctx = Context(session: session, connection: connection, requestID: id)
            let started = ContinuousClock.now
            var report = try await registry.health?(ctx) ?? HealthReport(status: .healthy, latencyMs: 0)
            if report.latencyMs == 0 {
                let elapsed = ContinuousClock.now - started
                report.latencyMs = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            }
            return try Wire.encode(report)
        }
    }

    /// The answer for a request the host cancelled with `$/cancel`.
    static let cancelledError = RPCError(code: RPCError.requestCancelled, message: "request cancelled",
                                         data: ["code": .string(WireError.Code.cancelled.rawValue)])

    /// How an error thrown by a handler reaches the host: `RPCError` as is, `WireError` with its
    /// code kept in `data.code`, cancellation as -32800, anything else as -32603.
    static func rpcError(for error: any Error) -> RPCError {
        switch error {
        case let e as RPCError: return e
        case let w as WireError: return RPCError(w)
        case is CancellationError: return cancelledError
        default:
            return RPCError(code: RPCError.internalError, message: "\(error)",
                            data: ["code": .string(WireError.Code.internal.rawValue)])
        }
    }
}
