import Foundation
import HostCore
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

    /// Loads `lib<product>.so` from the build products and creates an instance with `config`
    /// (plus `data_dir`, as the daemon injects it).
    static func open(product: String, id: String, config: [String: JSONValue] = [:], dataDir: URL? = nil) throws -> PluginUnderTest {
        let dir = dataDir ?? FileManager.default.temporaryDirectory.appendingPathComponent("lt-conf-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let plugin = try Shared.loader.loadLibrary(at: BuildProducts.url("lib\(product).so"), expectedId: id)
        var cfg = config
        cfg["data_dir"] = .string(dir.path)
        return PluginUnderTest(connection: try plugin.makeInstance(config: .object(cfg)), dataDir: dir)
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
        static let loader: PluginLoader = {
            var logger = Logger(label: "conformance")
            logger.logLevel = .warning
            return PluginLoader(logger: logger)
        }()
    }
}
