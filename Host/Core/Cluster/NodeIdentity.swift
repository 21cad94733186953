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

    /// The node id: the one in the file, or a new one written there.
    /// - Throws: `HostError(.configInvalid)` naming the file when it can be neither read nor written.
    func id() throws -> String {
        if let id = cached.value { return id }
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
        cached.withLock { $0 = id }
        return id
    }
}
