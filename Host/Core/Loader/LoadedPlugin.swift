import CLightningABI
import Foundation
public import LightningProtocol
import Logging

/// A plugin library that is loaded (and stays loaded for the life of the process).
/// Create instances from it with `makeInstance(config:)`.
public final class LoadedPlugin: Sendable {
    public let id: String
    public let version: String
    public let path: String
    public let sha256: String
    public let abiVersion: UInt32
    let table: PluginTable
    let bridge: HostBridge
    let logger: Logger
    private let instances = Locked(0)

    init(id: String, version: String, path: String, sha256: String, abiVersion: UInt32, table: PluginTable,
         bridge: HostBridge, logger: Logger) {
        self.id = id; self.version = version; self.path = path; self.sha256 = sha256; self.abiVersion = abiVersion
        self.table = table; self.bridge = bridge; self.logger = logger
    }

    /// Whether the plugin offers `get_extension` (read within its `struct_size` only).
    public var hasExtensions: Bool { table.pointer.pointee.get_extension != nil }

    /// Creates an instance configured with `config` (a JSON object).
    /// - Throws: `HostError(.configInvalid)` carrying the plugin's own error message.
    public func makeInstance(config: JSONValue) throws -> any ProviderConnection {
        let data = try Wire.encode(config)
        var err = lt_bytes(ptr: nil, len: 0, release: nil, ctx: nil)
        let t = table.pointer.pointee
        let inst = data.withUnsafeBytes { raw -> OpaquePointer? in
            let base = raw.bindMemory(to: UInt8.self).baseAddress ?? UnsafePointer(bitPattern: 1)!
            return t.create(bridge.table, base, raw.count, &err)
        }
        guard let inst else {
            let bytes = err.ptr.map { Data(bytes: $0, count: err.len) } ?? Data()
            lt_bytes_release(err)
            let msg = (try? JSONDecoder().decode(WireError.self, from: bytes))?.message
                ?? (bytes.isEmpty ? "create returned NULL without an error" : String(decoding: bytes, as: UTF8.self))
            throw HostError(.configInvalid, subject: "plugin \(id)", msg)
        }
        let n = instances.withLock { $0 += 1; return $0 }
        return InProcessConnection(plugin: self, instance: InstanceHandle(pointer: inst), label: "plugin \(id)#\(n)")
    }
}

/// An `lt_instance *`: owned by the connection that created it, destroyed once by `close()`.
struct InstanceHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}
