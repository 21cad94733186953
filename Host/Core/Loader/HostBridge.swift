import CLightningABI
import Foundation
import LightningProtocol
import Logging

/// The `lt_host_v1` table one plugin library receives, and the Swift object behind its
/// `host_ctx`. Plugins never unload, so the bridge and its table live for the whole process.
///
/// Threading: the C callbacks may arrive on any thread; they only read immutable state or go
/// through `Locked`.
final class HostBridge: @unchecked Sendable {
    // `pluginLabel` is written once by the loader before the plugin can call back with it being
    // meaningful; reads before that see the file name. Guarded by `labelLock`.
    private let labelLock = Locked("")
    var pluginLabel: String {
        get { labelLock.value }
        set { labelLock.withLock { $0 = newValue } }
    }
    unowned let loader: PluginLoader
    let table: UnsafeMutablePointer<lt_host_v1>

    init(loader: PluginLoader, pluginLabel: String) {
        self.loader = loader
        self.table = UnsafeMutablePointer<lt_host_v1>.allocate(capacity: 1)
        labelLock.withLock { $0 = pluginLabel }
        table.initialize(to: lt_host_v1(
            struct_size: UInt32(MemoryLayout<lt_host_v1>.size),
            abi_version: LT_ABI_VERSION_MAJOR << 16 | LT_ABI_VERSION_MINOR,
            host_ctx: Unmanaged.passRetained(self).toOpaque(),  // released never: lives with the library
            log: hostLog, emit: hostEmit, call: hostCall))
    }

    static func from(_ ctx: UnsafeMutableRawPointer?) -> HostBridge {
        Unmanaged<HostBridge>.fromOpaque(ctx!).takeUnretainedValue()
    }
}

private let hostLog: @convention(c) (UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>, Int) -> Void = { ctx, level, msg, len in
    let bridge = HostBridge.from(ctx)
    let text = String(decoding: UnsafeRawBufferPointer(start: msg, count: len), as: UTF8.self)
    let lvl: Logger.Level = [.trace, .debug, .info, .notice, .warning, .error, .critical][Int(min(max(level, 0), 6))]
    bridge.loader.logger.log(level: lvl, "\(text)", metadata: ["lt.plugin": "\(bridge.pluginLabel)"])
}

private let hostEmit: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<UInt8>, Int) -> Int32 = { ctx, json, len in
    let bridge = HostBridge.from(ctx)
    let data = Data(bytes: json, count: len)
    guard let events = try? Wire.decode([Event].self, from: data) else { return 1 }
    guard let services = bridge.loader.services.value else { return 2 }
    let caller = bridge.pluginLabel
    let logger = bridge.loader.logger
    // A C callback has no task to join: this unstructured task is the boundary into async code.
    Task {
        do { try await services.emit(events: events, caller: caller) } catch {
            logger.error("events emitted by plugin were refused: \(error)", metadata: ["lt.plugin": "\(caller)"])
        }
    }
    return 0
}

private let hostCall: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>, UnsafePointer<UInt8>?, Int, lt_call_id, lt_complete_fn, UnsafeMutableRawPointer?) -> Void = {
    ctx, method, params, len, id, complete, completeCtx in
    let bridge = HostBridge.from(ctx)
    let name = String(cString: method)
    let data = params.map { Data(bytes: $0, count: len) } ?? Data()
    let done = CompletionCall(fn: complete, ctx: completeCtx, id: id)
    guard let services = bridge.loader.services.value else {
        done.fail(WireError(.unavailable, "host services are not ready yet")); return
    }
    let caller = bridge.pluginLabel
    // A C callback has no task to join: this unstructured task is the boundary into async code.
    Task {
        do { done.succeed(try await services.call(method: name, params: data, caller: caller)) } catch {
            done.fail(error)
        }
    }
}

/// A completion function and its context. The ABI keeps `ctx` valid until the completion runs;
/// we run it exactly once.
struct CompletionCall: @unchecked Sendable {
    let fn: lt_complete_fn
    let ctx: UnsafeMutableRawPointer?
    let id: lt_call_id

    func succeed(_ data: Data) {
        fn(ctx, id, Int32(LT_STATUS_OK.rawValue), data.withUnsafeBytes { lt_bytes_copy($0.baseAddress, $0.count) })
    }

    func fail(_ error: any Error) {
        let w = (error as? WireError) ?? (error as? HostError)?.wireError ?? WireError(.internal, "\(error)")
        let data = Wire.encodeOrError(w)
        fn(ctx, id, Int32(LT_STATUS_ERROR.rawValue), data.withUnsafeBytes { lt_bytes_copy($0.baseAddress, $0.count) })
    }
}
