import Foundation
import LightningAPIServer
import LightningPlanner
import LightningProtocol
import OpenAPIRuntime

/// `/v1/plans` (docs/planner.md): validate, save (a new version each time), list, read (the
/// current version or `?version=N`), delete. Validate and save read the plan document as sent:
/// `WholeBodyValidationMiddleware` ran the validator on it before the generated decoder, and
/// answered a plan with problems itself, every problem with its JSON path.
extension TypedAPI {
    private var plans: PlanStore { PlanStore(storage: daemon.providers.storage) }

    /// The plan of the current body as the validator read it (`WholeBodyValidationMiddleware`,
    /// which answered a plan with problems itself).
    private func validatedPlan() throws -> Plan {
        guard let plan = ValidatedBody.plan else { throw WireError(.internal, "the plan was not validated before its handler") }
        return plan
    }

    func validatePlan(_ input: Operations.ValidatePlan.Input) async throws -> Operations.ValidatePlan.Output {
        .ok(.init(body: .json(.init(valid: true, plan: try .init(try validatedPlan()), problems: []))))
    }

    func savePlan(_ input: Operations.SavePlan.Input) async throws -> Operations.SavePlan.Output {
        let id = input.path.id
        try PlanStore.checkId(id)
        let plan = try validatedPlan()
        let stored = try await plans.save(plan, id: id)
        return stored.version == 1 ? .created(.init(body: .json(try .init(stored)))) : .ok(.init(body: .json(try .init(stored))))
    }

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

extension Components.Schemas.PlanProblem {
    init(_ p: PlanProblem) {
        let rule: RulePayload = switch p.rule {
        case .invalidJSON: .invalidJson
        case .unknownField: .unknownField
        case .missingField: .missingField
        case .wrongType: .wrongType
        case .invalidValue: .invalidValue
        case .duplicateName: .duplicateName
        case .externalEvent: .externalEvent
        case .internalEvent: .internalEvent
        case .badSchedule: .badSchedule
        case .unknownEvent: .unknownEvent
        case .unknownAction: .unknownAction
        case .missingArgument: .missingArgument
        case .badGuard: .badGuard
        case .badTemplate: .badTemplate
        case .cycle: .cycle
        case .notWorkflowNet: .notWorkflowNet
        case .unsound: .unsound
        }
        self.init(path: p.path, rule: rule, message: p.message)
    }
}
