import Foundation
import Hummingbird
import LightningPlanner
import LightningProtocol

extension APIServer {
    /// `PUT /v1/instructions/{name}` (docs/planner.md#instructions): save (create or replace by
    /// name; the counters stay), then refresh the engine's subscription before answering. The
    /// other instruction operations are generated (`TypedAPI+Instructions.swift`); this one stays
    /// here because it reports every problem of the body at once (`Instruction.parse`).
    func addInstructionRoutes(_ router: Router<BasicRequestContext>) {
        let daemon = self.daemon
        let store: @Sendable () -> InstructionStore = { InstructionStore(storage: daemon.providers.storage) }
        router.put("/v1/instructions/:name") { request, ctx in
            var req = request
            let name = try ctx.parameters.string("name")
            try Instruction.checkName(name)
            let parsed = try Instruction.parse(try await req.decode(JSONValue.self), name: name)
            let (saved, created) = try await store().save(parsed)
            try await daemon.instructions.refresh()
            return APIResponse.json(saved, status: created ? .created : .ok)
        }
    }
}
