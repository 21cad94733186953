import Foundation
import LightningProtocol

/// What one storage write may have changed, as far as a copy swap needs to know: a document (by
/// container, id and partition key) or a container. The copy re-reads it from the old provider
/// and makes the new one match (upsert, or delete when it is gone).
enum StorageChange: Hashable, Sendable {
    case document(container: String, id: String, partitionKey: String)
    case container(String)

    /// The change a write call names, from its params; nil for a call that changes nothing or
    /// params that do not decode (the provider refuses those).
    static func of(method: String, params: Data) -> StorageChange? {
        switch method {
        case Method.documentCreate, Method.documentReplace, Method.documentUpsert:
            guard let r = try? Wire.decode(WriteRequest.self, from: params) else { return nil }  // refused by the provider too
            return .document(container: r.container, id: r.document.id, partitionKey: r.document.partitionKey)
        case Method.documentDelete:
            guard let k = try? Wire.decode(DocumentKey.self, from: params) else { return nil }  // refused by the provider too
            return .document(container: k.container, id: k.id, partitionKey: k.partitionKey)
        case Method.containerCreate, Method.containerDelete:
            guard let r = try? Wire.decode(ContainerRequest.self, from: params) else { return nil }  // refused by the provider too
            return .container(r.container)
        default:
            return nil
        }
    }
}

/// The changes made to a storage slot while a copy swap copies it: every write admitted by the
/// `WriteGate` while the capture is on records what it may change.
final class ChangeCapture: Sendable {
    private let changes = Locked<Set<StorageChange>>([])

    func record(_ change: StorageChange) { changes.withLock { _ = $0.insert(change) } }

    /// The changes recorded since the last `take`, and a fresh start.
    func take() -> Set<StorageChange> { changes.withLock { c in defer { c = [] }; return c } }
}
