import Foundation
import LightningPlanner
import LightningProtocol

/// The runs of plans, kept through the storage provider (container `plan_runs`, document id =
/// run id): one change at a time (an actor), each saved before its actions are carried out.
actor PlanRuns {
    let storage: ProviderSlot
    private var cache: [String: PlanRunMachine] = [:]
    static let container = "plan_runs"

    init(storage: ProviderSlot) { self.storage = storage }

    func create(_ m: PlanRunMachine) async throws {
        _ = try await storage.call(Method.containerCreate, ContainerRequest(container: Self.container), as: ContainerResult.self)
        try await save(m)
    }

    /// Applies `change` to run `id` and saves it; returns the new state and the actions to carry out.
    /// - Throws: `WireError(.notFound)` for an unknown run; the storage provider's errors.
    func change(_ id: String, _ change: (inout PlanRunMachine) -> [PlanRunMachine.Action]) async throws -> (PlanRunMachine, [PlanRunMachine.Action]) {
        var m = try await get(id)
        let actions = change(&m)
        if m != cache[id] { try await save(m) }
        return (m, actions)
    }

    func get(_ id: String) async throws -> PlanRunMachine {
        if let m = cache[id] { return m }
        do {
            let doc = try await storage.call(Method.documentRead, DocumentKey(container: Self.container, id: id), as: Document.self)
            let m = try Wire.decode(PlanRunMachine.self, from: Wire.encode(doc.data), what: "stored run \(id)")
            cache[id] = m
            return m
        } catch let e as WireError where e.code == .notFound {
            throw WireError(.notFound, "no run \"\(id)\" (see GET /v1/plans/{id}/runs)")
        }
    }

    /// Every stored run (optionally of one plan), newest last.
    func list(plan: String? = nil) async throws -> [PlanRunMachine] {
        let out = try await storage.allDocuments(in: Self.container, where: plan.map { ["planId": .string($0)] } ?? [:], as: PlanRunMachine.self)
        for m in out where cache[m.runId] == nil && m.status == .running { cache[m.runId] = m }
        return out.map { cache[$0.runId] ?? $0 }
    }

    private func save(_ m: PlanRunMachine) async throws {
        let data = try Wire.decode(JSONValue.self, from: Wire.encode(m))
        _ = try await storage.call(Method.documentUpsert, WriteRequest(container: Self.container, document: Document(id: m.runId, data: data)),
                                   as: Document.self)
        cache[m.runId] = m
        // Finished runs need no cache: they never change again.
        if m.status != .running { cache[m.runId] = nil }
    }
}
