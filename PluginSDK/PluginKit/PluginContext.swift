public import Foundation
public import LightningProtocol
import CLightningABI

/// What the host gives a plugin instance: its configuration and the host's services
/// (log, emit events, call host methods). Safe to copy and to use from any thread.
public struct PluginContext: Sendable {
    /// The instance configuration (the manifest's `config.defaults` merged with the operator's).
    public let config: JSONValue
    /// The plugin id from the manifest.
    public let pluginId: String
    let host: HostTable

    init(config: JSONValue, pluginId: String, host: HostTable) {
        self.config = config; self.pluginId = pluginId; self.host = host
    }

    /// A context with no host behind it, for tests of plugin code outside the daemon:
    /// logs go to stderr, emits and host calls fail with `unavailable`.
    public static func detached(config: JSONValue, pluginId: String = "test") -> PluginContext {
        PluginContext(config: config, pluginId: pluginId, host: HostTable(pointer: nil))
    }

    /// Writes a log record under the plugin's logger in the host.
    public func log(_ level: LogLevel, _ message: String) {
        guard let h = host.pointer else {
            FileHandle.standardError.write(Data("[\(pluginId)] \(message)\n".utf8)); return
        }
        var m = message
        m.withUTF8 { buf in
            buf.withMemoryRebound(to: CChar.self) { c in
                h.pointee.log(h.pointee.host_ctx, level.rawValue, c.baseAddress!, c.count)
            }
        }
    }

    /// Publishes events through the host (asynchronously routed). Throws when the host refuses.
    public func emit(_ events: [Event]) throws {
        guard let h = host.pointer else { throw WireError(.unavailable, "no host: detached context") }
        let data = try Wire.encode(events)
        let rc = data.withUnsafeBytes { raw in
            h.pointee.emit(h.pointee.host_ctx, raw.bindMemory(to: UInt8.self).baseAddress!, raw.count)
        }
        if rc != 0 { throw WireError(.invalidArgument, "host refused the events (code \(rc))") }
    }

    /// Calls a host method (`storage.read`, `bus.publish`, `config.get`, ...) and returns its result.
    public func callHost(_ method: String, params: Data) async throws -> Data {
        guard let h = host.pointer else { throw WireError(.unavailable, "no host: detached context") }
        return try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Data, any Error>) in
            let box = Unmanaged.passRetained(ContinuationBox(cont)).toOpaque()
            params.withUnsafeBytes { raw in
                h.pointee.call(h.pointee.host_ctx, method, raw.bindMemory(to: UInt8.self).baseAddress, raw.count,
                               0, pluginKitCompletion, box)
            }
        }
    }

    /// The host's document storage (the `storage.*` host methods, forwarded to the current
    /// storage provider), typed: `try await context.storage.upsert(container: "c", document: doc)`.
    /// Errors are the provider's `WireError`s; on a detached context every call throws `unavailable`.
    public var storage: StorageClient {
        StorageClient { [self] method, params in try await callHost(method, params: params) }
    }

    /// Typed form of `callHost`.
    public func callHost<P: Encodable, R: Decodable>(_ method: String, _ params: P, as: R.Type) async throws -> R {
        let out = try await callHost(method, params: try Wire.encode(params))
        return try Wire.decode(R.self, from: out, what: "result of \(method)")
    }
}

/// Levels for `PluginContext.log`, matching `lt_log_level`.
public enum LogLevel: Int32, Sendable {
    case trace = 0, debug, info, notice, warning, error, critical
}

/// The host's service table. The pointer stays valid until the process exits (ABI rule), and the
/// table is immutable, so sharing it across threads is safe.
struct HostTable: @unchecked Sendable {
    let pointer: UnsafePointer<lt_host_v1>?
}

final class ContinuationBox: @unchecked Sendable {
    // Resumed exactly once by the completion callback (ABI rule: completions run once).
    let cont: CheckedContinuation<Data, any Error>
    init(_ c: CheckedContinuation<Data, any Error>) { cont = c }
}

/// Completion for host calls made by the plugin: resumes the waiting task.
let pluginKitCompletion: lt_complete_fn = { ctx, _, status, result in
    let box = Unmanaged<ContinuationBox>.fromOpaque(ctx!).takeRetainedValue()
    let data = result.ptr.map { Data(bytes: $0, count: result.len) } ?? Data()
    lt_bytes_release(result)
    if status == Int32(LT_STATUS_OK.rawValue) {
        box.cont.resume(returning: data)
    } else {
        let err = (try? JSONDecoder().decode(WireError.self, from: data)) ?? WireError(.internal, String(decoding: data, as: UTF8.self))
        box.cont.resume(throwing: err)
    }
}
