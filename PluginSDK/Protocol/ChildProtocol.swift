/// The child protocol's methods and handshake shapes (docs/protocol.md). Shared by the host's
/// supervisor and the Swift SDK for child authors (`LightningChildKit`).
public enum ChildProtocol {
    /// `major.minor`. A child must speak the same major; minors add optional fields only.
    public static let version = "1.0"
    public static let majorVersion = 1
    /// Longest line either side accepts by default (bytes, newline excluded).
    public static let defaultMaxMessageBytes = 4 << 20

    // Host → child
    public static let initialize = "initialize"
    public static let initialized = "initialized"
    public static let shutdown = "shutdown"
    public static let exit = "exit"
    public static let ping = "$/ping"
    public static let cancel = "$/cancel"
    public static let handleEvent = "event.handle"
    public static let invoke = "function.invoke"

    // Child → host (plus every storage method, `bus.publish`, `events.emit`, `log`, `config.get`
    // from `Method`)
    public static let progress = "$/progress"

    /// The protocol version's major part, or nil when malformed.
    public static func major(of version: String) -> Int? {
        version.split(separator: ".").first.flatMap { Int($0) }
    }
}

/// `initialize` params (host → child).
public struct InitializeParams: Codable, Sendable, Equatable {
    public var protocolVersion: String
    public var host: PeerInfo
    /// The manifest id and kind the child runs as, and its instance number.
    public var child: ChildIdentity
    /// The child's configuration (manifest defaults merged with the operator's).
    public var config: JSONValue
    public var heartbeatIntervalMs: Int?
    public var maxMessageBytes: Int

    public init(protocolVersion: String = ChildProtocol.version, host: PeerInfo, child: ChildIdentity, config: JSONValue,
                heartbeatIntervalMs: Int? = nil, maxMessageBytes: Int = ChildProtocol.defaultMaxMessageBytes) {
        self.protocolVersion = protocolVersion; self.host = host; self.child = child; self.config = config
        self.heartbeatIntervalMs = heartbeatIntervalMs; self.maxMessageBytes = maxMessageBytes
    }
    enum CodingKeys: String, CodingKey {
        case host, child, config
        case protocolVersion = "protocol_version", heartbeatIntervalMs = "heartbeat_interval_ms", maxMessageBytes = "max_message_bytes"
    }
}

public struct PeerInfo: Codable, Sendable, Equatable {
    public var name: String
    public var version: String
    public init(name: String, version: String) { self.name = name; self.version = version }
}

public struct ChildIdentity: Codable, Sendable, Equatable {
    public var id: String
    /// `agent` or `function`.
    public var kind: String
    public var instance: Int
    public init(id: String, kind: String, instance: Int) { self.id = id; self.kind = kind; self.instance = instance }
}

/// `initialize` result (child → host).
public struct InitializeResult: Codable, Sendable, Equatable {
    public var protocolVersion: String
    public var child: PeerInfo
    /// Event-type patterns an agent handles (must be within its manifest's capabilities when
    /// the manifest declares them); function names a function child serves.
    public var handles: [String]?
    public var functions: [String]?

    public init(protocolVersion: String = ChildProtocol.version, child: PeerInfo, handles: [String]? = nil, functions: [String]? = nil) {
        self.protocolVersion = protocolVersion; self.child = child; self.handles = handles; self.functions = functions
    }
    enum CodingKeys: String, CodingKey { case child, handles, functions, protocolVersion = "protocol_version" }
}

/// `function.invoke` params and result.
public struct InvokeParams: Codable, Sendable, Equatable {
    public var function: String
    public var invocationId: String
    public var input: JSONValue
    /// Milliseconds the host waits for the result; the child should give up sooner.
    public var timeoutMs: Int
    /// The caller's idempotency key, when it gave one (a plan step's attempt): the same on every
    /// repeat of the same attempt, so a function with its own durable record can act once.
    public var idempotencyKey: String?
    public init(function: String, invocationId: String, input: JSONValue, timeoutMs: Int, idempotencyKey: String? = nil) {
        self.function = function; self.invocationId = invocationId; self.input = input; self.timeoutMs = timeoutMs
        self.idempotencyKey = idempotencyKey
    }
    enum CodingKeys: String, CodingKey {
        case function, input, invocationId = "invocation_id", timeoutMs = "timeout_ms", idempotencyKey = "idempotency_key"
    }
}

public struct InvokeResult: Codable, Sendable, Equatable {
    public var output: JSONValue
    public init(output: JSONValue) { self.output = output }
}

/// `$/progress` params (child → host, notification).
public struct ProgressParams: Codable, Sendable, Equatable {
    /// The id of the host request this progress belongs to.
    public var requestId: RPCID
    public var message: String?
    /// 0...100 when known.
    public var percent: Double?
    public init(requestId: RPCID, message: String? = nil, percent: Double? = nil) {
        self.requestId = requestId; self.message = message; self.percent = percent
    }
    enum CodingKeys: String, CodingKey { case message, percent, requestId = "request_id" }
}

/// `log` params (child → host, notification).
public struct LogParams: Codable, Sendable, Equatable {
    public var level: String
    public var message: String
    public init(level: String, message: String) { self.level = level; self.message = message }
}

/// `$/cancel` params.
public struct CancelParams: Codable, Sendable, Equatable {
    public var id: RPCID
    public init(id: RPCID) { self.id = id }
}
