public import LightningProtocol

/// A plan: events (places) and steps (transitions) that run on Lightning's router
/// (docs/planner.md). Parsed from JSON by `PlanParser`, checked by `PlanValidator`.
public struct Plan: Sendable, Equatable, Codable {
    public enum GraphType: String, Sendable, Codable, CaseIterable {
        /// No cycles: every run ends.
        case acyclic
        /// Cycles allowed (a step may feed an event that fires an earlier step again).
        case reactive
    }

    public var name: String
    public var graphType: GraphType
    public var description: String?
    public var events: [PlanEvent]
    public var steps: [PlanStep]

    public init(name: String, graphType: GraphType, description: String? = nil, events: [PlanEvent], steps: [PlanStep]) {
        self.name = name; self.graphType = graphType; self.description = description; self.events = events; self.steps = steps
    }

    enum CodingKeys: String, CodingKey {
        case name, description, events, steps
        case graphType = "graph_type"
    }

    /// Events with a `kind`: they start runs (schedules, webhooks, the API). The others are internal.
    public var externalEvents: [PlanEvent] { events.filter { $0.kind != nil } }
}

/// One event of a plan: external (with a `kind`) or internal (emitted by steps).
public struct PlanEvent: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case cron = "time.cron"
        case interval = "time.interval"
        case webhook
        case manual
    }

    /// What a schedule does with a fire missed while the daemon was down.
    public enum Misfire: String, Sendable, Codable, CaseIterable {
        case runOnce = "run_once"
        case skip
    }

    public var name: String
    public var kind: Kind?
    /// A cron expression (`time.cron`) or an ISO-8601 duration (`time.interval`).
    public var schedule: String?
    /// IANA time zone of a cron schedule (default UTC).
    public var timezone: String?
    public var misfire: Misfire?
    public var description: String?

    public init(name: String, kind: Kind? = nil, schedule: String? = nil, timezone: String? = nil, misfire: Misfire? = nil,
                description: String? = nil) {
        self.name = name; self.kind = kind; self.schedule = schedule; self.timezone = timezone; self.misfire = misfire
        self.description = description
    }
}

/// One step: fires when each `on` event has a token, runs `action` with `args`, and puts a token
/// on each `emits` event when the action's reply comes.
public struct PlanStep: Sendable, Equatable, Codable {
    public struct Retry: Sendable, Equatable, Codable {
        public var maxAttempts: Int
        public var backoffMs: Int

        public init(maxAttempts: Int = 1, backoffMs: Int = 1000) { self.maxAttempts = maxAttempts; self.backoffMs = backoffMs }

        enum CodingKeys: String, CodingKey {
            case maxAttempts = "max_attempts", backoffMs = "backoff_ms"
        }
    }

    public var name: String
    public var on: [String]
    public var action: String
    public var args: [String: JSONValue]
    public var emits: [String]
    /// A guard expression (`GuardExpression`): the step fires only when it holds.
    public var `guard`: String?
    public var retry: Retry?
    public var timeoutMs: Int?
    public var description: String?

    public init(name: String, on: [String], action: String, args: [String: JSONValue] = [:], emits: [String] = [],
                guard: String? = nil, retry: Retry? = nil, timeoutMs: Int? = nil, description: String? = nil) {
        self.name = name; self.on = on; self.action = action; self.args = args; self.emits = emits; self.guard = `guard`
        self.retry = retry; self.timeoutMs = timeoutMs; self.description = description
    }

    enum CodingKeys: String, CodingKey {
        case name, on, action, args, emits, `guard`, retry, description
        case timeoutMs = "timeout_ms"
    }
}
