public import Foundation
public import LightningProtocol

/// The storage contract (docs/plugin-abi.md#storage) as a Swift protocol. Conform, and
/// `handle(method:params:)` is provided: it decodes params, calls the method, encodes results.
///
/// Errors: throw `WireError` with `.notFound` (missing container or document), `.conflict`
/// (create of an existing id), `.preconditionFailed` (If-Match mismatch), `.invalidArgument`.
public protocol StoragePlugin: PluginInstance {
    func createContainer(_ r: ContainerRequest) async throws -> ContainerResult
    func deleteContainer(_ r: ContainerRequest) async throws -> ContainerResult
    func containerExists(_ r: ContainerRequest) async throws -> ContainerResult
    func listContainers() async throws -> ContainerList
    func create(_ r: WriteRequest) async throws -> Document
    func read(_ k: DocumentKey) async throws -> Document
    func replace(_ r: WriteRequest) async throws -> Document
    func upsert(_ r: WriteRequest) async throws -> Document
    func delete(_ k: DocumentKey) async throws -> DeleteResult
    func query(_ q: QueryRequest) async throws -> QueryResult
    func health() async -> HealthReport
}

extension StoragePlugin {
    public func handle(method: String, params: Data) async throws -> Data {
        switch method {
        case Method.containerCreate: return try await Dispatch.typed(params, as: ContainerRequest.self) { try await createContainer($0) }
        case Method.containerDelete: return try await Dispatch.typed(params, as: ContainerRequest.self) { try await deleteContainer($0) }
        case Method.containerExists: return try await Dispatch.typed(params, as: ContainerRequest.self) { try await containerExists($0) }
        case Method.containerList: return try Wire.encode(try await listContainers())
        case Method.documentCreate: return try await Dispatch.typed(params, as: WriteRequest.self) { try await create($0) }
        case Method.documentRead: return try await Dispatch.typed(params, as: DocumentKey.self) { try await read($0) }
        case Method.documentReplace: return try await Dispatch.typed(params, as: WriteRequest.self) { try await replace($0) }
        case Method.documentUpsert: return try await Dispatch.typed(params, as: WriteRequest.self) { try await upsert($0) }
        case Method.documentDelete: return try await Dispatch.typed(params, as: DocumentKey.self) { try await delete($0) }
        case Method.documentQuery: return try await Dispatch.typed(params, as: QueryRequest.self) { try await query($0) }
        case Method.health: return try Wire.encode(await health())
        default: throw Dispatch.unknown(method, kind: "storage")
        }
    }
}
