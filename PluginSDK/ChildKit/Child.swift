public import LightningProtocol
import Synchronization

/// A Lightning child program (agent or function) speaking the child protocol over stdio.
///
/// ```
///             ┌───────────── reader thread (blocking read(2) on stdin) ─────────────┐
/// stdin ──▶ LineReader ──▶ RPCMessage.parse ──┬─ $/ping, initialize ──▶ answered here │
///             │                               ├─ responses ──▶ PendingCalls (resume)   │
///             │                               ├─ $/cancel, exit ──▶ state              │
///             └───────────────────────────────┴─ requests ──▶ one Task each ───────────┘
///                                                                  │ handler(event/input, Context)
///                                                                  ▼
/// stdout ◀── LineWriter (one lock, write(2) per line) ◀── responses, calls to the host, log
/// ```
///
/// Register handlers, then call `run()`:
///
/// ```swift
/// let child = Child(name: "greeter", version: "1.0.0")
/// child.onEvent("user.*") { event, ctx in [Event(type: "greeting.sent")] }
/// child.function("resize") { input, ctx in input }
/// await child.run()
/// ```
///
/// Host requests run concurrently, each in its own task, so the reader keeps reading while
/// handlers work: `$/ping` is answered at once, `$/cancel` reaches a running handler (as task
/// cancellation), and handlers can call the host while the host's request is in flight.
///
/// Rationale: requests use unstructured tasks (not a task group) because `$/cancel` must cancel
/// one request's task, which needs its handle.
///
/// Threading: register handlers before `run()`; later registrations are not announced in the
/// `initialize` result. All methods may be called from any thread.
public final class Child: Sendable {
    /// Handles one event; returns the events to publish (the host sets their `correlation_id`).
    public typealias EventHandler = @Sendable (Event, Context) async throws -> [Event]
    /// Serves one function invocation: input JSON in, output JSON out.
    public typealias FunctionHandler = @Sendable (JSONValue, Context) async throws -> JSONValue
    /// Answers `health`.
    public typealias HealthHandler = @Sendable (Context) async throws -> HealthReport
    /// Runs once after the `initialize` result is written.
    public typealias InitializeHook = @Sendable (Context) async -> Void

    /// The name and version announced in the `initialize` result.
    public let info: PeerInfo

    let state: Mutex<State>
    let connection: Connection
    let reader: LineReader

    /// - Parameters:
    ///   - name: the program's name, announced in the `initialize` result.
    ///   - version: the program's version, announced likewise.
    public init(name: String, version: String) {
        info = PeerInfo(name: name, version: version)
        state = Mutex(State())
        connection = Connection()
        reader = LineReader(fd: 0, maxLineBytes: ChildProtocol.defaultMaxMessageBytes)
    }

    /// Registers an event handler for an event-type pattern (`*`, `a.b`, `a.*`).
    ///
    /// `event.handle` runs the first registered handler whose pattern matches the event's type;
    /// with none, the host gets error -32601 (`data.code` = `unsupported`). Patterns are
    /// announced in `initialize` as `handles`.
    /// - Throws (from the handler): a `WireError` reaches the host with its code; any other error
    ///   becomes -32603 (internal) with its description.
    public func onEvent(_ pattern: String, _ handler: @escaping EventHandler) {
        state.withLock { $0.registry.events.append((pattern, handler)) }
    }

    /// Registers the function `name` (announced in `initialize` as `functions`); registering a
    /// name again replaces its handler. `function.invoke` for an unknown name gets -32601.
    /// - Throws (from the handler): as for `onEvent`; `WireError(.invalidArgument)` becomes
    ///   -32602 with `data.code` = `invalid_argument`.
    public func function(_ name: String, _ handler: @escaping FunctionHandler) {
        state.withLock { s in
            if s.registry.functions[name] == nil { s.registry.functionNames.append(name) }
            s.registry.functions[name] = handler
        }
    }

    /// Replaces the default `health` answer (`healthy`, with the handler's latency filled in
    /// by the SDK when the handler leaves `latencyMs` at 0).
    public func onHealth(_ handler: @escaping HealthHandler) {
        state.withLock { $0.registry.health = handler }
    }

    /// Runs `hook` in its own task once the `initialize` result is written. The host has not
    /// necessarily accepted the result yet (it sends `initialized` when it has), so the hook
    /// should not call the host before then.
    public func onInitialize(_ hook: @escaping InitializeHook) {
        state.withLock { $0.registry.initialize = hook }
    }

    /// Serves the host until `exit`, or until stdin closes; then returns (the caller should
    /// exit with status 0).
    ///
    /// If the host's protocol major version differs from `ChildProtocol.majorVersion`, the
    /// child answers -32001 and the process exits with status 1 without returning.
    /// Ignores SIGPIPE for the whole process, so a closed stdout is a failed write, not a crash.
    /// Calling `run()` again after it returned returns at once.
    public func run() async {
        let start = state.withLock { s -> Bool in
            guard s.phase == .idle else { return false }
            s.phase = .awaitingInitialize
            return true
        }
        guard start else { return }
        Sys.ignoreSIGPIPE()
        reader.start { [self] item in receive(item) }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let done = state.withLock { s -> Bool in
                if s.finished { return true }
                s.finishWaiter = c
                return false
            }
            if done { c.resume() }
        }
    }

    /// Ends `run()`: cancels handlers still running and fails pending host calls with `error`.
    func finish(_ error: WireError) {
        connection.pending.failAll(error)
        let (tasks, waiter) = state.withLock { s in
            s.finished = true
            s.phase = .finished
            defer { s.inFlight = [:]; s.finishWaiter = nil }
            return (Array(s.inFlight.values), s.finishWaiter)
        }
        for t in tasks { t.cancel() }
        waiter?.resume()
    }
}

extension Child {
    enum Phase: Equatable { case idle, awaitingInitialize, running, shuttingDown, finished }

    struct Registry {
        var events: [(pattern: String, handler: EventHandler)] = []
        var functions: [String: FunctionHandler] = [:]
        var functionNames: [String] = []
        var health: HealthHandler?
        var initialize: InitializeHook?
        /// The `protocol_version` written in the `initialize` result (tests may override it).
        var advertisedVersion = ChildProtocol.version
    }

    struct State {
        var registry = Registry()
        var phase = Phase.idle
        var session: Session?
        /// Host requests being served, by id.
        var inFlight: [RPCID: Task<Void, Never>] = [:]
        /// Requests the host cancelled; they are answered -32800 whatever the handler did.
        var cancelled: Set<RPCID> = []
        var finished = false
        var finishWaiter: CheckedContinuation<Void, Never>?
    }
}
