import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HostCore
import LightningProtocol
import LightningTestSupport
import Testing

/// The built `lightning` daemon with the Azure providers chosen in its config file and pointed at
/// the loopback fakes: the plugins bound through the provider slots and reached over the REST API.
final class AzureProvidersDaemon: @unchecked Sendable {
    // Set once in init, read afterwards.
    let root: URL
    let process: TestProcess
    let base: String
    /// The admin token from `<data>/admin.token`, sent with every request.
    let token: String

    /// - Parameter providers: the config file's `providers` (the rest stays `local`).
    init(providers: JSONValue) async throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("lt-azd-\(UUID().uuidString.prefix(8))")
        let manifests = root.appendingPathComponent("manifests")
        try FileManager.default.createDirectory(at: manifests, withIntermediateDirectories: true)
        for name in ["sqlite-storage.json", "local-eventbus.json", "azure-functions.json", "aci-containers.json"] {
            try FileManager.default.copyItem(at: BuildProducts.repoRoot.appendingPathComponent("manifests/\(name)"),
                                             to: manifests.appendingPathComponent(name))
        }
        _ = ManifestPinner.pin(manifestsIn: manifests, pluginDirs: [BuildProducts.directory])
        let configFile = root.appendingPathComponent("lightning.json")
        try Wire.encode(["providers": providers] as JSONValue).write(to: configFile)
        process = try TestProcess(BuildProducts.lightning, [
            "serve", "--port", "0", "--data-dir", root.appendingPathComponent("data").path, "--manifests", manifests.path,
            "--plugin-dir", BuildProducts.directory.path, "--log-level", "info", "--config", configFile.path,
        ])
        let line = try await process.waitForLine(containing: "listening on ", timeout: .seconds(60))
        guard let url = line.split(separator: " ").last else { throw TestFailure("no URL in \"\(line)\"") }
        base = String(url)
        token = try adminToken(in: root.appendingPathComponent("data"))
    }

    func request(_ method: String, _ path: String, _ body: JSONValue? = nil) async throws -> (status: Int, json: JSONValue, text: String) {
        var r = URLRequest(url: URL(string: base + path)!)
        r.httpMethod = method
        r.timeoutInterval = 30
        r.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if let body {
            r.httpBody = try Wire.encode(body)
            r.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: r)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        return (status, (try? Wire.decode(JSONValue.self, from: data)) ?? .null, String(decoding: data, as: UTF8.self))
    }

    deinit {
        process.signal(SIGKILL)
        var status: Int32 = 0
        _ = waitpid(process.pid, &status, 0)
        try? FileManager.default.removeItem(at: root)
    }
}

@Suite struct AzureFunctionsDaemonTests {
    @Test func daemonServesFunctionsThroughTheAzurePlugin() async throws {
        let app = try await AzureFunctionsTests.startApp()
        let daemon = try await AzureProvidersDaemon(providers: ["functions": ["plugin": "azure-functions", "config": [
            "app_url": .string(app.baseURL), "function_key": .string(AzureFunctionsTests.hostKey),
            "master_key": .string(AzureFunctionsTests.masterKey), "functions": AzureFunctionsTests.functions,
        ]]])
        let ok = try await daemon.request("POST", "/v1/functions/wordcount/invoke", ["text": "a b c"])
        #expect(ok.status == 200, "\(ok.text)")
        #expect(ok.json["output"] == ["words": 3, "chars": 5])
        #expect(ok.json["status"] == "succeeded")

        let missing = try await daemon.request("POST", "/v1/functions/nope/invoke", [:])
        #expect(missing.status == 404)
        // Configured but not on the app: Azure's 404 is a failed invocation, shown with the error.
        let ghost = try await daemon.request("POST", "/v1/functions/ghost/invoke", [:])
        #expect(ghost.status == 404, "\(ghost.text)")
        #expect(ghost.json["invocation"]?["status"] == "failed", "\(ghost.text)")
        let deploy = try await daemon.request("POST", "/v1/functions", ["manifest_version": 1, "id": "x", "name": "x", "version": "1.0.0", "kind": "function", "process": ["command": "x"]])
        #expect(deploy.status == 501, "\(deploy.text)")
        #expect(deploy.text.contains("deploy with Azure tooling"))
        let list = try await daemon.request("GET", "/v1/functions")
        #expect(list.json["functions"]?.arrayValue?.count == AzureFunctionsTests.functions.arrayValue?.count)
        let health = try await daemon.request("GET", "/v1/providers")
        #expect(health.text.contains("azure-functions"), "\(health.text)")
        for s in AzureFunctionsTests.secrets {
            #expect(!health.text.contains(s))
            #expect(!process(daemon).contains(s), "a key reached the daemon log")
        }
    }

    func process(_ d: AzureProvidersDaemon) -> String { d.process.stderr + d.process.stdout }
}
