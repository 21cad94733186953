import CHostShims
import CLightningABI
public import Foundation
public import Logging
import LightningProtocol

/// Loads plugin libraries and hands out `LoadedPlugin`s.
///
/// ```
///  manifest ──▶ resolve path ──▶ sha256 check ──▶ dlopen(NOW|LOCAL|NODELETE) ──▶ dlsym(lt_plugin_entry)
///                                                                                   │
///   LoadedPlugin ◀── id/version/ABI checks ◀── entry(&lt_host_v1) ◀─────────────────┘
/// ```
///
/// Libraries are never unloaded (`dlclose` of a Swift library crashes the next dynamic cast in
/// the process). glibc returns the existing handle for a path it has loaded, so a new build of a
/// plugin must come from a path of its own; loading a changed file from an already-loaded path
/// is refused with that explanation.
///
/// Threading: all methods may be called from any thread.
public final class PluginLoader: Sendable {
    let logger: Logger
    /// Where host calls and emits from plugins go; set once the daemon's services exist.
    let services = Locked<(any HostServices)?>(nil)
    private let loaded = Locked<[String: LoadedPlugin]>([:])

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Routes plugins' host calls (`lt_host_v1.call`) and emits to `services`.
    public func setHostServices(_ services: any HostServices) {
        self.services.withLock { $0 = services }
    }

    /// Loads a library described by a manifest: checks the file and its sha256
    /// (`LibrarySpec.verifiedDigest`), the ABI version and that the plugin reports the manifest's
    /// id and version.
    /// - Throws: `HostError` (`.libraryMissing`, `.checksumMismatch`, `.loadFailed`,
    ///   `.entryMissing`, `.abiMismatch`), each naming the manifest file and what differed.
    public func load(_ spec: LibrarySpec) throws -> LoadedPlugin {
        let digest = try spec.verifiedDigest()
        let realPath = URL(fileURLWithPath: spec.url.path).resolvingSymlinksInPath().path
        if let existing = loaded.withLock({ $0[realPath] }) {
            if existing.sha256 == digest, existing.id == spec.expectedId { return existing }
            throw HostError(.loadFailed, subject: spec.subject,
                            "\(realPath) is already loaded (sha256 \(existing.sha256)); a new build of a plugin must be installed at a path of its own to load side by side")
        }
        let plugin = try open(path: realPath, sha256: digest, spec: spec)
        loaded.withLock { $0[realPath] = plugin }
        logger.info("plugin loaded", metadata: ["lt.plugin": "\(plugin.id)", "version": "\(plugin.version)", "path": "\(realPath)"])
        return plugin
    }

    /// Loads a library without a manifest (tests, `lightning plugins inspect`): no checksum pin.
    public func loadLibrary(at url: URL, expectedId: String? = nil) throws -> LoadedPlugin {
        try load(LibrarySpec(url: url, sha256: nil, expectedId: expectedId, expectedVersion: nil, subject: "plugin \(url.path)"))
    }

    /// Every library loaded so far.
    public var loadedPlugins: [LoadedPlugin] { loaded.withLock { Array($0.values) } }

    private func open(path: String, sha256: String, spec: LibrarySpec) throws -> LoadedPlugin {
        let subject = spec.subject
        dlerror()
        guard let handle = dlopen(path, lt_shim_dlopen_flags()) else {
            let why = dlerror().map { String(cString: $0) } ?? "unknown error"
            throw HostError(.loadFailed, subject: subject, "dlopen(\(path)): \(why)")
        }
        // Never dlclose: see the type's documentation.
        dlerror()
        guard let sym = dlsym(handle, LT_PLUGIN_ENTRY_SYMBOL) else {
            let why = dlerror().map { String(cString: $0) } ?? "symbol not found"
            throw HostError(.entryMissing, subject: subject, "\(LT_PLUGIN_ENTRY_SYMBOL) not found in \(path) (dlsym: \(why))")
        }
        let entry = unsafeBitCast(sym, to: lt_plugin_entry_fn.self)
        let bridge = HostBridge(loader: self, pluginLabel: spec.expectedId ?? URL(fileURLWithPath: path).lastPathComponent)
        guard let table = entry(bridge.table) else {
            throw HostError(.loadFailed, subject: subject, "\(LT_PLUGIN_ENTRY_SYMBOL) returned NULL")
        }
        // Read only what the plugin says it has: the two leading fields first, then at most
        // `struct_size` bytes into a zero-filled copy (fields an older plugin lacks read as NULL).
        let raw = UnsafeRawPointer(table)
        let structSize = raw.load(as: UInt32.self)
        let abiVersion = raw.load(fromByteOffset: 4, as: UInt32.self)
        let major = abiVersion >> 16
        guard major == LT_ABI_VERSION_MAJOR else {
            throw HostError(.abiMismatch, subject: subject,
                            "plugin ABI \(major).\(abiVersion & 0xffff), host ABI \(LT_ABI_VERSION_MAJOR).\(LT_ABI_VERSION_MINOR): major versions must match")
        }
        let required = MemoryLayout<lt_plugin_v1>.offset(of: \lt_plugin_v1.get_extension)!
        guard Int(structSize) >= required else {
            throw HostError(.abiMismatch, subject: subject, "lt_plugin_v1.struct_size is \(structSize), expected at least \(required)")
        }
        let copy = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<lt_plugin_v1>.size, alignment: MemoryLayout<lt_plugin_v1>.alignment)
        copy.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<lt_plugin_v1>.size)
        copy.copyMemory(from: raw, byteCount: min(Int(structSize), MemoryLayout<lt_plugin_v1>.size))
        let ownTable = UnsafePointer(copy.assumingMemoryBound(to: lt_plugin_v1.self))  // kept for the process's life, like the library
        let t = ownTable.pointee
        let id = String(cString: t.id)
        let version = String(cString: t.version)
        if let want = spec.expectedId, want != id {
            throw HostError(.manifestInvalid, subject: subject, "field \"id\": manifest says \"\(want)\" but the library reports \"\(id)\"")
        }
        if let want = spec.expectedVersion, want != version {
            throw HostError(.manifestInvalid, subject: subject, "field \"version\": manifest says \"\(want)\" but the library reports \"\(version)\"")
        }
        bridge.pluginLabel = id
        return LoadedPlugin(id: id, version: version, path: path, sha256: sha256, abiVersion: t.abi_version,
                            table: PluginTable(pointer: ownTable), bridge: bridge, logger: logger)
    }

    /// Hex sha256 of a file, streamed (`LibrarySpec.sha256(ofFileAt:subject:)`, kept for callers of the loader).
    public static func sha256(ofFileAt url: URL, subject: String) throws -> String {
        try LibrarySpec.sha256(ofFileAt: url, subject: subject)
    }
}

/// The plugin's `lt_plugin_v1` table: static memory owned by the never-unloaded library.
struct PluginTable: @unchecked Sendable {
    let pointer: UnsafePointer<lt_plugin_v1>
}

/// The ABI major version this host speaks.
public let LT_HOST_ABI_MAJOR: UInt32 = LT_ABI_VERSION_MAJOR
