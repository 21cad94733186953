import Foundation
import LightningAPIServer
import LightningPlanner
import LightningProtocol
import OpenAPIRuntime

/// Plan runs (docs/planner.md#runs): start, start from a webhook, list, read, cancel; schedules.
extension TypedAPI {
    /// Body (optional): `{"event": an external event of the plan (default: its first manual or
    /// webhook one), "data": {...}}`; absent or null `data` is `{}`.
    func startRun(_ input: Operations.StartRun.Input) async throws -> Operations.StartRun.Output {
        var event: String?, data: JSONValue = .object([:])
        if case .json(let b)? = input.body {
            event = b.event
            if let d = b.data.map(JSONValue.init), d != .null { data = d }
        }
        let m = try await daemon.plans.start(planId: input.path.id, event: event, data: data)
        return .created(.init(body: .json(try .init(m))))
    }

    /// A webhook event of a plan: the body (any JSON; empty or null = `{}`) is the event's data.
    func webhook(_ input: Operations.Webhook.Input) async throws -> Operations.Webhook.Output {
        var data: JSONValue = .object([:])
        if case .json(let b)? = input.body, case let d = JSONValue(b), d != .null { data = d }
        let planId = input.path.plan, event = input.path.event
        let stored = try await PlanStore(storage: daemon.providers.storage).get(planId)
        guard stored.plan.events.contains(where: { $0.name == event && $0.kind == .webhook }) else {
            let hooks = stored.plan.events.filter { $0.kind == .webhook }.map(\.name)
            throw WireError(.notFound, "plan \(planId) has no webhook event \"\(event)\" (its webhook events: \(hooks.isEmpty ? "none" : hooks.joined(separator: ", ")))")
        }
        let m = try await daemon.plans.start(planId: planId, event: event, data: data)
        return .accepted(.init(body: .json(try .init(m))))
    }

    func listRuns(_ input: Operations.ListRuns.Input) async throws -> Operations.ListRuns.Output {
        .ok(.init(body: .json(.init(runs: try await daemon.plans.runs.list(plan: input.path.id).map(Components.Schemas.PlanRun.init)))))
    }

    func getRun(_ input: Operations.GetRun.Input) async throws -> Operations.GetRun.Output {
        .ok(.init(body: .json(try .init(try await daemon.plans.runs.get(input.path.id)))))
    }

    func cancelRun(_ input: Operations.CancelRun.Input) async throws -> Operations.CancelRun.Output {
        .ok(.init(body: .json(try .init(try await daemon.plans.cancel(input.path.id)))))
    }

    func listSchedules(_ input: Operations.ListSchedules.Input) async throws -> Operations.ListSchedules.Output {
        .ok(.init(body: .json(.init(schedules: try await daemon.scheduler.list().map(Components.Schemas.Schedule.init)))))
    }
}

extension Components.Schemas.PlanRun {
    /// A run as the API shows it; `marking` leaves out events with no tokens.
    init(_ m: PlanRunMachine) throws {
        let status: StatusPayload = switch m.status {
        case .running: .running
        case .completed: .completed
        case .failed: .failed
        case .cancelled: .cancelled
        }
        self.init(runId: m.runId, plan: m.planId, version: m.version, status: status, reason: m.reason,
                  marking: .init(additionalProperties: m.marking.filter { !$0.value.isEmpty }.mapValues(\.count)),
                  steps: try m.firings.map { f in
                      let state: StepsPayloadPayload.StatePayload = switch f.state {
                      case .running: .running
                      case .waitingRetry: .waitingRetry
                      case .succeeded: .succeeded
                      case .failed: .failed
                      }
                      return .init(firing: f.id, step: f.step, state: state, attempt: f.attempt, error: f.error,
                                   output: try f.output.map(OpenAPIValueContainer.init))
                  })
    }
}

extension Components.Schemas.Schedule {
    /// A schedule as the API shows it: only time events have one.
    init(_ s: Schedule) throws {
        let kind: KindPayload = switch s.kind {
        case .cron: .time_cron
        case .interval: .time_interval
        default: throw WireError(.internal, "schedule \(s.id): kind \"\(s.kind.rawValue)\" is not a time event")
        }
        let misfire: MisfirePayload = switch s.misfire {
        case .runOnce: .runOnce
        case .skip: .skip
        }
        self.init(id: s.id, plan: s.plan, event: s.event, kind: kind, expression: s.expression, timezone: s.timezone, misfire: misfire,
                  nextFireAt: s.nextFireAt?.date, lastFiredAt: s.lastFiredAt?.date, fired: s.fired, skipped: s.skipped)
    }
}
