import Foundation
import LightningAPIServer
import LightningPlanner
import LightningProtocol
import OpenAPIRuntime

/// Plan generation (docs/planner.md#generating-plans): the planner agent (`planner-agent`, a
/// supervised child) asks a chat-completions model for a plan, validates each answer with the
/// daemon's action catalog and sends the problems back until the plan is valid or the attempts
/// run out. The daemon validates the agent's plan again before it answers.
extension TypedAPI {
    /// `POST /v1/plans/generate`: `{"description", "graph_type"?, "max_attempts"?}`.
    func generatePlan(_ input: Operations.GeneratePlan.Input) async throws -> Operations.GeneratePlan.Output {
        guard case .json(let b) = input.body else { throw WireError(.invalidArgument, "request body: expected JSON") }
        guard !b.description.isEmpty else { throw WireError(.invalidArgument, "field \"description\": expected a non-empty string, got \"\"") }
        var data: [String: JSONValue] = ["description": .string(b.description)]
        data["graph_type"] = b.graphType.map { .string($0.rawValue) }
        data["max_attempts"] = try Self.attempts(b.maxAttempts)
        let (answer, valid) = try await generate(data: data, save: nil)
        return valid ? .ok(.init(body: .json(answer))) : .unprocessableContent(.init(body: .json(answer)))
    }

    /// `POST /v1/plans/{id}/critique`: `{"critique", "save"?, "max_attempts"?}`: the plan's
    /// current version, revised (and saved as its next version with `save`).
    func critiquePlan(_ input: Operations.CritiquePlan.Input) async throws -> Operations.CritiquePlan.Output {
        guard case .json(let b) = input.body else { throw WireError(.invalidArgument, "request body: expected JSON") }
        guard !b.critique.isEmpty else { throw WireError(.invalidArgument, "field \"critique\": expected a non-empty string, got \"\"") }
        let id = input.path.id
        let stored = try await PlanStore(storage: daemon.providers.storage).get(id)
        var data: [String: JSONValue] = ["description": .string(stored.plan.description ?? stored.plan.name), "critique": .string(b.critique),
                                         "plan": try Wire.decode(JSONValue.self, from: Wire.encode(stored.plan)),
                                         "graph_type": .string(stored.plan.graphType.rawValue)]
        data["max_attempts"] = try Self.attempts(b.maxAttempts)
        let (answer, valid) = try await generate(data: data, save: b.save == true ? id : nil)
        return valid ? .ok(.init(body: .json(answer))) : .unprocessableContent(.init(body: .json(answer)))
    }

    static func attempts(_ n: Int?) throws -> JSONValue? {
        guard let n else { return nil }
        guard (1...20).contains(n) else { throw WireError(.invalidArgument, "field \"max_attempts\": expected an integer from 1 to 20, got \(n)") }
        return .int(n)
    }

    /// Asks the planner agent: a valid plan (saved as `save` when given), or every problem of
    /// its last answer. The second value says which (200 or 422).
    func generate(data: [String: JSONValue], save: String?) async throws -> (Components.Schemas.GeneratedPlan, Bool) {
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
        let attempts = result["attempts"]?.intValue ?? 0
        let model = result["model"]?.stringValue
        func refused(_ problems: [PlanProblem], _ message: String) -> (Components.Schemas.GeneratedPlan, Bool) {
            (.init(valid: false, problems: problems.map(Components.Schemas.PlanProblem.init), attempts: attempts, model: model,
                   error: .init(code: WireError.Code.invalidArgument.rawValue, message: message)), false)
        }
        if result["valid"] == .bool(true), let p = result["plan"] {
            // The same validator, on the daemon's catalog of now.
            let (plan, problems) = PlanValidator.validate(try Wire.encode(p), actions: catalog)
            guard let plan, problems.isEmpty else { return refused(problems, "the planner agent's plan is not valid here: \(problems.count) problem(s)") }
            var saved: Components.Schemas.StoredPlan?
            if let save { saved = try .init(try await PlanStore(storage: daemon.providers.storage).save(plan, id: save)) }
            return (.init(valid: true, plan: try .init(plan), problems: [], attempts: attempts, model: model, saved: saved), true)
        }
        let problems = try Wire.decode([PlanProblem].self, from: Wire.encode(result["problems"] ?? .array([])), what: "planner.result problems")
        return refused(problems, "no valid plan after \(attempts) attempt(s); the last answer's problems are listed")
    }
}
