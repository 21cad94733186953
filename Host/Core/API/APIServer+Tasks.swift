import Foundation
import HTTPTypes
import Hummingbird
import LightningPlanner
import LightningProtocol

extension APIServer {
    /// `/v1/tasks` (docs/planner.md#tasks): create, list with filters and paging, read, update
    /// (status changes by the rules of `TaskItem.Status`), delete; `ETag` on every answer that
    /// holds one task, `If-Match` honoured on update and delete.
    func addTaskRoutes(_ router: Router<BasicRequestContext>) {
        let daemon = self.daemon
        router.post("/v1/tasks") { request, _ in
            var req = request
            let draft = try TaskItem.Draft.parse(try await req.decode(JSONValue.self), creating: true)
            let t = try await daemon.tasks.create(draft, source: .api)
            return APIResponse.json(t.task, status: .created, headers: Self.etagHeader(t.etag))
        }
        // ?status=&assignee=&priority=&source=&limit=(1–1000, default 100)&continuation=
        router.get("/v1/tasks") { request, _ in
            var filter: [String: String] = [:]
            let allowed: [String: [String]] = ["status": TaskItem.Status.allCases.map(\.rawValue), "priority": TaskItem.Priority.allCases.map(\.rawValue),
                                               "source": TaskItem.Source.allCases.map(\.rawValue)]
            for key in ["status", "assignee", "priority", "source"] {
                guard let v = request.query(key) else { continue }
                if let ok = allowed[key], !ok.contains(v) {
                    throw WireError(.invalidArgument, "query parameter \"\(key)\": expected one of \(ok.joined(separator: ", ")), got \"\(v)\"")
                }
                filter[key] = v
            }
            let page = try await daemon.tasks.list(filter: filter, limit: try request.queryInt("limit", range: 1...1000) ?? 100,
                                                   continuation: request.query("continuation"))
            struct Page: Encodable { var tasks: [TaskItem]; var continuation: String? }
            return APIResponse.json(Page(tasks: page.tasks, continuation: page.continuation))
        }
        router.get("/v1/tasks/:id") { _, ctx in
            let t = try await daemon.tasks.get(try ctx.parameters.string("id"))
            return APIResponse.json(t.task, headers: Self.etagHeader(t.etag))
        }
        // Body: any of title, description, assignee, due, priority, status (null clears an optional field).
        router.patch("/v1/tasks/:id") { request, ctx in
            var req = request
            let draft = try TaskItem.Draft.parse(try await req.decode(JSONValue.self), creating: false)
            let t = try await daemon.tasks.update(try ctx.parameters.string("id"), draft, ifMatch: request.headers[.ifMatch])
            return APIResponse.json(t.task, headers: Self.etagHeader(t.etag))
        }
        router.delete("/v1/tasks/:id") { request, ctx in
            try await daemon.tasks.delete(try ctx.parameters.string("id"), ifMatch: request.headers[.ifMatch])
            return APIResponse.noContent()
        }
    }

    static func etagHeader(_ etag: String?) -> HTTPFields {
        guard let etag else { return [:] }
        return [.eTag: etag]
    }
}
