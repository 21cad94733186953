import Foundation

/// This daemon's node id (docs/cluster.md#membership): a UUID kept in `<data_dir>/node-id`, made
/// at the first start, so a restarted daemon is the same node.
///
/// Threading: `id()` may be called from any task (the heartbeat, the lease service and the API
/// all ask at start-up).
final class NodeIdentity: Sendable {
    let file: URL
    private let cached = Locked<String?>(nil)

    init(file: URL) { self.file = file }

    /// The node id: the one in the file, or a new one written there. Concurrent first calls
    /// agree: the first reads or makes the id under the lock, the others wait for it and get it.
    /// (Issue 19: without the lock, each made its own UUID and the daemon heartbeated under two
    /// ids, one shown "gone" for ever.) The lock is held for one small file read or write, once.
    /// - Throws: `HostError(.configInvalid)` naming the file when it can be neither read nor written.
    func id() throws -> String {
        try cached.withLock { (cached) throws(HostError) -> String in
            if let cached { return cached }
            let id: String
            if let text = try? String(contentsOf: file, encoding: .utf8), !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                id = text.trimmingCharacters(in: .whitespacesAndNewlines)
            } else {
                id = UUID().uuidString.lowercased()
                do {
                    try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try Data((id + "\n").utf8).write(to: file, options: .atomic)
                } catch {
                    throw HostError(.configInvalid, subject: file.path, "cannot write the node id: \(error)")
                }
            }
            cached = id
            return id
        }
    }
}
