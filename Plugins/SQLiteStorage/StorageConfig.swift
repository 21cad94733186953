import Foundation
import LightningProtocol
import SQLiteSupport

/// The instance configuration of the SQLite storage plugin (manifests/sqlite-storage.json).
///
/// - `data_dir`: injected by the host; the default database lives there.
/// - `path`: the database file (default `<data_dir>/storage.sqlite`; relative paths are inside
///   `data_dir`; `:memory:` for a private in-memory database that disappears with the instance).
/// - `synchronous`: `"full"` (default: a committed write survives power loss) or `"normal"`
///   (survives a process crash, not power loss).
struct StorageConfig: Sendable, Equatable {
    static let defaultFileName = "storage.sqlite"

    var path: String
    var synchronous: SQLiteDatabase.Synchronous

    /// Reads and checks the config object.
    /// - Throws: `WireError(.invalidArgument)` naming the field, what was expected and what was found.
    init(_ config: JSONValue) throws {
        guard case .object = config else {
            throw WireError(.invalidArgument, "config: expected an object, got \(config.typeDescription)")
        }
        switch config["synchronous"] ?? .null {
        case .null, .string("full"): synchronous = .full
        case .string("normal"): synchronous = .normal
        case let other:
            throw WireError(.invalidArgument, "config field \"synchronous\": expected \"full\" or \"normal\", got \(other)")
        }
        let dataDir = try Self.string(config, "data_dir").flatMap { $0.isEmpty ? nil : $0 }
        if let p = try Self.string(config, "path") {
            guard !p.isEmpty else {
                throw WireError(.invalidArgument, "config field \"path\": expected a file path or \":memory:\", got \"\"")
            }
            // A relative path is inside data_dir, not wherever the daemon was started.
            if p != ":memory:", !p.hasPrefix("/"), let dataDir {
                path = URL(fileURLWithPath: dataDir).appendingPathComponent(p).path
            } else {
                path = p
            }
        } else if let dataDir {
            path = URL(fileURLWithPath: dataDir).appendingPathComponent(Self.defaultFileName).path
        } else {
            throw WireError(.invalidArgument, "config field \"data_dir\": required when \"path\" is not set (the host injects it)")
        }
    }

    /// True for an in-memory database (no file, no directory to create).
    var isInMemory: Bool { path == ":memory:" }

    /// Creates the directory that will hold the database file, if missing.
    /// - Throws: `WireError(.unavailable)` naming the directory and the system's reason.
    func createParentDirectory() throws {
        guard !isInMemory else { return }
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            let reason = (error as NSError).localizedDescription
            throw WireError(.unavailable, "storage database \"\(path)\": cannot create directory \"\(dir.path)\": \(reason)")
        }
    }

    private static func string(_ config: JSONValue, _ key: String) throws -> String? {
        guard let v = config[key], v != .null else { return nil }
        guard let s = v.stringValue else {
            throw WireError(.invalidArgument, "config field \"\(key)\": expected a string, got \(v.typeDescription)")
        }
        return s
    }
}
