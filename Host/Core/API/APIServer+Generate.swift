import Foundation
import Hummingbird
import LightningPlanner
import LightningProtocol

extension APIServer {
    /// Plan generation (docs/planner.md#generating-plans): the planner agent (`planner-agent`, a
    /// supervised child) asks a chat-completions model for a plan, validates each answer with the
    /// daemon's action catalog and sends the problems back until the plan is valid or the attempts
    /// run out. The daemon validates the agent's plan again before it answers.
    func addGenerateRoutes(_ router: Router<BasicRequestContext>) {
        let daemon = self.daemon
        // Body: {"description", "graph_type"?, "max_attempts"?}.
        router.post("/v1/plans/generate") { request, _ in
            var req = request
            let body = try await req.decode(JSONValue.self)
            try Self.checkFields(body, allowed: ["description", "graph_type", "max_attempts"])
            guard let description = body["description"]?.stringValue, !description.isEmpty else {
                throw WireError(.invalidArgument, "field \"description\": expected a non-empty string, got \(body["description"].map(\.typeDescription) ?? "nothing")")
            }
            var data: [String: JSONValue] = ["description": .string(description)]
            data["graph_type"] = try Self.graphType(body)
            data["max_attempts"] = try Self.attempts(body)
            return try await Self.generate(daemon, data: data, save: nil)
        }
        // Body: {"critique", "save"?, "max_attempts"?}: the plan's current version, revised.
        router.post("/v1/plans/:id/critique") { request, ctx in
            var req = request
            let body = try await req.decode(JSONValue.self)
            try Self.checkFields(body, allowed: ["critique", "save", "max_attempts"])
            guard let critique = body["critique"]?.stringValue, !critique.isEmpty else {
                throw WireError(.invalidArgument, "field \"critique\": expected a non-empty string, got \(body["critique"].map(\.typeDescription) ?? "nothing")")
            }
            if let s = body["save"], s.boolValue == nil { throw WireError(.invalidArgument, "field \"save\": expected true or false, got \(s.typeDescription)") }
            let id = try ctx.parameters.string("id")
            let stored = try await PlanStore(storage: daemon.providers.storage).get(id)
            var data: [String: JSONValue] = ["description": .string(stored.plan.description ?? stored.plan.name), "critique": .string(critique),
                                             "plan": try Wire.decode(JSONValue.self, from: Wire.encode(stored.plan)),
                                             "graph_type": .string(stored.plan.graphType.rawValue)]
            data["max_attempts"] = try Self.attempts(body)
            return try await Self.generate(daemon, data: data, save: body["save"]?.boolValue == true ? id : nil)
        }
    }

    static func checkFields(_ body: JSONValue, allowed: [String]) throws {
        guard let o = body.objectValue else { throw WireError(.invalidArgument, "request body: expected an object, got \(body.typeDescription)") }
        for k in o.keys.sorted() where !allowed.contains(k) {
            throw WireError(.invalidArgument, "request body: field \"\(k)\": unknown (expected \(allowed.joined(separator: ", ")))")
        }
    }

    static func graphType(_ body: JSONValue) throws -> JSONValue? {
        guard let g = body["graph_type"] else { return nil }
        guard let s = g.stringValue, Plan.GraphType(rawValue: s) != nil else {
            throw WireError(.invalidArgument, "field \"graph_type\": expected \"acyclic\" or \"reactive\", got \(g.stringValue.map { "\"\($0)\"" } ?? g.typeDescription)")
        }
        return g
    }

    static func attempts(_ body: JSONValue) throws -> JSONValue? {
        guard let a = body["max_attempts"] else { return nil }
        guard let n = a.intValue, (1...20).contains(n) else { throw WireError(.invalidArgument, "field \"max_attempts\": expected an integer from 1 to 20, got \(a)") }
        return .int(n)
    }

    /// Asks the planner agent; 200 with `{"valid": true, "plan", "attempts", "model"}` (and
    /// `saved` when `save` names the plan to save it as), 422 with every problem of its last answer.
    static func generate(_ daemon: Daemon, data: [String: JSONValue], save: String?) async throws -> Response {
        guard var agent = daemon.router.drivers.first(where: { $0.name == "planner-agent" }) else {
            throw WireError(.unavailable, "plan generation needs the planner agent, which is not running: copy manifests/optional/planner-agent.json into the manifests folder and set LIGHTNING_PLANNER_BASE_URL and LIGHTNING_PLANNER_MODEL (docs/planner.md#generating-plans)")
        }
        // The agent may ask the model `max_attempts` times, each within its `timeout_ms`: the
        // call waits that long (plus a margin), not the router's lease.
        if let a = agent as? AgentDriver {
            let cfg = daemon.instanceConfigs.withLock { $0["planner-agent"] } ?? [:]
            let attempts = data["max_attempts"]?.intValue ?? cfg["max_attempts"]?.intValue ?? 4
            let budget = (cfg["timeout_ms"]?.intValue ?? 60_000) * attempts + 10_000
            agent = AgentDriver(child: a.child, capabilities: a.capabilities, timeout: .milliseconds(budget), maxConcurrency: a.maxConcurrency)
        }
        let catalog = daemon.actionCatalog
        var request = data
        request["actions"] = try Wire.decode(JSONValue.self, from: Wire.encode(catalog.actions.values.sorted { $0.name < $1.name }))
        let out = try await agent.handle(Event(type: "planner.generate", source: "api", data: .object(request)))
        guard let result = out.first(where: { $0.type == "planner.result" })?.data else {
            throw WireError(.unavailable, "the planner agent answered no planner.result")
        }
        struct Answer: Encodable {
            var valid: Bool
            var plan: Plan?
            var problems: [PlanProblem]
            var attempts: Int
            var model: String?
            var saved: PlanStore.Stored?
            var error: WireError?
        }
        let attempts = result["attempts"]?.intValue ?? 0
        let model = result["model"]?.stringValue
        if result["valid"] == .bool(true), let p = result["plan"] {
            // The same validator, on the daemon's catalog of now.
            let (plan, problems) = PlanValidator.validate(try Wire.encode(p), actions: catalog)
            if let plan, problems.isEmpty {
                let saved = try await save.asyncMap { try await PlanStore(storage: daemon.providers.storage).save(plan, id: $0) }
                return APIResponse.json(Answer(valid: true, plan: plan, problems: [], attempts: attempts, model: model, saved: saved))
            }
            return APIResponse.json(Answer(valid: false, problems: problems, attempts: attempts, model: model,
                                           error: WireError(.invalidArgument, "the planner agent's plan is not valid here: \(problems.count) problem(s)")),
                                    status: .unprocessableContent)
        }
        let problems = try Wire.decode([PlanProblem].self, from: Wire.encode(result["problems"] ?? .array([])), what: "planner.result problems")
        return APIResponse.json(Answer(valid: false, problems: problems, attempts: attempts, model: model,
                                       error: WireError(.invalidArgument, "no valid plan after \(attempts) attempt(s); the last answer's problems are listed")),
                                status: .unprocessableContent)
    }
}

extension Optional {
    func asyncMap<T>(_ f: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let v = self else { return nil }
        return try await f(v)
    }
}
