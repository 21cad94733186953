public import CLightningABI
import Foundation
import LightningProtocol

/// Builds the `lt_plugin_v1` table for a Swift plugin. A plugin library exports the entry symbol
/// with three lines:
///
/// ```swift
/// @_cdecl("lt_plugin_entry")
/// public func lt_plugin_entry(_ host: UnsafePointer<lt_host_v1>) -> UnsafePointer<lt_plugin_v1>? {
///     PluginExport.entry(host: host, id: "sqlite-storage", version: "1.0.0") { try SQLiteStorage(context: $0) }
/// }
/// ```
///
/// Each plugin library links its own copy of this SDK, so the registration below is per library.
public enum PluginExport {
    /// Registers the factory and returns the plugin table (static for the life of the process).
    /// - Parameters:
    ///   - id, version: must equal the manifest's `id` and `version`; the host checks both.
    ///   - make: creates an instance from its context; throw `WireError` to refuse a config.
    public static func entry(
        host: UnsafePointer<lt_host_v1>, id: StaticString, version: StaticString,
        make: @escaping @Sendable (PluginContext) throws -> any PluginInstance
    ) -> UnsafePointer<lt_plugin_v1>? {
        Registration.lock.lock()
        defer { Registration.lock.unlock() }
        if let table = Registration.table { return UnsafePointer(table) }
        Registration.factory = make
        Registration.id = String(describing: id)
        let t = UnsafeMutablePointer<lt_plugin_v1>.allocate(capacity: 1)
        t.initialize(to: lt_plugin_v1(
            struct_size: UInt32(MemoryLayout<lt_plugin_v1>.size),
            abi_version: LT_ABI_VERSION_MAJOR << 16 | LT_ABI_VERSION_MINOR,
            id: UnsafeRawPointer(id.utf8Start).assumingMemoryBound(to: CChar.self),
            version: UnsafeRawPointer(version.utf8Start).assumingMemoryBound(to: CChar.self),
            create: exportCreate, call: exportCall, destroy: exportDestroy, get_extension: nil))
        Registration.table = t
        return UnsafePointer(t)
    }
}

/// Per-library registration, written once under the lock by `entry` before any other
/// function of the table can be called, then only read.
enum Registration {
    static let lock = NSLock()
    nonisolated(unsafe) static var factory: (@Sendable (PluginContext) throws -> any PluginInstance)?
    nonisolated(unsafe) static var table: UnsafeMutablePointer<lt_plugin_v1>?
    nonisolated(unsafe) static var id: String = ""
}

/// Owns one instance; the `lt_instance *` handed to the host is a retained pointer to it.
final class InstanceBox: Sendable {
    let instance: any PluginInstance
    init(_ i: any PluginInstance) { instance = i }
}

/// A completion callback and its context, carried into the task that runs the call.
/// The ABI guarantees ctx stays valid until the completion runs, and we run it exactly once.
struct Completion: @unchecked Sendable {
    let fn: lt_complete_fn
    let ctx: UnsafeMutableRawPointer?
    let id: lt_call_id
    func callAsFunction(_ status: lt_status, _ data: Data) {
        let bytes = data.withUnsafeBytes { lt_bytes_copy($0.baseAddress, $0.count) }
        fn(ctx, id, Int32(status.rawValue), bytes)
    }
}

func errorJSON(_ error: any Error) -> Data {
    let w = (error as? WireError) ?? WireError(.internal, "\(error)")
    return Wire.encodeOrError(w)
}

let exportCreate: @convention(c) (UnsafePointer<lt_host_v1>, UnsafePointer<UInt8>, Int, UnsafeMutablePointer<lt_bytes>) -> OpaquePointer? = {
    host, config, len, errorOut in
    do {
        guard let factory = Registration.factory else { throw WireError(.internal, "plugin not registered") }
        let cfgData = Data(bytes: config, count: len)
        let cfg = cfgData.isEmpty ? JSONValue.object([:]) : try Wire.decode(JSONValue.self, from: cfgData, what: "config")
        let ctx = PluginContext(config: cfg, pluginId: Registration.id, host: HostTable(pointer: host))
        let inst = try factory(ctx)
        return OpaquePointer(Unmanaged.passRetained(InstanceBox(inst)).toOpaque())
    } catch {
        let d = errorJSON(error)
        errorOut.pointee = d.withUnsafeBytes { lt_bytes_copy($0.baseAddress, $0.count) }
        return nil
    }
}

let exportCall: @convention(c) (OpaquePointer, UnsafePointer<CChar>, UnsafePointer<UInt8>?, Int, lt_call_id, lt_complete_fn, UnsafeMutableRawPointer?) -> Void = {
    inst, method, params, len, id, complete, ctx in
    let box = Unmanaged<InstanceBox>.fromOpaque(UnsafeRawPointer(inst)).takeUnretainedValue()
    let name = String(cString: method)
    let data = params.map { Data(bytes: $0, count: len) } ?? Data()
    let done = Completion(fn: complete, ctx: ctx, id: id)
    Task {
        do {
            let out = try await box.instance.handle(method: name, params: data)
            done(LT_STATUS_OK, out)
        } catch {
            done(LT_STATUS_ERROR, errorJSON(error))
        }
    }
}

let exportDestroy: @convention(c) (OpaquePointer) -> Void = { inst in
    let box = Unmanaged<InstanceBox>.fromOpaque(UnsafeRawPointer(inst)).takeRetainedValue()
    Task { await box.instance.shutdown() }
}
