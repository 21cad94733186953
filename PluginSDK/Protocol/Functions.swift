/// The functions contract (docs/functions.md): what a functions provider (local children under
/// the supervisor, or Azure Functions) answers. Method names are in `Method`.

/// `functions.deploy` params: a function manifest (docs/manifests.md#functions), as JSON.
public struct DeployRequest: Codable, Sendable {
    public var manifest: JSONValue
    public init(manifest: JSONValue) { self.manifest = manifest }
}

/// `functions.get` / `functions.delete` / `functions.logs` / `functions.invocations` params.
public struct FunctionName: Codable, Sendable {
    public var function: String
    public var limit: Int?
    public init(function: String, limit: Int? = nil) { self.function = function; self.limit = limit }
}

/// `functions.invoke` params.
public struct InvokeRequest: Codable, Sendable {
    public var function: String
    public var input: JSONValue
    /// Return at once with the invocation id; the result is kept for `functions.invocation`
    /// and published as a `function.completed` / `function.failed` event.
    public var async: Bool?
    public init(function: String, input: JSONValue, async: Bool? = nil) {
        self.function = function; self.input = input; self.async = async
    }
}

/// `functions.invocation` params.
public struct InvocationKey: Codable, Sendable {
    public var function: String
    public var invocationId: String
    public init(function: String, invocationId: String) { self.function = function; self.invocationId = invocationId }
    enum CodingKeys: String, CodingKey { case function, invocationId = "invocation_id" }
}

/// The outcome of an invocation.
public struct Invocation: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable { case running, succeeded, failed }
    public var invocationId: String
    public var function: String
    public var status: Status
    public var output: JSONValue?
    public var error: WireError?
    /// Queue wait + execution, in ms (absent while running).
    public var durationMs: Double?
    /// True when a new instance had to be started for it.
    public var coldStart: Bool?
    /// The instance (process name) that ran it.
    public var instance: String?
    public var startedAt: Timestamp
    public init(invocationId: String, function: String, status: Status, output: JSONValue? = nil, error: WireError? = nil,
                durationMs: Double? = nil, coldStart: Bool? = nil, instance: String? = nil, startedAt: Timestamp) {
        self.invocationId = invocationId; self.function = function; self.status = status; self.output = output
        self.error = error; self.durationMs = durationMs; self.coldStart = coldStart; self.instance = instance; self.startedAt = startedAt
    }
    enum CodingKeys: String, CodingKey {
        case function, status, output, error, instance
        case invocationId = "invocation_id", durationMs = "duration_ms", coldStart = "cold_start", startedAt = "started_at"
    }
}

/// What a provider says about one deployed function.
public struct FunctionInfo: Codable, Sendable, Equatable {
    public var name: String
    public var version: String
    public var handler: String
    public var timeoutMs: Int
    public var maxConcurrency: Int
    public var maxQueue: Int
    /// 0 = instances never expire.
    public var idleTimeoutMs: Int
    public var triggers: [String]
    public var instances: Int
    public var busy: Int
    public var queued: Int
    public var stats: FunctionStats
    public init(name: String, version: String, handler: String, timeoutMs: Int, maxConcurrency: Int, maxQueue: Int, idleTimeoutMs: Int,
                triggers: [String], instances: Int, busy: Int, queued: Int, stats: FunctionStats) {
        self.name = name; self.version = version; self.handler = handler; self.timeoutMs = timeoutMs
        self.maxConcurrency = maxConcurrency; self.maxQueue = maxQueue; self.idleTimeoutMs = idleTimeoutMs; self.triggers = triggers
        self.instances = instances; self.busy = busy; self.queued = queued; self.stats = stats
    }
    enum CodingKeys: String, CodingKey {
        case name, version, handler, triggers, instances, busy, queued, stats
        case timeoutMs = "timeout_ms", maxConcurrency = "max_concurrency", maxQueue = "max_queue", idleTimeoutMs = "idle_timeout_ms"
    }
}

public struct FunctionStats: Codable, Sendable, Equatable {
    public var invocations = 0
    public var succeeded = 0
    public var failed = 0
    public var timeouts = 0
    public var throttled = 0
    public var coldStarts = 0
    public var warmStarts = 0
    /// Spawn → ready of new instances, ms.
    public var coldStartMsAvg: Double?
    public var coldStartMsMax: Double?
    /// Dispatch → result of successful invocations on a warm instance, ms.
    public var warmInvokeMsAvg: Double?
    public var lastError: String?
    public init() {}
    enum CodingKeys: String, CodingKey {
        case invocations, succeeded, failed, timeouts, throttled
        case coldStarts = "cold_starts", warmStarts = "warm_starts", coldStartMsAvg = "cold_start_ms_avg",
             coldStartMsMax = "cold_start_ms_max", warmInvokeMsAvg = "warm_invoke_ms_avg", lastError = "last_error"
    }
}

public struct FunctionList: Codable, Sendable {
    public var functions: [FunctionInfo]
    public init(functions: [FunctionInfo]) { self.functions = functions }
}

public struct FunctionLogs: Codable, Sendable {
    public struct Line: Codable, Sendable, Equatable {
        public var at: Timestamp
        public var instance: String
        public var stream: String
        public var text: String
        public init(at: Timestamp, instance: String, stream: String, text: String) {
            self.at = at; self.instance = instance; self.stream = stream; self.text = text
        }
    }
    public var function: String
    public var lines: [Line]
    public init(function: String, lines: [Line]) { self.function = function; self.lines = lines }
}

/// `functions.invocations` result: what the provider kept of the function's recent invocations
/// (the running ones included), newest first, at most the request's `limit`.
public struct InvocationList: Codable, Sendable, Equatable {
    public var function: String
    public var invocations: [Invocation]
    public init(function: String, invocations: [Invocation]) { self.function = function; self.invocations = invocations }
}
