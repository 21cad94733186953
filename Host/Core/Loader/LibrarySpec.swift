import Crypto
public import Foundation

/// What the loader needs to know about a library to load it, and the checks of the library's
/// file that need no loading. Every path that loads or hosts a plugin takes them from here, so
/// each check and its message exist once:
///
/// ```
///  Manifest ──LibrarySpec(manifest:pluginDirs:)──▶ path resolved (the manifest's folder, then the
///                                                  plugin folders); abi_version = the host's major
///  LibrarySpec ──verifiedDigest()──▶ the file exists; its sha256 = the pin (when pinned) ──▶ sha256
///
///  PluginLoader.load      = verifiedDigest() + dlopen, entry, table ABI, id and version
///  Daemon (in-process)    = LibrarySpec(manifest:) ─▶ PluginLoader.load
///  Daemon (process tier)  = LibrarySpec(manifest:) ─▶ verifiedDigest() ─▶ plugin-host child ─▶ PluginLoader.load again
///  plugin-host            = LibrarySpec(manifest:) ─▶ PluginLoader.load
///  `plugins verify`       = LibrarySpec(manifest:) ─▶ a `plugin-host --probe` child (never in its own process)
///  ManifestPinner         = LibrarySpec.sha256(ofFileAt:)
/// ```
public struct LibrarySpec: Sendable {
    public var url: URL
    public var sha256: String?
    public var expectedId: String?
    public var expectedVersion: String?
    /// Subject of errors (normally the manifest path).
    public var subject: String
    public init(url: URL, sha256: String?, expectedId: String?, expectedVersion: String?, subject: String) {
        self.url = url; self.sha256 = sha256; self.expectedId = expectedId; self.expectedVersion = expectedVersion
        self.subject = subject
    }
}

extension LibrarySpec {
    /// The library `m` names, resolved against `m`'s folder and `pluginDirs`, pinned to its
    /// `library.sha256`, expecting its id and version.
    /// - Throws: `HostError` `.manifestInvalid` when `m` names no library, `.abiMismatch` when its
    ///   `abi_version` is not the major version this host speaks.
    public init(manifest m: Manifest, pluginDirs: [URL]) throws {
        guard let lib = m.library, let url = m.libraryURL(pluginDirs: pluginDirs) else {
            throw HostError(.manifestInvalid, subject: m.displayPath, "field \"library\": required for kind \(m.kind.rawValue)")
        }
        if let abi = m.abiVersion, UInt32(abi) != LT_HOST_ABI_MAJOR {
            throw HostError(.abiMismatch, subject: m.displayPath, "field \"abi_version\": this host speaks ABI \(LT_HOST_ABI_MAJOR), got \(abi)")
        }
        self.init(url: url, sha256: lib.sha256, expectedId: m.id, expectedVersion: m.version.description, subject: m.displayPath)
    }

    /// Checks the file without loading it: it exists, and its sha256 is the pin when there is one.
    /// - Returns: the file's sha256 (lowercase hex).
    /// - Throws: `HostError` `.libraryMissing` (no such file, or unreadable), `.checksumMismatch`
    ///   (expected and found digests, and the way out).
    public func verifiedDigest() throws -> String {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw HostError(.libraryMissing, subject: subject,
                            "field \"library.path\": library \(path) not found (build it with `swift build`, or fix the path)")
        }
        let digest = try Self.sha256(ofFileAt: url, subject: subject)
        if let want = sha256, want.lowercased() != digest {
            throw HostError(.checksumMismatch, subject: subject,
                            "field \"library.sha256\": expected \(want.lowercased()), but \(path) has sha256 \(digest) (rebuilt? run `lightning plugins pin`)")
        }
        return digest
    }

    /// Hex sha256 of a file, streamed.
    /// - Throws: `HostError.libraryMissing` when the file cannot be opened; a read error as is.
    public static func sha256(ofFileAt url: URL, subject: String) throws -> String {
        guard let fh = try? FileHandle(forReadingFrom: url) else {
            throw HostError(.libraryMissing, subject: subject, "cannot open \(url.path) for reading")
        }
        defer { try? fh.close() }
        var hasher = SHA256()
        while let chunk = try fh.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
