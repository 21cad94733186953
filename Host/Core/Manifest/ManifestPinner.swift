public import Foundation

/// Pins manifests' `library.sha256` to the sha256 of the library each one resolves to:
/// `pin` rewrites the files (`lightning plugins pin`; only the value of the `"sha256"` field
/// changes, the rest is kept byte for byte), `pinnedInMemory` changes loaded manifests only
/// (`lightning serve --pin`).
public enum ManifestPinner {
    public struct Change: Sendable {
        public var manifest: String
        public var library: String
        public var old: String
        public var new: String
    }

    /// Pins every provider/driver manifest in `dir` whose library exists.
    /// - Returns: what changed (unchanged manifests are not listed) and the problems met.
    /// `manifests` with each library's sha256 replaced by the digest of the library found (in
    /// memory; nothing is written). Manifests whose library is missing are returned unchanged,
    /// with a problem (their load then fails with the loader's own error).
    /// With `trusting`, only libraries whose real path lies in one of those folders are pinned;
    /// the others are left as they are and listed in `skipped`.
    public static func pinnedInMemory(_ manifests: [Manifest], pluginDirs: [URL], trusting trusted: [URL]? = nil)
        -> (manifests: [Manifest], changes: [Change], problems: [String], skipped: [String]) {
        var out: [Manifest] = []
        var changes: [Change] = []
        var problems: [String] = []
        var skipped: [String] = []
        let trustedPaths = trusted?.map { $0.resolvingSymlinksInPath().standardizedFileURL.path }
        for var m in manifests {
            if let lib = m.library, let url = m.libraryURL(pluginDirs: pluginDirs), FileManager.default.fileExists(atPath: url.path) {
                let folder = url.resolvingSymlinksInPath().deletingLastPathComponent().standardizedFileURL.path
                if let trustedPaths, !trustedPaths.contains(folder) {
                    skipped.append("\(m.displayPath): library \(url.path) is not in the build folder \(trustedPaths.joined(separator: ", ")); its sha256 is checked as the manifest says")
                    out.append(m)
                    continue
                }
                do {
                    let digest = try LibrarySpec.sha256(ofFileAt: url, subject: m.displayPath)
                    if digest != lib.sha256 {
                        m.library?.sha256 = digest
                        changes.append(Change(manifest: m.displayPath, library: url.path, old: lib.sha256, new: digest))
                    }
                } catch { problems.append("\(m.displayPath): \(error)") }
            } else if m.library != nil {
                problems.append("\(m.displayPath): field \"library.path\": library \(m.library!.path) not found")
            }
            out.append(m)
        }
        return (out, changes, problems, skipped)
    }

    public static func pin(manifestsIn dir: URL, pluginDirs: [URL]) -> (changes: [Change], problems: [String]) {
        let scan = ManifestDirectory.scan(dir)
        var changes: [Change] = []
        var problems = scan.errors.map(\.description)
        for m in scan.manifests where m.library != nil {
            guard let url = m.libraryURL(pluginDirs: pluginDirs), FileManager.default.fileExists(atPath: url.path) else {
                problems.append("\(m.displayPath): field \"library.path\": library \(m.library!.path) not found in \(([m.file.deletingLastPathComponent()] + pluginDirs).map(\.path).joined(separator: ", "))")
                continue
            }
            do {
                let digest = try LibrarySpec.sha256(ofFileAt: url, subject: m.displayPath)
                guard digest != m.library!.sha256 else { continue }
                var text = try String(contentsOf: m.file, encoding: .utf8)
                let pattern = try NSRegularExpression(pattern: "(\"sha256\"\\s*:\\s*\")([0-9A-Fa-f]*)(\")")
                let range = NSRange(text.startIndex..., in: text)
                guard pattern.numberOfMatches(in: text, range: range) == 1 else {
                    problems.append("\(m.displayPath): expected exactly one \"sha256\" field to rewrite"); continue
                }
                text = pattern.stringByReplacingMatches(in: text, range: range, withTemplate: "$1\(digest)$3")
                try text.write(to: m.file, atomically: true, encoding: .utf8)
                changes.append(Change(manifest: m.displayPath, library: url.path, old: m.library!.sha256, new: digest))
            } catch {
                problems.append("\(m.displayPath): \(error)")
            }
        }
        return (changes, problems)
    }
}
