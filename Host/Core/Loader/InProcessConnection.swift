import CLightningABI
import Foundation
import LightningProtocol
import Synchronization

/// A `ProviderConnection` to an instance living in this process, through `lt_plugin_v1.call`.
///
/// Each call passes a retained continuation box as the completion context; the plugin's
/// completion (any thread, exactly once) resumes the waiting task. `close()` stops new calls,
/// waits for in-flight ones, then calls `destroy` (the ABI requires that order).
final class InProcessConnection: ProviderConnection {
    let plugin: LoadedPlugin
    let instance: InstanceHandle
    let label: String
    private let nextId = Atomic<UInt64>(1)
    private let drain = CallDrain()

    init(plugin: LoadedPlugin, instance: InstanceHandle, label: String) {
        self.plugin = plugin; self.instance = instance; self.label = label
    }

    func call(_ method: String, _ params: Data) async throws -> Data {
        guard drain.enter() else { throw WireError(.unavailable, "\(label) is closed") }
        defer { drain.leave() }
        let id = nextId.wrappingAdd(1, ordering: .relaxed).oldValue
        let t = plugin.table.pointer.pointee
        return try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Data, any Error>) in
            let ctx = Unmanaged.passRetained(CallBox(cont)).toOpaque()
            params.withUnsafeBytes { raw in
                t.call(instance.pointer, method, raw.bindMemory(to: UInt8.self).baseAddress, raw.count, id, callCompleted, ctx)
            }
        }
    }

    func close() async {
        guard await drain.closeAndDrain() else { return }
        plugin.table.pointer.pointee.destroy(instance.pointer)
    }
}

final class CallBox: @unchecked Sendable {
    // Resumed exactly once, by the plugin's completion (ABI rule).
    let cont: CheckedContinuation<Data, any Error>
    init(_ c: CheckedContinuation<Data, any Error>) { cont = c }
}

private let callCompleted: lt_complete_fn = { ctx, _, status, result in
    let box = Unmanaged<CallBox>.fromOpaque(ctx!).takeRetainedValue()
    let data = result.ptr.map { Data(bytes: $0, count: result.len) } ?? Data()
    lt_bytes_release(result)
    if status == Int32(LT_STATUS_OK.rawValue) {
        box.cont.resume(returning: data)
    } else {
        let err = (try? JSONDecoder().decode(WireError.self, from: data))
            ?? WireError(.internal, "plugin returned status \(status) with a malformed error: \(String(decoding: data.prefix(200), as: UTF8.self))")
        box.cont.resume(throwing: err)
    }
}
