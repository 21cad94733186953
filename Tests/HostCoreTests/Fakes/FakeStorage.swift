import Foundation
@testable import HostCore
import LightningProtocol

/// An in-memory storage provider behind `ProviderConnection`: containers of documents, paged
/// queries, and a health status and failures the test sets.
actor FakeStorage: ProviderConnection {
    nonisolated let label: String
    private(set) var containers: [String: [String: Document]] = [:]
    private(set) var closed = false
    private var healthy = true
    private var calls: [String: Int] = [:]
    /// Fail the Nth call (1-based) of a method.
    private var failures: [String: Int] = [:]
    /// Called before each write, with the method name (tests record order or block here).
    private let onWrite: @Sendable (String) async -> Void

    init(_ label: String, documents: [String: [String]] = [:], onWrite: @escaping @Sendable (String) async -> Void = { _ in }) {
        self.label = label
        self.onWrite = onWrite
        for (c, ids) in documents {
            containers[c] = Dictionary(uniqueKeysWithValues: ids.map { ($0, Document(id: $0, data: ["v": .string($0)])) })
        }
    }

    func setHealthy(_ h: Bool) { healthy = h }
    func fail(_ method: String, onCall n: Int) { failures[method] = n }
    func ids(_ container: String) -> Set<String> { Set(containers[container]?.keys ?? [:].keys) }
    func document(_ container: String, _ id: String) -> Document? { containers[container]?[id] }
    func callCount(_ method: String) -> Int { calls[method] ?? 0 }

    func call(_ method: String, _ params: Data) async throws -> Data {
        guard !closed else { throw WireError(.unavailable, "\(label) is closed") }
        calls[method, default: 0] += 1
        if failures[method] == calls[method] { throw WireError(.unavailable, "\(label): injected failure of \(method) (call \(calls[method]!))") }
        switch method {
        case Method.health:
            return try Wire.encode(HealthReport(status: healthy ? .healthy : .unhealthy, latencyMs: 0, error: healthy ? nil : "fake says so"))
        case Method.containerList:
            return try Wire.encode(ContainerList(containers: containers.keys.sorted()))
        case Method.containerCreate:
            let r = try Wire.decode(ContainerRequest.self, from: params)
            await onWrite("\(label) \(method) \(r.container)")
            let created = containers[r.container] == nil
            if created { containers[r.container] = [:] }
            return try Wire.encode(ContainerResult(created: created))
        case Method.documentUpsert, Method.documentCreate:
            let r = try Wire.decode(WriteRequest.self, from: params)
            await onWrite("\(label) \(method) \(r.document.id)")
            guard containers[r.container] != nil else { throw WireError(.notFound, "container \(r.container)") }
            containers[r.container]![r.document.id] = r.document
            return try Wire.encode(r.document)
        case Method.containerDelete:
            let r = try Wire.decode(ContainerRequest.self, from: params)
            await onWrite("\(label) \(method) \(r.container)")
            guard containers.removeValue(forKey: r.container) != nil else { throw WireError(.notFound, "container \(r.container)") }
            return try Wire.encode(ContainerResult(deleted: true))
        case Method.documentRead:
            let k = try Wire.decode(DocumentKey.self, from: params)
            guard let d = containers[k.container]?[k.id] else { throw WireError(.notFound, "document \(k.id)") }
            return try Wire.encode(d)
        case Method.documentDelete:
            let k = try Wire.decode(DocumentKey.self, from: params)
            await onWrite("\(label) \(method) \(k.id)")
            guard containers[k.container]?.removeValue(forKey: k.id) != nil else { throw WireError(.notFound, "document \(k.id)") }
            return try Wire.encode(DeleteResult(deleted: true))
        case Method.documentQuery:
            let r = try Wire.decode(QueryRequest.self, from: params)
            let all = (containers[r.container] ?? [:]).values.sorted { $0.id < $1.id }
            let start = Int(r.continuation ?? "0") ?? 0
            let end = min(all.count, start + (r.maxItems ?? 1000))
            return try Wire.encode(QueryResult(documents: Array(all[start..<end]), continuation: end < all.count ? String(end) : nil))
        default:
            throw WireError(.unsupported, "\(label): \(method) is not faked")
        }
    }

    func close() async { closed = true }
}
