public import Foundation
public import LightningProtocol

/// The containers contract (docs/containers.md) as a Swift protocol; `handle` is provided.
///
/// Errors: `.notFound` (no container or image by that name), `.conflict` (a container with that
/// name exists), `.invalidArgument` (a bad spec), `.unavailable` (the engine cannot be reached),
/// `.throttled` (the service said 429 and retries ran out), `.unauthenticated` (credentials refused).
public protocol ContainersPlugin: PluginInstance {
    func create(_ s: ContainerSpec) async throws -> ContainerInfo
    func start(_ r: ContainerRef) async throws -> ContainerInfo
    func get(_ r: ContainerRef) async throws -> ContainerInfo
    func list(_ q: ContainerQuery) async throws -> ContainerInfoList
    func stop(_ r: ContainerRef) async throws -> ContainerInfo
    func delete(_ r: ContainerRef) async throws -> DeleteResult
    func logs(_ r: ContainerRef) async throws -> ContainerLogs
    func wait(_ r: ContainerRef) async throws -> ContainerExit
    func pullImage(_ r: ImageRequest) async throws -> ImageResult
    func importImage(_ r: ImageRequest) async throws -> ImageResult
    func health() async -> HealthReport
}

extension ContainersPlugin {
    public func handle(method: String, params: Data) async throws -> Data {
        switch method {
        case Method.containersCreate: return try await Dispatch.typed(params, as: ContainerSpec.self) { try await create($0) }
        case Method.containersStart: return try await Dispatch.typed(params, as: ContainerRef.self) { try await start($0) }
        case Method.containersGet: return try await Dispatch.typed(params, as: ContainerRef.self) { try await get($0) }
        case Method.containersList: return try await Dispatch.typed(params, as: ContainerQuery.self) { try await list($0) }
        case Method.containersStop: return try await Dispatch.typed(params, as: ContainerRef.self) { try await stop($0) }
        case Method.containersDelete: return try await Dispatch.typed(params, as: ContainerRef.self) { try await delete($0) }
        case Method.containersLogs: return try await Dispatch.typed(params, as: ContainerRef.self) { try await logs($0) }
        case Method.containersWait: return try await Dispatch.typed(params, as: ContainerRef.self) { try await wait($0) }
        case Method.imagesPull: return try await Dispatch.typed(params, as: ImageRequest.self) { try await pullImage($0) }
        case Method.imagesImport: return try await Dispatch.typed(params, as: ImageRequest.self) { try await importImage($0) }
        case Method.health: return try Wire.encode(await health())
        default: throw Dispatch.unknown(method, kind: "containers")
        }
    }
}
