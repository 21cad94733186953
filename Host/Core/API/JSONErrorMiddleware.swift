import Foundation
import Hummingbird
import LightningProtocol
import Logging

/// Turns what the router itself rejects (no such route → 404; a known path with another method,
/// which the router also reports as 404, → 405 with `Allow`) and any error
/// that escaped a handler into the API's JSON error body, so every error looks the same.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger
    /// The router's own routes (filled once every route is registered).
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as HTTPError where e.status == .notFound {
            // The router says 404 for a known path with another method too: tell them apart.
            let allowed = routes.methods(allowedOn: request.uri.path)
            if !allowed.isEmpty {
                var response = APIResponse.json(ErrorBody(error: WireError(.invalidArgument,
                    "method \(request.method) not allowed on \(request.uri.path); allowed: \(allowed.joined(separator: ", "))")), status: .methodNotAllowed)
                response.headers[.allow] = allowed.joined(separator: ", ")
                return response
            }
            return APIResponse.json(ErrorBody(error: WireError(.notFound, "no route \(request.method) \(request.uri.path) (see GET / or /openapi.json)")),
                                    status: .notFound)
        } catch let e as HTTPError where e.status == .methodNotAllowed {
            return APIResponse.json(ErrorBody(error: WireError(.invalidArgument, "method \(request.method) not allowed on \(request.uri.path)")),
                                    status: .methodNotAllowed)
        } catch {
            return APIResponse.error(error, logger: logger)
        }
    }

    struct ErrorBody: Encodable { var error: WireError }
}
