import Foundation
import Hummingbird
import LightningProtocol

extension APIServer {
    /// `/v1/functions`: deploy, list, get, delete, invoke (sync or async), recent invocations and
    /// their results, logs.
    /// Everything goes through the functions provider slot (`functions.*` contract).
    func addFunctionRoutes(_ router: Router<BasicRequestContext>) {
        let functions = daemon.providers.functions
        router.get("/v1/functions") { _, _ in
            APIResponse.json(try await functions.call(Method.functionList, Empty(), as: FunctionList.self))
        }
        // Body: a function manifest (docs/functions.md).
        router.post("/v1/functions") { request, _ in
            var req = request
            let manifest = try await req.decode(JSONValue.self)
            try checkSubmittedManifest(manifest)
            let info = try await functions.call(Method.functionDeploy, DeployRequest(manifest: manifest), as: FunctionInfo.self)
            return APIResponse.json(info, status: .created)
        }
        router.get("/v1/functions/:name") { _, ctx in
            APIResponse.json(try await functions.call(Method.functionGet, FunctionName(function: try ctx.parameters.string("name")), as: FunctionInfo.self))
        }
        router.delete("/v1/functions/:name") { _, ctx in
            let name = try ctx.parameters.string("name")
            let r = try await functions.call(Method.functionDelete, FunctionName(function: name), as: DeleteResult.self)
            guard r.deleted else { throw WireError(.notFound, "no function named \"\(name)\"") }
            return APIResponse.noContent()
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
        // ?limit=(1–1000, default 50): what the provider kept, the latest started first.
        router.get("/v1/functions/:name/invocations") { request, ctx in
            let r = FunctionName(function: try ctx.parameters.string("name"), limit: try request.queryInt("limit", range: 1...1000) ?? 50)
            return APIResponse.json(try await functions.call(Method.functionInvocations, r, as: InvocationList.self))
        }
        router.get("/v1/functions/:name/invocations/:id") { _, ctx in
            let k = InvocationKey(function: try ctx.parameters.string("name"), invocationId: try ctx.parameters.string("id"))
            return APIResponse.json(try await functions.call(Method.functionInvocation, k, as: Invocation.self))
        }
        router.get("/v1/functions/:name/logs") { request, ctx in
            let r = FunctionName(function: try ctx.parameters.string("name"), limit: try request.queryInt("limit", range: 1...1000))
            return APIResponse.json(try await functions.call(Method.functionLogs, r, as: FunctionLogs.self))
        }
    }
}
