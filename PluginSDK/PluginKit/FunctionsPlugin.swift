public import Foundation
public import LightningProtocol

/// The functions contract (docs/functions.md#the-functions-contract) as a Swift protocol, for a
/// functions provider shipped as a plugin (Azure Functions); `handle` is provided. The daemon's
/// built-in `local-functions` answers the same methods.
///
/// A method the remote service cannot offer throws `.unsupported` with the reason.
public protocol FunctionsPlugin: PluginInstance {
    func deploy(_ r: DeployRequest) async throws -> FunctionInfo
    func invoke(_ r: InvokeRequest) async throws -> Invocation
    func invocation(_ k: InvocationKey) async throws -> Invocation
    /// The function's recent invocations, newest first, at most `r.limit` (default 50).
    /// The default implementation throws `.unsupported`.
    func invocations(_ r: FunctionName) async throws -> InvocationList
    func list() async throws -> FunctionList
    func get(_ r: FunctionName) async throws -> FunctionInfo
    func delete(_ r: FunctionName) async throws -> DeleteResult
    func logs(_ r: FunctionName) async throws -> FunctionLogs
    func health() async -> HealthReport
}

extension FunctionsPlugin {
    public func invocations(_ r: FunctionName) async throws -> InvocationList {
        throw WireError(.unsupported, "this functions provider keeps no list of past invocations (functions.invocations)")
    }

    public func handle(method: String, params: Data) async throws -> Data {
        switch method {
        case Method.functionDeploy: return try await Dispatch.typed(params, as: DeployRequest.self) { try await deploy($0) }
        case Method.functionInvoke: return try await Dispatch.typed(params, as: InvokeRequest.self) { try await invoke($0) }
        case Method.functionInvocation: return try await Dispatch.typed(params, as: InvocationKey.self) { try await invocation($0) }
        case Method.functionInvocations: return try await Dispatch.typed(params, as: FunctionName.self) { try await invocations($0) }
        case Method.functionList: return try Wire.encode(try await list())
        case Method.functionGet: return try await Dispatch.typed(params, as: FunctionName.self) { try await get($0) }
        case Method.functionDelete: return try await Dispatch.typed(params, as: FunctionName.self) { try await delete($0) }
        case Method.functionLogs: return try await Dispatch.typed(params, as: FunctionName.self) { try await logs($0) }
        case Method.health: return try Wire.encode(await health())
        default: throw Dispatch.unknown(method, kind: "functions")
        }
    }
}
