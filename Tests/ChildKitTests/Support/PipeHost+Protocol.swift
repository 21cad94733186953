import LightningProtocol
import LightningTestSupport
import Testing

/// The host's side of the handshake and of request/response pairs, for tests.
extension PipeHost {
    static func initializeParams(version: String = ChildProtocol.version, config: JSONValue = [:],
                                 maxMessageBytes: Int = ChildProtocol.defaultMaxMessageBytes) -> JSONValue {
        [
            "protocol_version": .string(version),
            "host": ["name": "lightning-test", "version": "0.0.1"],
            "child": ["id": "test-child", "kind": "agent", "instance": 1],
            "config": config,
            "heartbeat_interval_ms": 5000,
            "max_message_bytes": .int(maxMessageBytes),
        ]
    }

    /// Sends `initialize` (id 1) and `initialized`; returns the child's result.
    @discardableResult
    func handshake(config: JSONValue = [:], maxMessageBytes: Int = ChildProtocol.defaultMaxMessageBytes) async throws -> InitializeResult {
        try request(1, ChildProtocol.initialize, Self.initializeParams(config: config, maxMessageBytes: maxMessageBytes))
        let result = try await result(of: 1)
        try notify(ChildProtocol.initialized)
        return try Wire.decode(InitializeResult.self, from: Wire.encode(result), what: "initialize result")
    }

    /// The next message, which must be the response to request `id`.
    func response(to id: Int, timeout: Duration = .seconds(10)) async throws -> Result<JSONValue, RPCError> {
        let message = try await next(timeout: timeout)
        switch message {
        case .response(.int(Int64(id)), let result): return .success(result)
        case .errorResponse(.int(Int64(id))?, let error): return .failure(error)
        default: throw TestFailure("expected the response to request \(id), got \(message)")
        }
    }

    /// The next message, which must be a successful response to request `id`.
    func result(of id: Int, timeout: Duration = .seconds(10)) async throws -> JSONValue {
        switch try await response(to: id, timeout: timeout) {
        case .success(let r): return r
        case .failure(let e): throw TestFailure("request \(id) failed: \(e) data=\(String(describing: e.data))")
        }
    }

    /// The next message, which must be an error response to request `id`.
    func error(of id: Int, timeout: Duration = .seconds(10)) async throws -> RPCError {
        switch try await response(to: id, timeout: timeout) {
        case .success(let r): throw TestFailure("request \(id) succeeded with \(r); expected an error")
        case .failure(let e): return e
        }
    }

    /// The next message, which must be a request from the child; returns its id and params.
    func childRequest(_ method: String, timeout: Duration = .seconds(10)) async throws -> (id: RPCID, params: JSONValue) {
        let message = try await next(timeout: timeout)
        guard case .request(let id, method, let params) = message else {
            throw TestFailure("expected a \(method) request from the child, got \(message)")
        }
        return (id, params ?? .null)
    }

    func invoke(_ id: Int, _ function: String, _ input: JSONValue, timeoutMs: Int = 30000) throws {
        try request(id, ChildProtocol.invoke, ["function": .string(function), "invocation_id": .string("inv-\(id)"),
                                               "input": input, "timeout_ms": .int(timeoutMs)])
    }
}
