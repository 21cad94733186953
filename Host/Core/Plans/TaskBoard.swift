import Foundation
public import LightningPlanner
import Logging
import LightningProtocol

/// Tasks kept through the storage provider (container `tasks`, document id = task id), so they
/// follow a storage swap and live in Cosmos DB in azure mode (docs/planner.md#tasks). Every
/// change publishes a `task.*` event: `task.created`, `task.updated` (with the fields that
/// changed), `task.status_changed` (`from`, `to`), `task.deleted`.
///
/// Writes are optimistic: an update reads the document, applies the change (the status rules of
/// `TaskItem.Status`) and replaces it with the ETag it read. A caller's `If-Match` is checked
/// against that ETag (412 when stale); without one, a lost race re-reads and applies again.
public struct TaskBoard: Sendable {
    let storage: ProviderSlot
    let router: EventRouter
    static let container = "tasks"

    public init(storage: ProviderSlot, router: EventRouter) { self.storage = storage; self.router = router }

    /// A task and the ETag of its stored document.
    public struct Versioned: Sendable {
        public var task: TaskItem
        public var etag: String?
    }

    /// Creates a task. With `id` (a plan step's idempotency key gives one), a task that already
    /// has that id is returned as it is, with no event: the create is idempotent.
    /// - Throws: `WireError(.invalidArgument)` for a bad id; the storage provider's errors.
    public func create(_ draft: TaskItem.Draft, source: TaskItem.Source, runId: String? = nil, instruction: String? = nil,
                       id: String? = nil) async throws -> Versioned {
        let id = id ?? "task_" + String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16))
        try TaskItem.checkId(id)
        let task = TaskItem(id: id, draft: draft, source: source, runId: runId, instruction: instruction, now: .now())
        _ = try await storage.call(Method.containerCreate, ContainerRequest(container: Self.container), as: ContainerResult.self)
        let doc: Document
        do {
            doc = try await storage.call(Method.documentCreate, WriteRequest(container: Self.container, document: Document(id: id, data: try Self.json(task))),
                                         as: Document.self)
        } catch let e as WireError where e.code == .conflict {
            return try await get(id)  // Created before (the same idempotency key): the same task.
        }
        await publish("task.created", task, ["task": try Self.json(task)])
        return Versioned(task: task, etag: doc.etag)
    }

    /// The task `id` and its ETag.
    /// - Throws: `WireError(.notFound)` naming the task.
    public func get(_ id: String) async throws -> Versioned {
        try TaskItem.checkId(id)
        do {
            let doc = try await storage.call(Method.documentRead, DocumentKey(container: Self.container, id: id), as: Document.self)
            return Versioned(task: try Wire.decode(TaskItem.self, from: Wire.encode(doc.data), what: "stored task \(id)"), etag: doc.etag)
        } catch let e as WireError where e.code == .notFound {
            throw WireError(.notFound, "no task \"\(id)\" (see GET /v1/tasks)")
        }
    }

    /// Applies `draft` to task `id`.
    /// - Parameter ifMatch: the ETag the caller last saw; a task changed since is refused.
    /// - Throws: `WireError(.preconditionFailed)` for a stale `ifMatch`; `.conflict` for a status
    ///   change the rules do not allow; `.notFound`.
    public func update(_ id: String, _ draft: TaskItem.Draft, ifMatch: String? = nil) async throws -> Versioned {
        for _ in 0..<8 {
            var current = try await get(id)
            if let ifMatch, ifMatch != current.etag {
                throw WireError(.preconditionFailed, "task \(id) changed since ETag \(ifMatch) (now \(current.etag ?? "none")); read it again")
            }
            let change = try current.task.apply(draft, now: .now())
            if change.fields.isEmpty { return current }
            let doc: Document
            do {
                doc = try await storage.call(Method.documentReplace, WriteRequest(container: Self.container,
                                                                                  document: Document(id: id, data: try Self.json(current.task)),
                                                                                  ifMatch: current.etag), as: Document.self)
            } catch let e as WireError where e.code == .preconditionFailed {
                if ifMatch != nil { throw WireError(.preconditionFailed, "task \(id) changed while it was being updated; read it again") }
                continue
            }
            current.etag = doc.etag
            await publish("task.updated", current.task, ["task": try Self.json(current.task), "changed": .array(change.fields.map(JSONValue.string))])
            if let s = change.status {
                await publish("task.status_changed", current.task, ["from": .string(s.from.rawValue), "to": .string(s.to.rawValue),
                                                                    "title": .string(current.task.title)])
            }
            return current
        }
        throw WireError(.conflict, "task \(id): too many concurrent updates; try again")
    }

    /// Deletes task `id`.
    /// - Throws: `.notFound`; `.preconditionFailed` for a stale `ifMatch`.
    public func delete(_ id: String, ifMatch: String? = nil) async throws {
        let current = try await get(id)
        do {
            _ = try await storage.call(Method.documentDelete, DocumentKey(container: Self.container, id: id, ifMatch: ifMatch), as: DeleteResult.self)
        } catch let e as WireError where e.code == .preconditionFailed {
            throw WireError(.preconditionFailed, "task \(id) changed since ETag \(ifMatch ?? "") (now \(current.etag ?? "none")); read it again")
        } catch let e as WireError where e.code == .notFound {
            throw WireError(.notFound, "no task \"\(id)\" (see GET /v1/tasks)")
        }
        await publish("task.deleted", current.task, [:])
    }

    /// One page of tasks matching `filter` (equality on `status`, `assignee`, `priority`,
    /// `source`), up to `limit`, after `continuation` (the token of the previous page).
    public func list(filter: [String: String], limit: Int, continuation: String?) async throws -> (tasks: [TaskItem], continuation: String?) {
        let q = QueryRequest(container: Self.container, where: filter.mapValues(JSONValue.string), maxItems: limit, continuation: continuation)
        let page: QueryResult
        do { page = try await storage.call(Method.documentQuery, q, as: QueryResult.self) } catch let e as WireError where e.code == .notFound {
            return ([], nil)  // No task was ever created: no container yet.
        }
        let tasks = try page.documents.map { try Wire.decode(TaskItem.self, from: Wire.encode($0.data), what: "tasks/\($0.id)") }
        return (tasks, page.continuation)
    }

    private func publish(_ type: String, _ task: TaskItem, _ data: [String: JSONValue]) async {
        var d = data
        d["task_id"] = .string(task.id)
        d["status"] = .string(task.status.rawValue)
        d["source"] = .string(task.source.rawValue)
        if let a = task.assignee { d["assignee"] = .string(a) }
        do { _ = try await router.publish([Event(type: type, source: "tasks", data: .object(d), correlationId: task.runId)]) } catch {
            Logger(label: "lt.tasks").warning("task \(task.id): saved, but \(type) could not be published: \(error)")
        }
    }

    static func json(_ t: TaskItem) throws -> JSONValue { try Wire.decode(JSONValue.self, from: Wire.encode(t)) }
}
