import Foundation
import HTTPTypes
import LightningAPIServer
import LightningProtocol
import OpenAPIRuntime

/// `/v1/functions`: deploy, invoke, list, read, delete, recent invocations and their results,
/// logs; through the functions provider slot (`functions.*` contract).
extension TypedAPI {
    private var functions: ProviderSlot { daemon.providers.functions }

    /// `POST /v1/functions`: a function manifest (docs/functions.md). The provider gets the
    /// manifest whole: the typed body is encoded back, its other fields included
    /// (`additionalProperties`), so a field the document adds is passed on, not dropped.
    func deployFunction(_ input: Operations.DeployFunction.Input) async throws -> Operations.DeployFunction.Output {
        guard case .json(let b) = input.body else { throw WireError(.invalidArgument, "request body: expected JSON") }
        let manifest = try Wire.decode(JSONValue.self, from: try JSONEncoder().encode(b), what: "request body")
        try checkSubmittedManifest(manifest)
        let info = try await functions.call(Method.functionDeploy, DeployRequest(manifest: manifest), as: FunctionInfo.self)
        return .created(.init(body: .json(.init(info))))
    }

    /// `POST /v1/functions/{name}/invoke`: the input is any JSON (none is `{}`). `?async=true`
    /// answers 202 with the invocation at once. A failed invocation answers with its error's
    /// status (`APIResponse.status(for:)`) and `{"error", "invocation"}`.
    func invokeFunction(_ input: Operations.InvokeFunction.Input) async throws -> Operations.InvokeFunction.Output {
        let body: JSONValue = switch input.body {
        case .json(let v)?: JSONValue(v)
        case nil: .object([:])
        }
        let async = input.query.async == true
        let inv = try await functions.call(Method.functionInvoke, InvokeRequest(function: input.path.name, input: body, async: async),
                                           as: Invocation.self)
        if async { return .accepted(.init(body: .json(try .init(inv)))) }
        guard let e = inv.error else { return .ok(.init(body: .json(try .init(inv)))) }
        let failed = Components.Schemas.InvocationError(error: .init(code: e.code.rawValue, message: e.message), invocation: try .init(inv))
        switch APIResponse.status(for: e.code) {
        case .tooManyRequests: return .tooManyRequests(.init(body: .json(failed)))
        case .gatewayTimeout: return .gatewayTimeout(.init(body: .json(failed)))
        case let status: return .default(statusCode: status.code, .init(body: .json(failed)))
        }
    }

    /// Applies `ManifestPolicy` to a manifest submitted over the API, resolving its program as
    /// the supervisor will (`${manifest_dir}` of an API deployment is `<data_dir>/functions`).
    /// - Throws: `WireError(.permissionDenied)` naming the policy.
    func checkSubmittedManifest(_ manifest: JSONValue) throws {
        let manifestDir = daemon.config.dataDir.appendingPathComponent("functions", isDirectory: true).resolvingSymlinksInPath().path
        var program: String?
        if let command = manifest["process"]?["command"]?.stringValue {
            // A command that does not resolve is refused by the deployment itself (400, naming
            // where it looked); the policy only judges programs that would run.
            program = try? daemon.supervisor.resolve(command, manifestDir: manifestDir, subject: "request body")
        }
        try daemon.manifestPolicy.check(manifest: manifest, program: program, manifestDir: manifestDir)
    }

    func listFunctions(_ input: Operations.ListFunctions.Input) async throws -> Operations.ListFunctions.Output {
        let list = try await functions.call(Method.functionList, Empty(), as: FunctionList.self)
        return .ok(.init(body: .json(.init(functions: list.functions.map(Components.Schemas.Function.init)))))
    }

    func getFunction(_ input: Operations.GetFunction.Input) async throws -> Operations.GetFunction.Output {
        .ok(.init(body: .json(.init(try await functions.call(Method.functionGet, FunctionName(function: input.path.name), as: FunctionInfo.self)))))
    }

    func deleteFunction(_ input: Operations.DeleteFunction.Input) async throws -> Operations.DeleteFunction.Output {
        let name = input.path.name
        let r = try await functions.call(Method.functionDelete, FunctionName(function: name), as: DeleteResult.self)
        guard r.deleted else { throw WireError(.notFound, "no function named \"\(name)\"") }
        return .noContent
    }

    /// `?limit=` (1–1000, default 50): what the provider kept, the latest started first.
    func listInvocations(_ input: Operations.ListInvocations.Input) async throws -> Operations.ListInvocations.Output {
        let r = FunctionName(function: input.path.name, limit: input.query.limit ?? 50)
        let list = try await functions.call(Method.functionInvocations, r, as: InvocationList.self)
        return .ok(.init(body: .json(.init(function: list.function, invocations: try list.invocations.map(Components.Schemas.Invocation.init)))))
    }

    func getInvocation(_ input: Operations.GetInvocation.Input) async throws -> Operations.GetInvocation.Output {
        let k = InvocationKey(function: input.path.name, invocationId: input.path.id)
        return .ok(.init(body: .json(try .init(try await functions.call(Method.functionInvocation, k, as: Invocation.self)))))
    }

    func getFunctionLogs(_ input: Operations.GetFunctionLogs.Input) async throws -> Operations.GetFunctionLogs.Output {
        let logs = try await functions.call(Method.functionLogs, FunctionName(function: input.path.name, limit: input.query.limit), as: FunctionLogs.self)
        return .ok(.init(body: .json(.init(function: logs.function, lines: logs.lines.map {
            .init(at: $0.at.date, instance: $0.instance, stream: $0.stream, text: $0.text)
        }))))
    }
}

extension Components.Schemas.Function {
    init(_ f: FunctionInfo) {
        let s = f.stats
        self.init(name: f.name, version: f.version, handler: f.handler, timeoutMs: f.timeoutMs, maxConcurrency: f.maxConcurrency,
                  idleTimeoutMs: f.idleTimeoutMs, triggers: f.triggers, instances: f.instances, busy: f.busy, queued: f.queued,
                  stats: .init(invocations: s.invocations, succeeded: s.succeeded, failed: s.failed, timeouts: s.timeouts, throttled: s.throttled,
                               coldStarts: s.coldStarts, warmStarts: s.warmStarts, coldStartMsAvg: s.coldStartMsAvg, coldStartMsMax: s.coldStartMsMax,
                               warmInvokeMsAvg: s.warmInvokeMsAvg, lastError: s.lastError),
                  maxQueue: f.maxQueue)
    }
}

extension Components.Schemas.Invocation {
    init(_ i: Invocation) throws {
        let status: StatusPayload = switch i.status {
        case .running: .running
        case .succeeded: .succeeded
        case .failed: .failed
        }
        self.init(invocationId: i.invocationId, function: i.function, status: status, output: try i.output.map(OpenAPIValueContainer.init),
                  error: i.error.map { .init(code: $0.code.rawValue, message: $0.message) }, durationMs: i.durationMs, coldStart: i.coldStart,
                  instance: i.instance, startedAt: i.startedAt.date)
    }
}
