import Foundation
public import LightningProtocol

/// What a handler knows about its child and the host request it serves, and its way to call
/// the host.
///
/// A `Context` is a value: handlers may copy it into child tasks. Calls to the host made
/// through it (`emit`, `storage`, `fetchConfig`, `call`) may run concurrently with each other
/// and with other handlers; the host answers them in any order.
///
/// Threading: any task. Cancelling the task that awaits a host call ends the wait with
/// `CancellationError`.
public struct Context: Sendable {
    /// The configuration the host passed in `initialize` (manifest defaults merged with the
    /// operator's). `fetchConfig()` asks the host for the current one.
    public let config: JSONValue
    /// The manifest id, kind and instance number this process runs as.
    public let identity: ChildIdentity
    /// The host's name and version.
    public let host: PeerInfo
    /// The id of the host request being served, nil outside a request (e.g. `onInitialize`).
    public let requestID: RPCID?
    /// For `function.invoke`: the host's invocation id. Nil for other requests.
    public let invocationID: String?
    /// For `function.invoke`: how many milliseconds the host waits for the result (it then
    /// sends `$/cancel`); the handler should give up sooner. Nil for other requests.
    public let timeoutMs: Int?
    /// For `function.invoke`: the caller's idempotency key (a plan step's
    /// `<run>/<step>#<firing>/<attempt>`), the same on every repeat of one attempt; nil when the
    /// caller gave none. A function that records the keys it acted on (durably, with its effect)
    /// runs its effect once.
    public let idempotencyKey: String?

    let connection: Connection

    init(session: Session, connection: Connection, requestID: RPCID?, invocationID: String? = nil, timeoutMs: Int? = nil,
         idempotencyKey: String? = nil) {
        self.config = session.config
        self.identity = session.identity
        self.host = session.host
        self.requestID = requestID
        self.invocationID = invocationID
        self.timeoutMs = timeoutMs
        self.idempotencyKey = idempotencyKey
        self.connection = connection
    }

    /// Typed access to the host's storage (`storage.*` methods).
    public var storage: StorageClient {
        StorageClient { [connection] method, params in
            let result = try await connection.call(method, params: try Wire.decode(JSONValue.self, from: params, what: "params of \(method)"))
            return try Wire.encode(result)
        }
    }

    /// The host's Context Hub (`context.*` methods): documents, versions, search.
    public var contextHub: ContextClient { ContextClient(connection: connection) }

    /// Publishes events through the host (`events.emit`); returns once they are durable.
    ///
    /// Only `type` needs to be meaningful; the host sets `source` (when it is the default) and
    /// `metadata."lt.emitted_by"` to this child's manifest id.
    /// - Throws: `WireError` from the host; `WireError(.unavailable)` when the host is gone.
    @discardableResult
    public func emit(_ events: [Event]) async throws -> PublishResult {
        let result = try await connection.call(Method.emit, params: JSONValue(wire: PublishRequest(events: events)))
        return try result.decode(PublishResult.self, what: "result of \(Method.emit)")
    }

    /// Asks the host for this child's current configuration object (`config.get`).
    /// - Throws: `WireError` from the host.
    public func fetchConfig() async throws -> JSONValue {
        try await connection.call(Method.config, params: .object([:]))
    }

    /// Calls any host method with raw JSON params.
    /// - Parameters:
    ///   - method: the method name (see `Method`).
    ///   - params: an object or array; nil sends `{}`.
    /// - Returns: the `result` of the host's answer.
    /// - Throws: the host's error as a `WireError` (its `data.code`, else mapped from the
    ///   JSON-RPC code); `WireError(.unavailable)` when stdin closed.
    public func call(method: String, params: JSONValue? = nil) async throws -> JSONValue {
        try await connection.call(method, params: params ?? .object([:]))
    }

    /// Sends a `log` notification: a record in the host's log for this child. Never blocks on
    /// the host (a notification has no answer).
    public func log(_ level: LogLevel, _ message: String) {
        connection.notify(Method.log, params: ["level": .string(level.rawValue), "message": .string(message)])
    }

    /// Reports progress of the current host request (`$/progress` with its id). Does nothing
    /// outside a request.
    /// - Parameters:
    ///   - message: what is happening now.
    ///   - percent: 0...100 when known.
    public func progress(message: String? = nil, percent: Double? = nil) {
        guard let requestID, let params = try? JSONValue(wire: ProgressParams(requestId: requestID, message: message, percent: percent)) else { return }
        connection.notify(ChildProtocol.progress, params: params)
    }
}

/// Severity of a `log` notification, as the protocol names them.
public enum LogLevel: String, Sendable, CaseIterable {
    case trace, debug, info, notice, warning, error, critical
}

/// What the handshake told the child; fixed after `initialize`.
struct Session: Sendable {
    var config: JSONValue
    var identity: ChildIdentity
    var host: PeerInfo
    var maxMessageBytes: Int

    init(_ p: InitializeParams) {
        config = p.config; identity = p.child; host = p.host; maxMessageBytes = p.maxMessageBytes
    }
}
