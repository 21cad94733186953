import Foundation
import Hummingbird
import LightningPlanner
import LightningProtocol

extension APIServer {
    /// Plan runs (docs/planner.md#runs): start, list, read, cancel.
    func addRunRoutes(_ router: Router<BasicRequestContext>) {
        let daemon = self.daemon
        // Body (optional): {"event": an external event of the plan (default: its first manual or webhook one), "data": {...}}.
        router.post("/v1/plans/:id/runs") { request, ctx in
            var req = request
            let body = try await req.decode(JSONValue.self, allowEmpty: true)
            guard body == .null || body.objectValue != nil else { throw WireError(.invalidArgument, "request body: expected an object {\"event\", \"data\"}, got \(body.typeDescription)") }
            for key in (body.objectValue ?? [:]).keys.sorted() where !["event", "data"].contains(key) {
                throw WireError(.invalidArgument, "request body: field \"\(key)\": unknown (expected event, data)")
            }
            if let e = body["event"], e.stringValue == nil { throw WireError(.invalidArgument, "field \"event\": expected a string, got \(e.typeDescription)") }
            let m = try await daemon.plans.start(planId: try ctx.parameters.string("id"), event: body["event"]?.stringValue,
                                                 data: body["data"] ?? .object([:]))
            return APIResponse.json(RunView(m), status: .created)
        }
        // A webhook event of a plan: the body (any JSON; empty = {}) is the event's data.
        router.post("/v1/hooks/:plan/:event") { request, ctx in
            var req = request
            let data = try await req.decode(JSONValue.self, allowEmpty: true)
            let planId = try ctx.parameters.string("plan"), event = try ctx.parameters.string("event")
            let stored = try await PlanStore(storage: daemon.providers.storage).get(planId)
            guard stored.plan.events.contains(where: { $0.name == event && $0.kind == .webhook }) else {
                let hooks = stored.plan.events.filter { $0.kind == .webhook }.map(\.name)
                throw WireError(.notFound, "plan \(planId) has no webhook event \"\(event)\" (its webhook events: \(hooks.isEmpty ? "none" : hooks.joined(separator: ", ")))")
            }
            let m = try await daemon.plans.start(planId: planId, event: event, data: data == .null ? .object([:]) : data)
            return APIResponse.json(RunView(m), status: .accepted)
        }
        router.get("/v1/plans/:id/runs") { _, ctx in
            struct Runs: Encodable { var runs: [RunView] }
            let runs = try await daemon.plans.runs.list(plan: try ctx.parameters.string("id"))
            return APIResponse.json(Runs(runs: runs.map(RunView.init)))
        }
        router.get("/v1/schedules") { _, _ in
            struct Schedules: Encodable { var schedules: [Schedule] }
            return APIResponse.json(Schedules(schedules: try await daemon.scheduler.list()))
        }
        router.get("/v1/runs/:id") { _, ctx in
            APIResponse.json(RunView(try await daemon.plans.runs.get(try ctx.parameters.string("id"))))
        }
        router.post("/v1/runs/:id/cancel") { _, ctx in
            APIResponse.json(RunView(try await daemon.plans.cancel(try ctx.parameters.string("id"))))
        }
    }
}

/// A run as the API shows it.
struct RunView: Encodable {
    var runId: String
    var plan: String
    var version: Int
    var status: String
    var reason: String?
    /// Tokens per event (events with none left out).
    var marking: [String: Int]
    var steps: [Step]

    struct Step: Encodable {
        var firing: Int
        var step: String
        var state: String
        var attempt: Int
        var error: String?
        var output: JSONValue?
    }

    init(_ m: PlanRunMachine) {
        runId = m.runId; plan = m.planId; version = m.version; status = m.status.rawValue; reason = m.reason
        marking = m.marking.filter { !$0.value.isEmpty }.mapValues(\.count)
        steps = m.firings.map { Step(firing: $0.id, step: $0.step, state: $0.state.rawValue, attempt: $0.attempt, error: $0.error, output: $0.output) }
    }

    enum CodingKeys: String, CodingKey {
        case plan, version, status, reason, marking, steps
        case runId = "run_id"
    }
}
