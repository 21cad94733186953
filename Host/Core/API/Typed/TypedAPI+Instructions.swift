import Foundation
import LightningAPIServer
import LightningPlanner
import LightningProtocol
import OpenAPIRuntime

/// `/v1/instructions` (docs/planner.md#instructions): save, list, read, delete, enable, disable.
/// Every change refreshes the engine's subscription before it answers, so the next event is
/// judged by the new set.
extension TypedAPI {
    private var instructionStore: InstructionStore { InstructionStore(storage: daemon.providers.storage) }

    /// `PUT /v1/instructions/{name}`: create or replace by name (the counters stay). The body
    /// was read by `Instruction.parse` in `WholeBodyValidationMiddleware`, before the generated
    /// decoder, so every problem was reported at once.
    func saveInstruction(_ input: Operations.SaveInstruction.Input) async throws -> Operations.SaveInstruction.Output {
        guard let parsed = ValidatedBody.instruction else {
            throw WireError(.internal, "the instruction was not parsed before its handler")
        }
        let (saved, created) = try await instructionStore.save(parsed)
        try await daemon.instructions.refresh()
        return created ? .created(.init(body: .json(try .init(saved)))) : .ok(.init(body: .json(try .init(saved))))
    }

    func listInstructions(_ input: Operations.ListInstructions.Input) async throws -> Operations.ListInstructions.Output {
        .ok(.init(body: .json(.init(instructions: try await instructionStore.list().map(Components.Schemas.Instruction.init)))))
    }

    func getInstruction(_ input: Operations.GetInstruction.Input) async throws -> Operations.GetInstruction.Output {
        .ok(.init(body: .json(try .init(try await instructionStore.get(input.path.name)))))
    }

    func deleteInstruction(_ input: Operations.DeleteInstruction.Input) async throws -> Operations.DeleteInstruction.Output {
        let name = input.path.name
        guard try await instructionStore.delete(name) else { throw WireError(.notFound, "no instruction \"\(name)\" (see GET /v1/instructions)") }
        try await daemon.instructions.refresh()
        return .noContent
    }

    func enableInstruction(_ input: Operations.EnableInstruction.Input) async throws -> Operations.EnableInstruction.Output {
        .ok(.init(body: .json(try await setEnabled(input.path.name, true))))
    }

    func disableInstruction(_ input: Operations.DisableInstruction.Input) async throws -> Operations.DisableInstruction.Output {
        .ok(.init(body: .json(try await setEnabled(input.path.name, false))))
    }

    private func setEnabled(_ name: String, _ on: Bool) async throws -> Components.Schemas.Instruction {
        let i = try await instructionStore.setEnabled(name, on)
        try await daemon.instructions.refresh()
        return try .init(i)
    }
}

extension Components.Schemas.Instruction {
    init(_ i: Instruction) throws {
        let kind: ActionPayload._TypePayload = switch i.action.type {
        case .runPlan: .runPlan
        case .emitEvent: .emitEvent
        case .invokeFunction: .invokeFunction
        case .createTask: .createTask
        }
        let c = i.trigger.conditions
        let conditions = try c.map { c in
            TriggerPayload.ConditionsPayload(timeRange: c.timeRange.map { .init(start: $0.start, end: $0.end, timezone: $0.timezone) },
                                             data: try c.data.map(OpenAPIObjectContainer.init), contains: try c.contains.map(OpenAPIObjectContainer.init))
        }
        self.init(name: i.name, enabled: i.enabled, description: i.description,
                  trigger: .init(eventType: i.trigger.eventType, conditions: conditions),
                  action: .init(_type: kind, config: try OpenAPIObjectContainer(i.action.config)),
                  executionCount: i.executionCount, lastExecutedAt: i.lastExecutedAt?.date, updatedAt: i.updatedAt?.date)
    }
}
