import Foundation
import LightningAPIServer
import LightningProtocol
import OpenAPIRuntime

/// `/v1/functions`: list, read, delete, recent invocations and their results, logs; through the
/// functions provider slot (`functions.*` contract). (Deploy and invoke are still registered by
/// hand in `APIServer+Functions.swift`.)
extension TypedAPI {
    private var functions: ProviderSlot { daemon.providers.functions }

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
