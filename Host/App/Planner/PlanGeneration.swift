import Foundation
import LightningProtocol

/// A conversation with a model that writes a plan (docs/planner.md#generating-plans), without I/O:
/// the planner agent sends `messages` to a chat-completions endpoint and feeds each answer to
/// `received`, which validates it with `PlanValidator` and either ends or adds a critic message
/// with every problem and asks again, up to `maxAttempts` answers.
///
/// ```
///  init(request) ─▶ messages: system (the plan format, the actions), user (the description │ plan + critique)
///  received(answer) ─▶ not JSON / invalid ─▶ + assistant answer, + critic (every problem) ─▶ .ask(messages)
///                   └▶ valid ─▶ .done(plan)        attempts == maxAttempts and still invalid ─▶ .gaveUp(problems)
/// ```
public struct PlanGeneration: Sendable {
    /// What to write: a new plan from a description, or a revision of `plan` per `critique`.
    public struct Request: Sendable, Equatable {
        public var description: String
        public var graphType: Plan.GraphType?
        public var plan: Plan?
        public var critique: String?
        public var maxAttempts: Int

        public init(description: String, graphType: Plan.GraphType? = nil, plan: Plan? = nil, critique: String? = nil, maxAttempts: Int = 4) {
            self.description = description; self.graphType = graphType; self.plan = plan; self.critique = critique
            self.maxAttempts = max(1, min(maxAttempts, 20))
        }
    }

    public struct Message: Sendable, Equatable, Codable {
        public var role: String
        public var content: String
        public init(role: String, content: String) { self.role = role; self.content = content }
    }

    public enum Step: Sendable, Equatable {
        /// Send `messages` and feed the answer to `received`.
        case ask([Message])
        /// A valid plan after `attempts` answers.
        case done(Plan, attempts: Int)
        /// Still invalid after the last attempt: its problems.
        case gaveUp([PlanProblem], attempts: Int)
    }

    public let request: Request
    public let actions: ActionCatalog
    public private(set) var messages: [Message]
    public private(set) var attempts = 0
    /// The problems of the last answer.
    public private(set) var lastProblems: [PlanProblem] = []

    public init(_ request: Request, actions: ActionCatalog) {
        self.request = request
        self.actions = actions
        var first: String
        if let plan = request.plan, let critique = request.critique {
            let json = (try? String(decoding: Wire.encode(plan), as: UTF8.self)) ?? "{}"
            first = "Here is a plan:\n\(json)\n\nRevise it according to this critique, keeping what the critique does not touch:\n\(critique)"
        } else {
            first = "Write a plan for this:\n\(request.description)"
        }
        if let g = request.graphType { first += "\n\nThe plan's graph_type must be \"\(g.rawValue)\"." }
        messages = [Message(role: "system", content: Self.systemPrompt(actions)), Message(role: "user", content: first)]
    }

    /// The first request.
    public var start: Step { .ask(messages) }

    /// The model answered `content`.
    public mutating func received(_ content: String) -> Step {
        attempts += 1
        var problems: [PlanProblem]
        var plan: Plan?
        if let data = Self.jsonObject(in: content) {
            (plan, problems) = PlanValidator.validate(data, actions: actions)
            if let p = plan, let g = request.graphType, p.graphType != g {
                problems.append(PlanProblem("$.graph_type", .invalidValue, "expected \"\(g.rawValue)\" (asked for), got \"\(p.graphType.rawValue)\""))
                plan = nil
            }
        } else {
            problems = [PlanProblem("$", .invalidJSON, "the answer holds no JSON object")]
        }
        if let plan, problems.isEmpty {
            lastProblems = []
            return .done(plan, attempts: attempts)
        }
        lastProblems = problems
        if attempts >= request.maxAttempts { return .gaveUp(problems, attempts: attempts) }
        messages.append(Message(role: "assistant", content: content))
        messages.append(Message(role: "user", content: Self.critic(problems)))
        return .ask(messages)
    }

    /// The critic message: every problem, one a line, and what to answer.
    public static func critic(_ problems: [PlanProblem]) -> String {
        "The plan is not valid. Fix every problem below and answer with the whole corrected plan as one JSON object, nothing else.\n"
            + problems.map { "- \($0.path): \($0.message) [\($0.rule.rawValue)]" }.joined(separator: "\n")
    }

    /// The JSON object in a model's answer: the answer itself, or inside a ``` fence, or from the
    /// first `{` to the last `}`.
    static func jsonObject(in content: String) -> Data? {
        var text = content.trimmingCharacters(in: .whitespacesAndNewlines)
        if let open = text.range(of: "```") {
            var rest = text[open.upperBound...]
            if let nl = rest.firstIndex(of: "\n") { rest = rest[rest.index(after: nl)...] }
            if let close = rest.range(of: "```") { text = String(rest[..<close.lowerBound]) }
        }
        guard let a = text.firstIndex(of: "{"), let b = text.lastIndex(of: "}"), a < b else { return nil }
        return Data(text[a...b].utf8)
    }

    static func systemPrompt(_ actions: ActionCatalog) -> String {
        let list = actions.actions.values.sorted { $0.name < $1.name }.map { a in
            "- \(a.name) (from \(a.providedBy))" + (a.requiredArgs.isEmpty ? "" : "; required args: \(a.requiredArgs.joined(separator: ", "))")
                + (a.inputSchema.flatMap { try? String(decoding: Wire.encode($0), as: UTF8.self) }.map { "; input schema: \($0)" } ?? "")
        }.joined(separator: "\n")
        return """
            You write plans for Lightning, an event-driven daemon. Answer with one JSON object and nothing else:
            {"name": string, "graph_type": "acyclic" | "reactive", "description": string,
             "events": [{"name": string, "kind"?: "time.cron" | "time.interval" | "webhook" | "manual", "schedule"?: string, "description"?: string}],
             "steps": [{"name": string, "on": [event names], "action": string, "args": {…}, "emits": [event names], "guard"?: string,
                        "retry"?: {"max_attempts": int, "backoff_ms": int}, "timeout_ms"?: int}]}
            Rules: events with a kind are external (they start runs; time.cron takes a cron schedule, time.interval an ISO-8601 duration);
            events without a kind are emitted by steps. Every step's "on" and "emits" name declared events. There must be at least one
            external event, every step must be reachable from one, and the plan's outcomes (events emitted and never consumed) must all be
            reached for a run to complete (the plan is a sound workflow net). An acyclic plan has no cycle. Args may use templates such as
            "{{ event.data.name }}" (the data of the event that fired the step). Use only these actions, giving their required args:
            \(list.isEmpty ? "(none)" : list)
            """
    }
}
