import CDispatch  // `stat` and `timespec` are attributed to CDispatch or CoreFoundation, by which module HostCore reaches first (MemberImportVisibility), as in InFlightSlots
import CoreFoundation
import Crypto
public import Foundation
#if canImport(Glibc)
import Glibc
#endif

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

    /// Hex sha256 of a file, streamed; computed again only when the file's identity changed
    /// (`FileIdentity`: device, inode, size, modification and change times). The daemon checks
    /// every library at each manifest scan (start, SIGHUP, every provider swap): 160 MB of
    /// release libraries took ~170 ms per swap before this cache.
    /// - Throws: `HostError.libraryMissing` when the file cannot be opened; a read error as is.
    public static func sha256(ofFileAt url: URL, subject: String) throws -> String {
        let path = url.path
        let before = FileIdentity(path: path)
        if let before, let hit = digests.withLock({ $0[path] }), hit.identity == before { return hit.digest }
        guard let fh = try? FileHandle(forReadingFrom: url) else {
            throw HostError(.libraryMissing, subject: subject, "cannot open \(path) for reading")
        }
        defer { try? fh.close() }
        var hasher = SHA256()
        while let chunk = try fh.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        let digest = APIToken.hex(hasher.finalize())
        // Kept only when the file did not change while it was read, and last changed more than a
        // second ago: file times advance in clock ticks, so a file rewritten within the tick of
        // the read could keep its identity ("racily clean", as git's index calls it).
        if let before, FileIdentity(path: path) == before, before.changedBefore(secondsAgo: 1) {
            digests.withLock { $0[path] = (before, digest) }
        }
        return digest
    }

    /// The digests computed so far, by path, with the identity of the file they were computed from.
    private static let digests = Locked<[String: (identity: FileIdentity, digest: String)]>([:])
}

/// What identifies a file's content without reading it: any write changes the change time
/// (`st_ctim`, which only the kernel sets), a replacement (rename over it) changes the inode.
struct FileIdentity: Equatable, Sendable {
    let device: UInt64, inode: UInt64, size: Int64
    let modified: timespec, changed: timespec

    init?(path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        device = UInt64(st.st_dev); inode = UInt64(st.st_ino); size = Int64(st.st_size)
        modified = st.st_mtim; changed = st.st_ctim
    }

    /// Whether the last change is at least `secondsAgo` old on the wall clock (file times are wall-clock times).
    func changedBefore(secondsAgo: Int) -> Bool {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return now.tv_sec - changed.tv_sec > secondsAgo
    }

    static func == (a: FileIdentity, b: FileIdentity) -> Bool {
        a.device == b.device && a.inode == b.inode && a.size == b.size
            && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
            && a.changed.tv_sec == b.changed.tv_sec && a.changed.tv_nsec == b.changed.tv_nsec
    }
}
