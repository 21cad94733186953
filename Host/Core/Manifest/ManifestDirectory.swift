public import Foundation
public import LightningProtocol

/// The manifests found in a folder: every `*.json` file, parsed and validated. A bad manifest
/// does not stop the others from loading; its error is kept and reported.
public struct ManifestDirectory: Sendable {
    public var manifests: [Manifest]
    public var errors: [HostError]

    /// Reads every `*.json` in `url` (not recursive), sorted by file name. Duplicate ids are errors.
    public static func scan(_ url: URL) -> ManifestDirectory { scan([url]) }

    /// Reads every `*.json` of each folder in `urls`, folder after folder, each sorted by file
    /// name. An id already read (in this folder or an earlier one) is an error naming both files.
    public static func scan(_ urls: [URL]) -> ManifestDirectory {
        var result = ManifestDirectory(manifests: [], errors: [])
        var files: [URL] = []
        for url in urls {
            do {
                files += try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)
                    .filter { $0.pathExtension == "json" }
                    .sorted { $0.lastPathComponent < $1.lastPathComponent }
            } catch {
                result.errors.append(HostError(.manifestInvalid, subject: Manifest.display(url), "cannot list manifests: \(error.localizedDescription)"))
            }
        }
        var seen: [String: Manifest] = [:]
        for f in files {
            do {
                let m = try ManifestParser.parse(fileAt: f)
                if let first = seen[m.id] {
                    result.errors.append(HostError(.manifestInvalid, subject: m.displayPath,
                                                   "field \"id\": expected an id no other manifest uses, got \"\(m.id)\" (also in \(first.displayPath))"))
                    continue
                }
                seen[m.id] = m
                result.manifests.append(m)
            } catch let e as HostError {
                result.errors.append(e)
            } catch {
                result.errors.append(HostError(.manifestInvalid, subject: Manifest.display(f), "\(error)"))
            }
        }
        return result
    }

    public func manifest(id: String) -> Manifest? { manifests.first { $0.id == id } }
}

extension Manifest {
    /// Resolves `library.path`: absolute as is; otherwise the first existing file among the
    /// manifest's folder and `pluginDirs` (in order); otherwise the first candidate (for errors).
    public func libraryURL(pluginDirs: [URL]) -> URL? {
        guard let lib = library else { return nil }
        if lib.path.hasPrefix("/") { return URL(fileURLWithPath: lib.path) }
        let candidates = [file.deletingLastPathComponent()] + pluginDirs
        let urls = candidates.map { $0.appendingPathComponent(lib.path).standardizedFileURL }
        return urls.first { FileManager.default.fileExists(atPath: $0.path) } ?? urls.last
    }

    /// The config an instance gets: defaults, overridden key by key by `overrides`.
    public func effectiveConfig(_ overrides: [String: JSONValue]) -> [String: JSONValue] {
        configDefaults.merging(overrides) { _, new in new }
    }
}
