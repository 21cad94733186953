import Foundation
import HostCore
import LightningConformance
import LightningTestSupport
import LightningProtocol
import Logging
import Testing

/// A shipped plugin library loaded through the real loader and C ABI, with a fresh data
/// directory: what the conformance suites run against. Every call goes through the same
/// `ProviderConnection` the daemon uses, so a suite passes only if the plugin keeps the contract
/// at the ABI boundary (JSON shapes, error codes), not just in Swift.
struct PluginUnderTest: Sendable {
    let connection: any ProviderConnection
    let dataDir: URL
    /// The loopback fake the instance talks to (Tests/Fakes), kept alive with it; nil for local providers.
    var fake: FakeServer? = nil

    /// The isolation tier a plugin runs in (docs/plugin-abi.md#isolation-tiers).
    enum Tier: String, Sendable {
        /// Loaded into the test process, called through the C ABI.
        case inProcess = "in-process"
        /// Loaded into a `lightning plugin-host` child, called over its stdio JSON-RPC connection.
        case process
    }

    /// Loads `lib<product>.so` from the build products and creates an instance with `config`
    /// (plus `data_dir`, as the daemon injects it), in `tier`. In the process tier the config is
    /// first checked by `lightning plugin-host --check-config` (a child that loads and creates an
    /// instance, then exits), so a refused config throws here as it does in-process; then a
    /// supervised `plugin-host` child serves the instance (the first call waits for it).
    static func open(product: String, id: String, config: [String: JSONValue] = [:], dataDir: URL? = nil,
                     tier: Tier = .inProcess) async throws -> PluginUnderTest {
        let dir = dataDir ?? FileManager.default.temporaryDirectory.appendingPathComponent("lt-conf-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let library = BuildProducts.url("lib\(product).so")
        var cfg = config
        cfg["data_dir"] = .string(dir.path)
        let connection = try await ConformanceTarget.connect(library: library, id: id, tier: tier == .inProcess ? .inProcess : .process,
                                                       lightning: BuildProducts.lightning, config: cfg)
        return PluginUnderTest(connection: connection, dataDir: dir)
    }

    func call<P: Encodable, R: Decodable>(_ method: String, _ params: P, as: R.Type = R.self) async throws -> R {
        try await connection.call(method, params, as: R.self)
    }

    /// Calls `method` expecting it to fail with `code`; returns the error message.
    @discardableResult
    func expectError<P: Encodable>(_ method: String, _ params: P, _ code: WireError.Code,
                                   sourceLocation: SourceLocation = #_sourceLocation) async -> String? {
        do {
            _ = try await connection.call(method, try Wire.encode(params))
            Issue.record("\(method): expected error \(code), got success", sourceLocation: sourceLocation)
            return nil
        } catch let e as WireError {
            #expect(e.code == code, "\(method): \(e.message)", sourceLocation: sourceLocation)
            return e.message
        } catch {
            Issue.record("\(method): expected WireError \(code), got \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    func close() async { await connection.close() }

    enum Shared {
        /// The kit's loader: a library is loaded once per process, whoever opens it.
        static var loader: PluginLoader { ConformanceTarget.loader }
    }
}
