import Foundation
import Hummingbird
import LightningProtocol

extension APIServer {
    /// `POST /v1/functions` (deploy) and `POST /v1/functions/{name}/invoke`, through the functions
    /// provider slot (`functions.*` contract). The other function operations are generated
    /// (`TypedAPI+Functions.swift`). Deploy passes the manifest to the provider whole (the
    /// manifest parser reports every problem; a generated type would drop fields it does not
    /// list); a failed invocation answers with its error's status, which the document does not
    /// list yet for every code.
    func addFunctionRoutes(_ router: Router<BasicRequestContext>) {
        let functions = daemon.providers.functions
        // Body: a function manifest (docs/functions.md).
        router.post("/v1/functions") { request, _ in
            var req = request
            let manifest = try await req.decode(JSONValue.self)
            try checkSubmittedManifest(manifest)
            let info = try await functions.call(Method.functionDeploy, DeployRequest(manifest: manifest), as: FunctionInfo.self)
            return APIResponse.json(info, status: .created)
        }
        // Body: the input (any JSON; empty = {}). `?async=true` answers 202 with the invocation id.
        router.post("/v1/functions/:name/invoke") { request, ctx in
            var req = request
            let input = try await req.decode(JSONValue.self, allowEmpty: true)
            let async = request.query("async") == "true"
            let inv = try await functions.call(Method.functionInvoke,
                                               InvokeRequest(function: try ctx.parameters.string("name"), input: input, async: async),
                                               as: Invocation.self)
            if async { return APIResponse.json(inv, status: .accepted) }
            if let e = inv.error {
                struct Failed: Encodable { var error: WireError; var invocation: Invocation }
                return APIResponse.json(Failed(error: e, invocation: inv), status: APIResponse.status(for: e.code))
            }
            return APIResponse.json(inv)
        }
    }
}
