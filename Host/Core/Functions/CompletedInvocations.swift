import Crypto
import Foundation
import LightningProtocol

/// The succeeded invocations of the local functions provider that carried an idempotency key,
/// one small file each under `<data_dir>/functions/completed/` (docs/functions.md#idempotency-keys):
/// an invocation whose key is found here answers the recorded result and does not run the
/// function again. Each file is written (atomically, by rename) as soon as the function answers
/// and before the caller sees the answer, so it survives a crash of the daemon at any later
/// point; it does not survive the loss of the machine's page cache (no fsync). Records older
/// than `retention` are removed at start.
///
/// Threading: any thread; every method touches only its own file (rename makes writes atomic).
struct CompletedInvocations: Sendable {
    let directory: URL
    static let retention: TimeInterval = 7 * 24 * 3600

    private struct Record: Codable {
        var function: String
        var idempotencyKey: String
        var invocation: Invocation
        enum CodingKeys: String, CodingKey { case function, invocation, idempotencyKey = "idempotency_key" }
    }

    private func file(_ function: String, _ key: String) -> URL {
        let digest = SHA256.hash(data: Data("\(function)\n\(key)".utf8)).map { String(format: "%02x", $0) }.joined()
        return directory.appendingPathComponent("\(digest).json")
    }

    /// The recorded invocation of `function` with `key`, or nil. A record that cannot be read is
    /// treated as absent (the function then runs again: at least once).
    func lookup(function: String, key: String) -> Invocation? {
        guard let data = FileManager.default.contents(atPath: file(function, key).path),
              let r = try? Wire.decode(Record.self, from: data), r.function == function, r.idempotencyKey == key else { return nil }
        return r.invocation
    }

    /// Records a succeeded invocation under its key.
    /// - Throws: the file system's error (the caller reports it; the invocation still succeeded).
    func record(_ inv: Invocation, key: String) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Wire.encode(Record(function: inv.function, idempotencyKey: key, invocation: inv)).write(to: file(inv.function, key), options: .atomic)
    }

    /// Removes records older than `retention`.
    func prune(now: Date = Date()) {
        let fm = FileManager.default
        guard let files = try? fm.contentsOfDirectory(at: directory, includingPropertiesForKeys: [.contentModificationDateKey]) else { return }
        for f in files where f.pathExtension == "json" {
            let modified = (try? f.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? now
            if now.timeIntervalSince(modified) > Self.retention { try? fm.removeItem(at: f) }
        }
    }
}
