import Foundation
@testable import HostCore
import LightningConformance
import LightningProtocol
import LightningTestSupport
import Logging
import Testing

/// The functions contract (LightningConformance's `FunctionsRules`, docs/plugin-abi.md#functions)
/// against every functions provider: `azure-functions` in both isolation tiers, on its loopback
/// function app (Tests/Fakes/functions_fake.py, which checks keys as the Functions host does),
/// where the fixture function `echo` is an HTTP function that answers its body; and the daemon's
/// built-in `local-functions` (in process only: it is part of the daemon), with its own supervisor,
/// where `echo` is deployed over `functions.deploy` and served by `lt-test-child well` instances.
/// The same rules `lightning plugins test` runs against a third party's functions provider.
@Suite(.timeLimit(.minutes(5)))
struct FunctionsConformanceTests {
    @Test(.serialized, arguments: FunctionsRules.all)
    func azureFunctionsKeepsTheContract(_ rule: ConformanceRule) async { await check(Self.azure(.inProcess), rule) }

    @Test(.serialized, arguments: FunctionsRules.all)
    func azureFunctionsInAProcessKeepsTheContract(_ rule: ConformanceRule) async { await check(Self.azure(.process), rule) }

    @Test(.serialized, arguments: FunctionsRules.all)
    func localFunctionsKeepsTheContract(_ rule: ConformanceRule) async { await check(Self.local, rule) }

    func check(_ target: ConformanceTarget, _ rule: ConformanceRule) async {
        let result = await ConformanceRunner.run(rule, on: target)
        for failure in result.failures {
            Issue.record("\(target.name): \(rule.id) (\(rule.section)): \(failure)")
        }
    }

    /// `azure-functions` against a fresh fake app per instance: `echo` (anonymous, the body back)
    /// behind a function key, the master key for health.
    static func azure(_ tier: ConformanceTarget.Tier) -> ConformanceTarget {
        let master = "mk-" + UUID().uuidString, host = "hk-" + UUID().uuidString
        let library = LibrarySpec(url: BuildProducts.url("libLightningAzureFunctions.so"), sha256: nil, expectedId: "azure-functions",
                                  expectedVersion: nil, subject: "azure-functions")
        return ConformanceTarget(name: tier == .inProcess ? "azure-functions" : "azure-functions (process)") { dataDir, context in
            let dir = try dataDir ?? ConformanceTarget.freshDirectory()
            let app: FakeServer
            if let running = context as? FakeServer { app = running } else {
                let description: JSONValue = [
                    "master_key": .string(master), "host_keys": [.string(host)],
                    "functions": ["echo": ["trigger": "http", "behavior": "echo"], "other": ["trigger": "http", "behavior": "echo"]],
                ]
                app = try await FakeServer(script: "functions_fake.py", args: ["--config", String(decoding: try Wire.encode(description), as: UTF8.self)])
            }
            let config: [String: JSONValue] = [
                "app_url": .string(app.baseURL), "functions": [["name": "other"], ["name": "echo"]],
                "function_key": .string(host), "master_key": .string(master), "route_prefix": "api", "timeout_ms": 60_000,
                "max_throttle_retries": 3, "max_retry_wait_ms": 30_000, "max_recorded_invocations": 1000, "data_dir": .string(dir.path),
            ]
            let connection = try await ConformanceTarget.connect(library, tier: tier, lightning: BuildProducts.lightning, config: config)
            return ConformanceInstance(connection: connection, dataDir: dir, context: app)
        }
    }

    /// `local-functions` as the daemon builds it (`Daemon.bindBuiltin`), with a supervisor and an
    /// event router of its own (no bus: the `function.completed` of an asynchronous invocation is
    /// dropped, as when no bus is bound), and `echo` deployed.
    static var local: ConformanceTarget {
        ConformanceTarget(name: "local-functions") { dataDir, _ in
            let dir = try dataDir ?? ConformanceTarget.freshDirectory()
            let logger = Logger(label: "lt.conformance")
            let supervisor = Supervisor(services: .init(host: NoHost(), publish: { _ in }), programDirs: [BuildProducts.directory],
                                        dataDirectory: dir, defaultProfile: .none, logger: logger)
            let router = EventRouter(bus: ProviderSlot(kind: .eventbus), settings: .init(), logger: logger)
            let functions = LocalFunctions(supervisor: supervisor, router: router, dataDir: dir) { _ in [:] }
            let instance = LocalFunctionsInstance(functions: functions, supervisor: supervisor)
            let manifest: JSONValue = [
                "manifest_version": 1, "id": "echo", "name": "echo", "version": "1.0.0", "kind": "function",
                "process": ["command": .string(BuildProducts.url("lt-test-child").path), "args": ["well"], "readiness_timeout_ms": 60_000],
                "sandbox": ["profile": "none"],
                "function": ["handler": "echo", "timeout_ms": 120_000, "max_concurrency": 4, "max_queue": 100, "idle_timeout_ms": 0],
            ]
            do {
                _ = try await instance.call(Method.functionDeploy, DeployRequest(manifest: manifest), as: FunctionInfo.self)
            } catch {
                await instance.close()
                throw error
            }
            return ConformanceInstance(connection: instance, dataDir: dir)
        }
    }
}

/// `local-functions` with the supervisor it runs its instances under: closing it also stops them.
final class LocalFunctionsInstance: ProviderConnection {
    let functions: LocalFunctions
    let supervisor: Supervisor
    var label: String { functions.label }

    init(functions: LocalFunctions, supervisor: Supervisor) { self.functions = functions; self.supervisor = supervisor }

    func call(_ method: String, _ params: Data) async throws -> Data { try await functions.call(method, params) }

    func close() async {
        await functions.close()
        await supervisor.stopAll()
    }
}

/// Host services for function instances that ask for nothing (`lt-test-child`'s `echo`).
struct NoHost: HostServices {
    func call(method: String, params: Data, caller: String) async throws -> Data {
        throw WireError(.unsupported, "host method \"\(method)\" is not offered to functions under the conformance kit")
    }
    func emit(events: [Event], caller: String) async throws {}
}
