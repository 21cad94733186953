import Foundation
import HTTPTypes
import Hummingbird
import LightningPlanner
import LightningProtocol

extension APIServer {
    /// `PATCH /v1/tasks/{id}` (docs/planner.md#tasks): status changes by the rules of
    /// `TaskItem.Status`, `If-Match` honoured, `ETag` on the answer. The other task operations
    /// are generated (`TypedAPI+Tasks.swift`); this one stays here because its body tells an
    /// absent field from `null` (which clears it) and the generated type maps both to `nil`.
    func addTaskRoutes(_ router: Router<BasicRequestContext>) {
        let daemon = self.daemon
        // Body: any of title, description, assignee, due, priority, status (null clears an optional field).
        router.patch("/v1/tasks/:id") { request, ctx in
            var req = request
            let draft = try TaskItem.Draft.parse(try await req.decode(JSONValue.self), creating: false)
            let t = try await daemon.tasks.update(try ctx.parameters.string("id"), draft, ifMatch: request.headers[.ifMatch])
            return APIResponse.json(t.task, headers: Self.etagHeader(t.etag))
        }
    }

    static func etagHeader(_ etag: String?) -> HTTPFields {
        guard let etag else { return [:] }
        return [.eTag: etag]
    }
}
