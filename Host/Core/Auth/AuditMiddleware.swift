import Foundation
import Hummingbird
import LightningProtocol
import Logging

/// Publishes one `audit.<area>` event for every call `RouteScopes.isAudited` names, after the
/// handler answered: who (`principal`: the token id, or `anonymous` with authentication off),
/// what (`method`, `route` template, `path`), and how it ended (`status`, `outcome`
/// `succeeded` for 2xx, else `failed`). Listed with `GET /v1/events?type=audit.*`.
/// Runs inside `AuthMiddleware`, so calls it refused (401/403) are not recorded.
/// A failed publish is logged and does not change the answer.
struct AuditMiddleware<Context: RequestContext>: RouterMiddleware {
    let router: EventRouter
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let matched = RouteScopes.match(method: request.method.rawValue, path: request.uri.path),
              RouteScopes.isAudited(route: matched.route, requirement: matched.requirement) else {
            return try await next(request, context)
        }
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            // A handler's error becomes its answer outside (`JSONErrorMiddleware`); recorded here with that answer's status.
            await record(matched.route, request, status: APIResponse.status(of: error))
            throw error
        }
        await record(matched.route, request, status: response.status)
        return response
    }

    private func record(_ route: String, _ request: Request, status: HTTPResponse.Status) async {
        let event = AuditEvent.make(route: route, method: request.method.rawValue, path: request.uri.path,
                                    status: Int(status.code), principal: Principal.current.id)
        do { _ = try await router.publish([event]) } catch {
            logger.error("audit event for \(route) by \(Principal.current.id) not published: \(error)")
        }
    }
}
