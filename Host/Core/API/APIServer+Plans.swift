import Foundation
import Hummingbird
import LightningPlanner
import LightningProtocol

extension APIServer {
    /// `POST /v1/plans/validate` and `PUT /v1/plans/{id}` (docs/planner.md): both read the plan
    /// document raw, so the validator reports every problem with its JSON path; save stores a
    /// new version each time. The other plan operations are generated (`TypedAPI+Plans.swift`).
    func addPlanRoutes(_ router: Router<BasicRequestContext>) {
        let store = PlanStore(storage: daemon.providers.storage)
        let daemon = self.daemon
        // Body: a plan document. 200 either way: {"valid": true, "plan"} or {"valid": false, "problems"}.
        router.post("/v1/plans/validate") { request, _ in
            let (plan, problems) = PlanValidator.validate(try await Self.body(request), actions: daemon.actionCatalog)
            return APIResponse.json(Verdict(valid: problems.isEmpty, plan: plan, problems: problems))
        }
        // Body: a plan document; validated first (422 with every problem), then saved as the next version.
        router.put("/v1/plans/:id") { request, ctx in
            let id = try ctx.parameters.string("id")
            try PlanStore.checkId(id)
            let (plan, problems) = PlanValidator.validate(try await Self.body(request), actions: daemon.actionCatalog)
            guard let plan, problems.isEmpty else {
                return APIResponse.json(Verdict(valid: false, plan: nil, problems: problems,
                                                error: WireError(.invalidArgument, "plan \(id) is not valid: \(problems.count) problem(s); nothing was saved")),
                                        status: .unprocessableContent)
            }
            let stored = try await store.save(plan, id: id)
            return APIResponse.json(stored, status: stored.version == 1 ? .created : .ok)
        }
    }

    /// The answer of validate (and of a refused save).
    struct Verdict: Encodable {
        var valid: Bool
        var plan: Plan?
        var problems: [PlanProblem]
        var error: WireError?
    }

    static func body(_ request: Request) async throws -> Data {
        var req = request
        let buffer = try await req.collectBody(upTo: 1 << 20)
        let data = Data(buffer.readableBytesView)
        try Request.checkShape(data)
        return data
    }
}
