import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HostCore
import LightningProtocol
import LightningTestSupport
import Logging
import Testing

/// A cloud plugin (`azure-functions`, `aci-containers`) loaded as the daemon loads it: the
/// library through `PluginLoader` and the C ABI, its config built from the shipped manifest's
/// `config.defaults` plus the test's config and checked against the manifest's schema, and
/// `data_dir` injected. Every call goes through the same `ProviderConnection` the daemon uses.
struct AzureRESTPluginHarness: Sendable {
    let connection: any ProviderConnection
    let config: JSONValue

    /// - Parameters:
    ///   - manifest: file name in `manifests/`.
    ///   - product: the library product (`LightningAzureFunctions`).
    static func open(manifest: String, product: String, config: [String: JSONValue]) throws -> AzureRESTPluginHarness {
        let m = try ManifestParser.parse(fileAt: BuildProducts.repoRoot.appendingPathComponent("manifests/\(manifest)"))
        var cfg = m.configDefaults
        for (k, v) in config { cfg[k] = v }
        let problems = ConfigSchema.validate(.object(cfg), against: m.configSchema ?? .null, path: "config")
        guard problems.isEmpty else { throw TestFailure("manifests/\(manifest): test config fails the schema: \(problems)") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lt-cloud-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        cfg["data_dir"] = .string(dir.path)
        let plugin = try Shared.loader.loadLibrary(at: BuildProducts.url("lib\(product).so"), expectedId: m.id)
        return AzureRESTPluginHarness(connection: try plugin.makeInstance(config: .object(cfg)), config: .object(cfg))
    }

    /// Expects `open` to fail; returns the error text.
    static func openFailure(manifest: String, product: String, config: [String: JSONValue]) -> String {
        do {
            let h = try open(manifest: manifest, product: product, config: config)
            Issue.record("expected the plugin to refuse its config")
            Task { await h.close() }
            return ""
        } catch {
            return "\(error)"
        }
    }

    func call<P: Encodable, R: Decodable>(_ method: String, _ params: P, as: R.Type = R.self) async throws -> R {
        try await connection.call(method, params, as: R.self)
    }

    /// Calls `method` expecting it to fail with `code`; returns the message.
    @discardableResult
    func expectError<P: Encodable>(_ method: String, _ params: P, _ code: WireError.Code,
                                   sourceLocation: SourceLocation = #_sourceLocation) async -> String {
        do {
            _ = try await connection.call(method, try Wire.encode(params))
            Issue.record("\(method): expected error \(code), got success", sourceLocation: sourceLocation)
        } catch let e as WireError {
            #expect(e.code == code, "\(method): \(e.message)", sourceLocation: sourceLocation)
            return e.message
        } catch {
            Issue.record("\(method): expected WireError \(code), got \(error)", sourceLocation: sourceLocation)
        }
        return ""
    }

    func close() async { await connection.close() }

    enum Shared {
        static let loader: PluginLoader = {
            var logger = Logger(label: "cloud-tests")
            logger.logLevel = .warning
            return PluginLoader(logger: logger)
        }()
    }
}

extension AzureRESTPluginHarness {
    /// Test controls of the Python fakes (`/_fake/...`), which are not part of the Azure services.
    static func fakePost(_ server: FakeServer, _ path: String, _ body: JSONValue = [:]) async throws -> JSONValue {
        var r = URLRequest(url: URL(string: server.baseURL + path)!)
        r.httpMethod = "POST"
        r.httpBody = try Wire.encode(body)
        r.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let (data, _) = try await URLSession.shared.data(for: r)
        return try Wire.decode(JSONValue.self, from: data)
    }

    static func fakeGet(_ server: FakeServer, _ path: String) async throws -> JSONValue {
        let (data, _) = try await URLSession.shared.data(from: URL(string: server.baseURL + path)!)
        return try Wire.decode(JSONValue.self, from: data)
    }
}
