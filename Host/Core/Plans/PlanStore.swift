import Foundation
public import LightningPlanner
public import LightningProtocol

/// Plans kept through the storage provider, so they follow a storage swap (docs/planner.md):
/// container `plans` holds the current version of each plan (document id = plan id), container
/// `plan_versions` every version (`<id>.v<n>`). Every update is a new version; a version is
/// never changed.
public struct PlanStore: Sendable {
    let storage: ProviderSlot

    public init(storage: ProviderSlot) { self.storage = storage }

    static let current = "plans"
    static let versions = "plan_versions"

    /// A stored plan: its id, version and the plan.
    public struct Stored: Codable, Sendable, Equatable {
        public var id: String
        public var version: Int
        public var savedAt: Timestamp
        public var plan: Plan

        enum CodingKeys: String, CodingKey {
            case id, version, plan
            case savedAt = "saved_at"
        }
    }

    /// A plan id: 1–64 of lowercase letters, digits, `-`, `_`, `.`, starting with a letter or digit.
    public static func checkId(_ id: String) throws {
        let ok = (1...64).contains(id.utf8.count) && id.utf8.first.map { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) } == true
            && id.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 95 || $0 == 46 }
        guard ok else {
            throw WireError(.invalidArgument, "plan id \"\(id)\": expected 1–64 lowercase letters, digits, '-', '_' or '.', starting with a letter or digit")
        }
    }

    /// Saves `plan` as the next version of `id` (1 for a new plan). Concurrent saves of one plan
    /// get distinct versions (the current document is replaced with its ETag; a lost race retries).
    public func save(_ plan: Plan, id: String) async throws -> Stored {
        try Self.checkId(id)
        try await ensureContainers()
        for _ in 0..<8 {
            let existing = try await readDocument(Self.current, id)
            let previous = try existing.map { try Wire.decode(Stored.self, from: Wire.encode($0.data)) }
            let stored = Stored(id: id, version: (previous?.version ?? 0) + 1, savedAt: .now(), plan: plan)
            let data = try Wire.decode(JSONValue.self, from: Wire.encode(stored))
            do {
                if let existing {
                    _ = try await storage.call(Method.documentReplace, WriteRequest(container: Self.current, document: Document(id: id, data: data),
                                                                                    ifMatch: existing.etag), as: Document.self)
                } else {
                    _ = try await storage.call(Method.documentCreate, WriteRequest(container: Self.current, document: Document(id: id, data: data)),
                                               as: Document.self)
                }
            } catch let e as WireError where e.code == .preconditionFailed || e.code == .conflict {
                continue  // Another save won this version: take the next.
            }
            _ = try await storage.call(Method.documentUpsert, WriteRequest(container: Self.versions,
                                                                           document: Document(id: "\(id).v\(stored.version)", data: data)),
                                       as: Document.self)
            return stored
        }
        throw WireError(.conflict, "plan \(id): too many concurrent saves; try again")
    }

    /// The current version of `id`, or version `version`.
    /// - Throws: `WireError(.notFound)` naming the plan (and version).
    public func get(_ id: String, version: Int? = nil) async throws -> Stored {
        try Self.checkId(id)
        let doc: Document?
        if let version {
            doc = try await readDocument(Self.versions, "\(id).v\(version)")
        } else {
            doc = try await readDocument(Self.current, id)
        }
        guard let doc else {
            throw WireError(.notFound, version.map { "plan \(id) has no version \($0)" } ?? "no plan \"\(id)\" (see GET /v1/plans)")
        }
        return try Wire.decode(Stored.self, from: Wire.encode(doc.data), what: "stored plan \(id)")
    }

    /// Every plan's current version, by id.
    public func list() async throws -> [Stored] {
        try await storage.allDocuments(in: Self.current, as: Stored.self).sorted { $0.id < $1.id }
    }

    /// Deletes the plan (its versions stay readable by version). Returns false when there was none.
    public func delete(_ id: String) async throws -> Bool {
        try Self.checkId(id)
        do {
            let r = try await storage.call(Method.documentDelete, DocumentKey(container: Self.current, id: id), as: DeleteResult.self)
            return r.deleted
        } catch let e as WireError where e.code == .notFound {
            return false
        }
    }

    private func ensureContainers() async throws {
        for c in [Self.current, Self.versions] {
            _ = try await storage.call(Method.containerCreate, ContainerRequest(container: c), as: ContainerResult.self)
        }
    }

    private func readDocument(_ container: String, _ id: String) async throws -> Document? {
        do {
            return try await storage.call(Method.documentRead, DocumentKey(container: container, id: id), as: Document.self)
        } catch let e as WireError where e.code == .notFound {
            return nil
        }
    }
}
