public import LightningProtocol

/// Where a supervised child is in its life cycle.
public enum ProcessState: String, Sendable, Codable, CaseIterable {
    /// Spawned, handshake not finished.
    case starting
    /// Handshake done; serving.
    case ready
    /// Being stopped (shutdown → SIGTERM → SIGKILL).
    case stopping
    /// Exited; the supervisor decides what next.
    case exited
    /// Waiting before the next restart.
    case backoff
    /// Gave up: restart intensity exceeded, or an error restarting cannot fix.
    case failed
    /// Stopped on purpose (or temporary / transient child that ended); not restarted.
    case stopped
}

/// One recorded state change.
public struct ProcessTransition: Sendable, Codable, Equatable {
    public var state: ProcessState
    public var at: Timestamp
    public var restarts: Int
    public var pid: Int32?
    public var detail: String?
}

/// How the last run ended.
public struct ProcessExit: Sendable, Codable, Equatable {
    public var status: ExitStatus
    /// Why: the supervisor's reason when it killed the child (`heartbeat timeout`, ...), else
    /// the exit status in words.
    public var reason: String
    public var at: Timestamp
    /// The last stderr lines before the exit.
    public var stderrTail: [String]
    enum CodingKeys: String, CodingKey { case status, reason, at, stderrTail = "stderr_tail" }
}

/// A line of a child's log: stderr, or a `log` notification.
public struct ProcessLogLine: Sendable, Codable, Equatable {
    public var at: Timestamp
    /// `stderr`, or the level of a `log` notification.
    public var stream: String
    public var text: String
}

/// What `/v1/processes` and `lightning ps` show about one child.
public struct ProcessSnapshot: Sendable, Codable, Equatable {
    public var name: String
    public var manifest: String
    public var kind: String
    public var state: ProcessState
    public var pid: Int32?
    public var restarts: Int
    public var startedAt: Timestamp?
    public var readyAt: Timestamp?
    public var uptimeSeconds: Double?
    public var lastExit: ProcessExit?
    public var transitions: [ProcessTransition]
    public var command: [String]
    /// The sandbox profile it runs under (`none`, `standard`, `strict`; docs/sandbox.md).
    public var sandbox: String
    /// Lines the program wrote on stdout that were not JSON-RPC, over all its runs (each is in its
    /// log as a `stdout` line; ten in a row kill it for a protocol violation).
    public var malformedLines: Int
    /// Under a sandbox profile: the program's own pid on the host (`pid` is the sandbox's outer
    /// process) and inside its pid namespace; absent under `none` (there `pid` is the program).
    public var programPid: Int32?
    public var programPidInside: Int32?
    /// How its memory, process and CPU limits are enforced: `cgroup-v2`, `cgroup-v1` or `rlimits`
    /// (docs/sandbox.md#limits).
    public var limits: String

    public init(name: String, manifest: String, kind: String, state: ProcessState, pid: Int32?, restarts: Int,
                startedAt: Timestamp?, readyAt: Timestamp?, uptimeSeconds: Double?, lastExit: ProcessExit?,
                transitions: [ProcessTransition], command: [String], sandbox: String, malformedLines: Int,
                programPid: Int32? = nil, programPidInside: Int32? = nil, limits: String = "rlimits") {
        self.name = name; self.manifest = manifest; self.kind = kind; self.state = state; self.pid = pid
        self.restarts = restarts; self.startedAt = startedAt; self.readyAt = readyAt; self.uptimeSeconds = uptimeSeconds
        self.lastExit = lastExit; self.transitions = transitions; self.command = command; self.sandbox = sandbox
        self.malformedLines = malformedLines; self.programPid = programPid; self.programPidInside = programPidInside
        self.limits = limits
    }

    enum CodingKeys: String, CodingKey {
        case name, manifest, kind, state, pid, restarts, transitions, command, sandbox, limits
        case startedAt = "started_at", readyAt = "ready_at", uptimeSeconds = "uptime_seconds", lastExit = "last_exit"
        case malformedLines = "malformed_lines", programPid = "program_pid", programPidInside = "program_pid_inside"
    }
}
