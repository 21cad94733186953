import Foundation
import LightningAPIServer
import LightningPlanner
import LightningProtocol
import OpenAPIRuntime

/// `/v1/tasks` (docs/planner.md#tasks): create, list with filters and paging, read, delete;
/// `ETag` on every answer that holds one task, `If-Match` honoured on delete. (Update, `PATCH`,
/// is still registered by hand in `APIServer+Tasks.swift`: its body tells an absent field from
/// `null`, which clears it, and the generated type cannot.)
extension TypedAPI {
    func createTask(_ input: Operations.CreateTask.Input) async throws -> Operations.CreateTask.Output {
        guard case .json(let b) = input.body else { throw WireError(.invalidArgument, "request body: expected JSON") }
        let draft = try TaskItem.Draft(title: b.title, description: b.description.map { .some($0) }, assignee: b.assignee.map { .some($0) },
                                       due: b.due.map { .some(Timestamp($0)) }, priority: b.priority.map(TaskItem.Priority.init),
                                       status: b.status.map(TaskItem.Status.init)).validated(creating: true)
        let t = try await daemon.tasks.create(draft, source: .api)
        return .created(.init(headers: .init(eTag: t.etag), body: .json(.init(t.task))))
    }

    /// `PATCH /v1/tasks/{id}`: the fields given change; `null` clears `description`,
    /// `assignee` or `due` (and is refused for the others); `If-Match` honoured.
    func updateTask(_ input: Operations.UpdateTask.Input) async throws -> Operations.UpdateTask.Output {
        guard case .json(let b) = input.body else { throw WireError(.invalidArgument, "request body: expected JSON") }
        let null = RequestBodyBytes.nullFields()
        var problems = ["title", "priority", "status"].filter(null.contains).map { "field \"\($0)\": expected a value, got null" }
        func cleared<T>(_ key: String, _ value: T?) -> T?? { value.map { .some($0) } ?? (null.contains(key) ? .some(nil) : .none) }
        let draft = TaskItem.Draft(title: b.title, description: cleared("description", b.description), assignee: cleared("assignee", b.assignee),
                                   due: cleared("due", b.due.map(Timestamp.init)), priority: b.priority.map(TaskItem.Priority.init),
                                   status: b.status.map(TaskItem.Status.init))
        problems += draft.problems(creating: false)
        if !problems.isEmpty { throw WireError(.invalidArgument, "request body: " + problems.joined(separator: "; ")) }
        let t = try await daemon.tasks.update(input.path.id, draft, ifMatch: input.headers.ifMatch)
        return .ok(.init(headers: .init(eTag: t.etag), body: .json(.init(t.task))))
    }

    func listTasks(_ input: Operations.ListTasks.Input) async throws -> Operations.ListTasks.Output {
        let q = input.query
        var filter: [String: String] = [:]
        filter["status"] = q.status.map { TaskItem.Status($0).rawValue }
        filter["assignee"] = q.assignee
        filter["priority"] = q.priority.map { TaskItem.Priority($0).rawValue }
        filter["source"] = q.source.map { TaskItem.Source($0).rawValue }
        let limit = q.limit ?? 100
        guard (1...1000).contains(limit) else {
            throw WireError(.invalidArgument, "query parameter \"limit\": expected an integer from 1 to 1000, got \"\(limit)\"")
        }
        let page = try await daemon.tasks.list(filter: filter, limit: limit, continuation: q.continuation)
        return .ok(.init(body: .json(.init(tasks: page.tasks.map(Components.Schemas.Task.init), continuation: page.continuation))))
    }

    func getTask(_ input: Operations.GetTask.Input) async throws -> Operations.GetTask.Output {
        let t = try await daemon.tasks.get(input.path.id)
        return .ok(.init(headers: .init(eTag: t.etag), body: .json(.init(t.task))))
    }

    func deleteTask(_ input: Operations.DeleteTask.Input) async throws -> Operations.DeleteTask.Output {
        try await daemon.tasks.delete(input.path.id, ifMatch: input.headers.ifMatch)
        return .noContent
    }
}

// The document's task types and the planner's, field by field and case by case: a field or a
// case added to one and not the other does not compile.

extension Components.Schemas.Task {
    init(_ t: TaskItem) {
        self.init(id: t.id, title: t.title, description: t.description, assignee: t.assignee, due: t.due?.date,
                  priority: .init(t.priority), status: .init(t.status), source: .init(t.source), runId: t.runId,
                  instruction: t.instruction, createdAt: t.createdAt.date, updatedAt: t.updatedAt.date)
    }
}

extension Components.Schemas.Task.SourcePayload {
    init(_ s: TaskItem.Source) {
        switch s {
        case .api: self = .api
        case .planRun: self = .planRun
        case .instruction: self = .instruction
        }
    }
}

extension Components.Schemas.TaskPriority {
    init(_ p: TaskItem.Priority) {
        switch p {
        case .low: self = .low
        case .medium: self = .medium
        case .high: self = .high
        }
    }
}

extension TaskItem.Priority {
    init(_ p: Components.Schemas.TaskPriority) {
        switch p {
        case .low: self = .low
        case .medium: self = .medium
        case .high: self = .high
        }
    }
}

extension Components.Schemas.TaskStatus {
    init(_ s: TaskItem.Status) {
        switch s {
        case .open: self = .open
        case .inProgress: self = .inProgress
        case .done: self = .done
        case .cancelled: self = .cancelled
        }
    }
}

extension TaskItem.Status {
    init(_ s: Components.Schemas.TaskStatus) {
        switch s {
        case .open: self = .open
        case .inProgress: self = .inProgress
        case .done: self = .done
        case .cancelled: self = .cancelled
        }
    }
}

extension TaskItem.Source {
    init(_ s: Operations.ListTasks.Input.Query.SourcePayload) {
        switch s {
        case .api: self = .api
        case .planRun: self = .planRun
        case .instruction: self = .instruction
        }
    }
}
