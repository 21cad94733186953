import Foundation
import Hummingbird
import LightningPlanner
import LightningProtocol

extension APIServer {
    /// `/v1/instructions` (docs/planner.md#instructions): save (create or replace by name; the
    /// counters stay), read, list, enable, disable, delete. Every change refreshes the engine's
    /// subscription before it answers, so the next event is judged by the new set.
    func addInstructionRoutes(_ router: Router<BasicRequestContext>) {
        let daemon = self.daemon
        let store: @Sendable () -> InstructionStore = { InstructionStore(storage: daemon.providers.storage) }
        router.get("/v1/instructions") { _, _ in
            struct List: Encodable { var instructions: [Instruction] }
            return APIResponse.json(List(instructions: try await store().list()))
        }
        router.put("/v1/instructions/:name") { request, ctx in
            var req = request
            let name = try ctx.parameters.string("name")
            try Instruction.checkName(name)
            let parsed = try Instruction.parse(try await req.decode(JSONValue.self), name: name)
            let (saved, created) = try await store().save(parsed)
            try await daemon.instructions.refresh()
            return APIResponse.json(saved, status: created ? .created : .ok)
        }
        router.get("/v1/instructions/:name") { _, ctx in
            APIResponse.json(try await store().get(try ctx.parameters.string("name")))
        }
        router.delete("/v1/instructions/:name") { _, ctx in
            let name = try ctx.parameters.string("name")
            guard try await store().delete(name) else { throw WireError(.notFound, "no instruction \"\(name)\" (see GET /v1/instructions)") }
            try await daemon.instructions.refresh()
            return APIResponse.noContent()
        }
        for (verb, on) in [("enable", true), ("disable", false)] {
            router.post("/v1/instructions/:name/\(verb)") { _, ctx in
                let i = try await store().setEnabled(try ctx.parameters.string("name"), on)
                try await daemon.instructions.refresh()
                return APIResponse.json(i)
            }
        }
    }
}
