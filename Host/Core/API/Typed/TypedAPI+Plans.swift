import Foundation
import LightningAPIServer
import LightningPlanner
import LightningProtocol
import OpenAPIRuntime

/// `/v1/plans` (docs/planner.md): list, read (the current version or `?version=N`), delete.
/// (Validate and save read the plan document raw, so the validator reports every problem with
/// its JSON path; generate and critique are still registered by hand in `APIServer+Plans.swift`
/// and `APIServer+Generate.swift`.)
extension TypedAPI {
    private var plans: PlanStore { PlanStore(storage: daemon.providers.storage) }

    func listPlans(_ input: Operations.ListPlans.Input) async throws -> Operations.ListPlans.Output {
        .ok(.init(body: .json(.init(plans: try await plans.list().map(Components.Schemas.StoredPlan.init)))))
    }

    func getPlan(_ input: Operations.GetPlan.Input) async throws -> Operations.GetPlan.Output {
        .ok(.init(body: .json(try .init(try await plans.get(input.path.id, version: input.query.version)))))
    }

    func deletePlan(_ input: Operations.DeletePlan.Input) async throws -> Operations.DeletePlan.Output {
        let id = input.path.id
        guard try await plans.delete(id) else { throw WireError(.notFound, "no plan \"\(id)\" (see GET /v1/plans)") }
        return .noContent
    }
}

extension Components.Schemas.StoredPlan {
    init(_ s: PlanStore.Stored) throws {
        self.init(id: s.id, version: s.version, savedAt: s.savedAt.date, plan: try .init(s.plan))
    }
}

extension Components.Schemas.Plan {
    init(_ p: Plan) throws {
        let graph: GraphTypePayload = switch p.graphType {
        case .acyclic: .acyclic
        case .reactive: .reactive
        }
        self.init(name: p.name, graphType: graph, description: p.description, events: p.events.map(Components.Schemas.PlanEvent.init),
                  steps: try p.steps.map(Components.Schemas.PlanStep.init))
    }
}

extension Components.Schemas.PlanEvent {
    init(_ e: PlanEvent) {
        let kind: KindPayload? = e.kind.map { k in
            switch k {
            case .cron: .time_cron
            case .interval: .time_interval
            case .webhook: .webhook
            case .manual: .manual
            }
        }
        let misfire: MisfirePayload? = e.misfire.map { m in
            switch m {
            case .runOnce: .runOnce
            case .skip: .skip
            }
        }
        self.init(name: e.name, kind: kind, schedule: e.schedule, timezone: e.timezone, misfire: misfire, description: e.description)
    }
}

extension Components.Schemas.PlanStep {
    init(_ s: PlanStep) throws {
        self.init(name: s.name, on: s.on, action: s.action, args: try OpenAPIObjectContainer(s.args), emits: s.emits, _guard: s.guard,
                  retry: s.retry.map { .init(maxAttempts: $0.maxAttempts, backoffMs: $0.backoffMs) }, timeoutMs: s.timeoutMs,
                  description: s.description)
    }
}
