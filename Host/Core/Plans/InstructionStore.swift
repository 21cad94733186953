import Foundation
public import LightningPlanner
public import LightningProtocol

/// Instructions kept through the storage provider (container `instructions`, document id = the
/// instruction's name), so they follow a storage swap (docs/planner.md#instructions). Saving an
/// instruction keeps its `execution_count` and `last_executed_at`; every write replaces the
/// document with the ETag it read, so a save and a count never lose each other.
public struct InstructionStore: Sendable {
    let storage: ProviderSlot
    static let container = "instructions"

    public init(storage: ProviderSlot) { self.storage = storage }

    /// Saves `instruction` (new, or replacing the one of that name: its counters stay).
    /// - Returns: the stored instruction and whether it is new.
    public func save(_ instruction: Instruction) async throws -> (Instruction, created: Bool) {
        try Instruction.checkName(instruction.name)
        _ = try await storage.call(Method.containerCreate, ContainerRequest(container: Self.container), as: ContainerResult.self)
        var created = false
        let out = try await change(instruction.name, createWith: instruction) { old in
            var new = instruction
            if let old {
                new.executionCount = old.executionCount
                new.lastExecutedAt = old.lastExecutedAt
            } else {
                created = true
            }
            new.updatedAt = .now()
            return new
        }
        return (out, created)
    }

    /// The instruction `name`.
    /// - Throws: `WireError(.notFound)` naming it.
    public func get(_ name: String) async throws -> Instruction {
        guard let found = try await read(name) else { throw WireError(.notFound, "no instruction \"\(name)\" (see GET /v1/instructions)") }
        return found.0
    }

    /// Every instruction, by name.
    public func list() async throws -> [Instruction] {
        try await storage.allDocuments(in: Self.container, as: Instruction.self).sorted { $0.name < $1.name }
    }

    /// Deletes `name`. Returns false when there was none.
    public func delete(_ name: String) async throws -> Bool {
        try Instruction.checkName(name)
        do {
            return try await storage.call(Method.documentDelete, DocumentKey(container: Self.container, id: name), as: DeleteResult.self).deleted
        } catch let e as WireError where e.code == .notFound {
            return false
        }
    }

    /// Enables or disables `name`.
    /// - Throws: `WireError(.notFound)`.
    public func setEnabled(_ name: String, _ enabled: Bool) async throws -> Instruction {
        try await change(name, createWith: nil) { old in
            var i = old!
            i.enabled = enabled
            i.updatedAt = .now()
            return i
        }
    }

    /// Counts one execution of `name` at `at`. A deleted instruction is not recreated.
    public func recordExecution(_ name: String, at: Timestamp) async throws {
        _ = try await change(name, createWith: nil) { old in
            var i = old!
            i.executionCount += 1
            i.lastExecutedAt = at
            return i
        }
    }

    /// Read, change, write back with the ETag read; a lost race reads again.
    private func change(_ name: String, createWith: Instruction?, _ body: (Instruction?) -> Instruction) async throws -> Instruction {
        try Instruction.checkName(name)
        for _ in 0..<16 {
            let existing = try await read(name)
            if existing == nil && createWith == nil { throw WireError(.notFound, "no instruction \"\(name)\" (see GET /v1/instructions)") }
            let new = body(existing?.0)
            let doc = Document(id: name, data: try Wire.decode(JSONValue.self, from: Wire.encode(new)))
            do {
                if let existing {
                    _ = try await storage.call(Method.documentReplace, WriteRequest(container: Self.container, document: doc, ifMatch: existing.1), as: Document.self)
                } else {
                    _ = try await storage.call(Method.documentCreate, WriteRequest(container: Self.container, document: doc), as: Document.self)
                }
                return new
            } catch let e as WireError where e.code == .preconditionFailed || e.code == .conflict || (e.code == .notFound && existing != nil) {
                continue
            }
        }
        throw WireError(.conflict, "instruction \(name): too many concurrent changes; try again")
    }

    private func read(_ name: String) async throws -> (Instruction, String?)? {
        try Instruction.checkName(name)
        do {
            let doc = try await storage.call(Method.documentRead, DocumentKey(container: Self.container, id: name), as: Document.self)
            return (try Wire.decode(Instruction.self, from: Wire.encode(doc.data), what: "stored instruction \(name)"), doc.etag)
        } catch let e as WireError where e.code == .notFound {
            return nil
        }
    }
}
