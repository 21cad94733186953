import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HostCore
import LightningProtocol
import LightningTestSupport
import Testing

/// `LIGHTNING_MODE=azure`: the real daemon binary on the four Azure plugins, their connection
/// strings and keys from the environment (the manifests bind them with `env`), the loopback
/// fakes standing in for Cosmos DB, Service Bus, the function app and ARM. The config file
/// holds only where the fakes listen. Nothing secret may reach the logs, the API or `lightning config`.
@Suite(.timeLimit(.minutes(3)))
struct AzureModeTests {
    @Test func theSameApplicationRunsOnTheAzurePluginsWithSecretsFromTheEnvironment() async throws {
        let cosmosKey = Data((0..<64).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let sbKey = "sb-" + UUID().uuidString
        let clientSecret = "cs~" + UUID().uuidString
        let secrets = [cosmosKey, sbKey, clientSecret, AzureFunctionsTests.masterKey, AzureFunctionsTests.hostKey, AzureFunctionsTests.helloKey]

        let cosmos = try await FakeServer(script: "cosmos_fake.py", args: ["--key", cosmosKey])
        let bus = try await FakeServer(script: "servicebus_fake.py", args: ["--key-name", "RootManageSharedAccessKey", "--key", sbKey])
        let app = try await AzureFunctionsTests.startApp()
        let arm = try await FakeServer(script: "arm_fake.py", args: ["--client-secret", clientSecret])

        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lt-azmode-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let manifests = root.appendingPathComponent("manifests")
        try FileManager.default.createDirectory(at: manifests, withIntermediateDirectories: true)
        for name in ["cosmos-storage", "servicebus-eventbus", "azure-functions", "aci-containers", "echo-driver"] {
            try FileManager.default.copyItem(at: BuildProducts.repoRoot.appendingPathComponent("manifests/\(name).json"),
                                             to: manifests.appendingPathComponent("\(name).json"))
        }
        _ = ManifestPinner.pin(manifestsIn: manifests, pluginDirs: [BuildProducts.directory])
        try Self.signWithDevelopmentKey(manifests)
        // Only where the fakes listen: a real account needs none of this (the connection
        // strings name the endpoints, ARM and Azure AD have fixed addresses).
        let configFile = root.appendingPathComponent("lightning.json")
        let fileConfig: JSONValue = ["providers": [
            "eventbus": ["plugin": "servicebus-eventbus", "config": ["endpoint": .string(bus.baseURL)]],
            "containers": ["plugin": "aci-containers", "config": ["authority_url": .string(arm.baseURL), "management_url": .string(arm.baseURL),
                                                                  "poll_interval_ms": 20]],
        ]]
        try Wire.encode(fileConfig).write(to: configFile)
        let environment = [
            "LIGHTNING_MODE": "azure",
            "LIGHTNING_PLUGINS_TRUSTED_KEYS": Self.developmentPublicKey.path,
            "LIGHTNING_COSMOS_CONNECTION_STRING": "AccountEndpoint=\(cosmos.baseURL)/;AccountKey=\(cosmosKey);",
            "LIGHTNING_SERVICEBUS_CONNECTION_STRING": "Endpoint=sb://lightning-test.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=\(sbKey)",
            "LIGHTNING_FUNCTIONS_APP_URL": app.baseURL,
            "LIGHTNING_FUNCTIONS_KEY": AzureFunctionsTests.hostKey,
            "LIGHTNING_FUNCTIONS_MASTER_KEY": AzureFunctionsTests.masterKey,
            "LIGHTNING_FUNCTIONS": String(decoding: try Wire.encode(AzureFunctionsTests.functions), as: UTF8.self),
            "AZURE_SUBSCRIPTION_ID": "00000000-1111-2222-3333-444444444444", "LIGHTNING_ACI_RESOURCE_GROUP": "lightning-tests",
            "LIGHTNING_ACI_LOCATION": "westeurope", "AZURE_TENANT_ID": "contoso.onmicrosoft.com",
            "AZURE_CLIENT_ID": "11111111-2222-3333-4444-555555555555", "AZURE_CLIENT_SECRET": clientSecret,
        ]
        let daemon = try TestProcess(BuildProducts.lightning, [
            "serve", "--port", "0", "--data-dir", root.appendingPathComponent("data").path, "--manifests", manifests.path,
            "--plugin-dir", BuildProducts.directory.path, "--config", configFile.path,
        ], environment: environment)
        defer { daemon.signal(SIGKILL); daemon.waitBlockingForTests() }
        let line = try await daemon.waitForLine(containing: "listening on ", timeout: .seconds(60))
        guard let base = line.split(separator: " ").last.map(String.init) else { throw TestFailure("no URL in \"\(line)\"") }
        let dataDir = root.appendingPathComponent("data")
        let http = AzureModeClient(base: base, token: try adminToken(in: dataDir))

        // Every kind is served by its Azure plugin.
        let providers = try await http.request("GET", "/v1/providers")
        for (kind, id) in [("storage", "cosmos-storage"), ("eventbus", "servicebus-eventbus"), ("functions", "azure-functions"), ("containers", "aci-containers")] {
            let entry = providers.json["providers"]?.arrayValue?.first { $0["kind"]?.stringValue == kind }
            #expect(entry?["plugin"]?.stringValue == id, "\(kind): \(providers.text)")
        }

        // Storage: a document written and read back through Cosmos DB.
        #expect(try await http.request("PUT", "/v1/storage/containers/orders").status == 201)
        let created = try await http.request("POST", "/v1/storage/containers/orders/documents", ["id": "o1", "partition_key": "ada", "data": ["total": 42]])
        #expect(created.status == 201, "\(created.text)")
        let read = try await http.request("GET", "/v1/storage/containers/orders/documents/o1?partition_key=ada")
        #expect(read.json["data"] == ["total": 42], "\(read.text)")
        #expect(read.provider?.hasPrefix("cosmos-storage@") == true)

        // Events: published to the Service Bus topic, delivered to the echo driver by the router.
        let published = try await http.request("POST", "/v1/events", ["type": "echo.request", "data": ["text": "hi"]])
        #expect(published.status == 202 || published.status == 201, "\(published.text)")
        try await eventually("the echo driver handled the event through Service Bus") {
            let drivers = try await http.request("GET", "/v1/drivers").json
            return drivers["drivers"]?.arrayValue?.first { $0["name"] == "echo-driver" }?["stats"]?["handled"]?.intValue ?? 0 >= 1
        }

        // Functions: invoked through the function app's HTTP trigger.
        let invoked = try await http.request("POST", "/v1/functions/wordcount/invoke", ["text": "a b c"])
        #expect(invoked.json["output"] == ["words": 3, "chars": 5], "\(invoked.text)")

        // Containers: a container group on ACI, run to completion.
        let run = try await http.request("POST", "/v1/containers", ["name": "hello", "image": "busybox", "command": ["sh", "-c", "echo hi; exit 0"]])
        #expect(run.status == 201, "\(run.text)")
        let exit = try await http.request("POST", "/v1/containers/hello/wait?timeout_seconds=30")
        #expect(exit.json["exit_code"] == 0, "\(exit.text)")

        // No secret anywhere an operator looks.
        let (code, configOut, _) = try await runCLI(["config"], base: base, dataDir: dataDir)
        #expect(code == 0)
        #expect(configOut.contains("servicebus-eventbus"))
        let apiConfig = try await http.request("GET", "/v1/config").text
        for s in secrets {
            #expect(!configOut.contains(s), "lightning config shows a secret")
            #expect(!apiConfig.contains(s), "/v1/config shows a secret")
            #expect(!providers.text.contains(s))
            #expect(!daemon.stderr.contains(s) && !daemon.stdout.contains(s), "the daemon logged a secret")
        }
    }

    /// `azure` mode requires signed plugins (plugins.require_signature): the copies are signed with
    /// the repository's DEVELOPMENT-ONLY key, which these daemons trust (never a production setup).
    static let developmentPublicKey = BuildProducts.repoRoot.appendingPathComponent("manifests/dev-signing/DEVELOPMENT-ONLY-signing.pub")
    static func signWithDevelopmentKey(_ manifests: URL) throws {
        let key = try SigningKey.read(from: BuildProducts.repoRoot.appendingPathComponent("manifests/dev-signing/DEVELOPMENT-ONLY-signing.key"))
        for m in ManifestDirectory.scan(manifests).manifests where m.library != nil {
            try PluginSignature.sign(manifest: m, with: key, pluginDirs: [BuildProducts.directory])
        }
    }

    @Test func azureModeWithoutCredentialsNamesWhatIsMissing() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lt-azmode-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let manifests = root.appendingPathComponent("manifests")
        try FileManager.default.createDirectory(at: manifests, withIntermediateDirectories: true)
        for name in ["cosmos-storage", "servicebus-eventbus", "azure-functions", "aci-containers"] {
            try FileManager.default.copyItem(at: BuildProducts.repoRoot.appendingPathComponent("manifests/\(name).json"),
                                             to: manifests.appendingPathComponent("\(name).json"))
        }
        _ = ManifestPinner.pin(manifestsIn: manifests, pluginDirs: [BuildProducts.directory])
        try Self.signWithDevelopmentKey(manifests)
        let daemon = try TestProcess(BuildProducts.lightning, [
            "serve", "--port", "0", "--data-dir", root.appendingPathComponent("data").path, "--manifests", manifests.path,
            "--plugin-dir", BuildProducts.directory.path,
        ], environment: ["LIGHTNING_MODE": "azure", "LIGHTNING_PLUGINS_TRUSTED_KEYS": Self.developmentPublicKey.path])
        let code = try await daemon.wait(timeout: .seconds(60))
        #expect(code != 0)
        // The event bus is required: the start stops, naming the plugin and the missing field.
        #expect(daemon.stderr.contains("cannot start without an event bus"), "\(daemon.stderr)")
        #expect(daemon.stderr.contains("servicebus-eventbus"))
        #expect(daemon.stderr.contains("connection_string"))
    }
}

/// HTTP to the daemon under test.
struct AzureModeClient {
    let base: String
    /// Sent as `Authorization: Bearer` (the daemon's admin token).
    var token: String?
    func request(_ method: String, _ path: String, _ body: JSONValue? = nil) async throws -> (status: Int, json: JSONValue, text: String, provider: String?) {
        var r = URLRequest(url: URL(string: base + path)!)
        r.httpMethod = method
        r.timeoutInterval = 30
        if let token { r.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            r.httpBody = try Wire.encode(body)
            r.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: r)
        let http = response as? HTTPURLResponse
        return (http?.statusCode ?? 0, (try? Wire.decode(JSONValue.self, from: data)) ?? .null, String(decoding: data, as: UTF8.self),
                http?.value(forHTTPHeaderField: "X-Lightning-Provider"))
    }
}

/// The admin token a daemon wrote to `<dataDir>/admin.token` at its first start.
func adminToken(in dataDir: URL) throws -> String {
    try String(contentsOf: dataDir.appendingPathComponent("admin.token"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Runs `lightning ARGS` against the daemon at `base` (its admin token found through
/// `LIGHTNING_DATA_DIR`); returns (exit code, stdout, stderr).
func runCLI(_ args: [String], base: String, dataDir: URL) async throws -> (Int32, String, String) {
    let p = try TestProcess(BuildProducts.lightning, args, environment: ["LIGHTNING_URL": base, "LIGHTNING_DATA_DIR": dataDir.path])
    let code = try await p.wait(timeout: .seconds(30))
    return (code, p.stdout, p.stderr)
}

/// Polls `condition` every 100 ms for up to 20 s.
func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(20)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw TestFailure("timed out waiting for: \(what)")
}
