import Foundation
import Hummingbird
import LightningPlanner
import LightningProtocol

extension APIServer {
    /// `/v1/plans` and `/v1/actions` (docs/planner.md): validate, save (a new version each time),
    /// read, list, delete; the actions plans may use. Runs are not built yet.
    func addPlanRoutes(_ router: Router<BasicRequestContext>) {
        let store = PlanStore(storage: daemon.providers.storage)
        let daemon = self.daemon
        // Body: a plan document. 200 either way: {"valid": true, "plan"} or {"valid": false, "problems"}.
        router.post("/v1/plans/validate") { request, _ in
            let (plan, problems) = PlanValidator.validate(try await Self.body(request), actions: daemon.actionCatalog)
            return APIResponse.json(Verdict(valid: problems.isEmpty, plan: plan, problems: problems))
        }
        router.get("/v1/plans") { _, _ in
            struct Plans: Encodable { var plans: [PlanStore.Stored] }
            return APIResponse.json(Plans(plans: try await store.list()))
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
        router.get("/v1/plans/:id") { request, ctx in
            var version: Int?
            if let v = request.query("version") {
                guard let n = Int(v), n >= 1 else { throw WireError(.invalidArgument, "query \"version\": expected an integer ≥ 1, got \"\(v)\"") }
                version = n
            }
            return APIResponse.json(try await store.get(try ctx.parameters.string("id"), version: version))
        }
        router.delete("/v1/plans/:id") { _, ctx in
            let id = try ctx.parameters.string("id")
            guard try await store.delete(id) else { throw WireError(.notFound, "no plan \"\(id)\" (see GET /v1/plans)") }
            return APIResponse.noContent()
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
