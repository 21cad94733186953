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
    private let state = Locked(DrainState())

    init(plugin: LoadedPlugin, instance: InstanceHandle, label: String) {
        self.plugin = plugin; self.instance = instance; self.label = label
    }

    func call(_ method: String, _ params: Data) async throws -> Data {
        let admitted = state.withLock { s -> Bool in
            if s.closing { return false }
            s.inFlight += 1
            return true
        }
        guard admitted else { throw WireError(.unavailable, "\(label) is closed") }
        defer { finishCall() }
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
        let alreadyClosing = state.withLock { s -> Bool in
            defer { s.closing = true }
            return s.closing
        }
        if alreadyClosing { return }
        await withCheckedContinuation { (cont: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { s -> Bool in
                if s.inFlight == 0 { return true }
                s.drainWaiter = cont
                return false
            }
            if resumeNow { cont.resume() }
        }
        plugin.table.pointer.pointee.destroy(instance.pointer)
    }

    private func finishCall() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.inFlight -= 1
            if s.inFlight == 0, s.closing, let w = s.drainWaiter { s.drainWaiter = nil; return w }
            return nil
        }
        waiter?.resume()
    }

    /// Calls in flight and the close request waiting for them.
    struct DrainState {
        var inFlight = 0
        var closing = false
        var drainWaiter: CheckedContinuation<Void, Never>?
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
