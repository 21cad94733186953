import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LightningProtocol
import LightningTestSupport
import Testing

/// One plan, run by the real daemon on other providers than SQLite + the local bus
/// (docs/planner.md#runs, #exactly-once-steps): (a) Cosmos DB + Service Bus + Azure Functions (their
/// loopback fakes), (b) SQLite + Redis Streams (a real `redis-server`) + local functions. The plan
/// splits into an agent step that publishes an event and a function step, joins them, and ends
/// with a step that fails its first attempt and is retried. Every step records its effect under
/// its idempotency key (`lt-test-child`'s `test.effect` / `test.flaky` / `effect`, the fake
/// function app's `effect`), so the test sees each step's effect, and how often it was asked for.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct DaemonPlanProvidersTests {
    static let agent = """
        {"manifest_version": 1, "id": "effect-agent", "name": "Effect agent", "version": "1.0.0", "kind": "agent",
         "capabilities": ["test.*"],
         "actions": [{"name": "test.effect", "input_schema": {"type": "object", "required": ["step"]}},
                     {"name": "test.flaky", "input_schema": {"type": "object", "required": ["step"]}}],
         "process": {"command": "lt-test-child", "args": ["well"], "readiness_timeout_ms": 60000}}
        """
    /// Served by `lt-test-child` under local functions; by the fake app's `effect` on Azure.
    static let function = """
        {"manifest_version": 1, "id": "effect", "name": "Effect function", "version": "1.0.0", "kind": "function",
         "actions": [{"name": "effect", "input_schema": {"type": "object", "required": ["step"]}}],
         "process": {"command": "lt-test-child", "args": ["well"], "readiness_timeout_ms": 60000},
         "function": {"handler": "effect", "timeout_ms": 30000, "max_concurrency": 2}}
        """

    static let plan: JSONValue = [
        "name": "effects", "graph_type": "acyclic",
        "events": [["name": "go", "kind": "manual"], ["name": "left"], ["name": "right"], ["name": "published"], ["name": "counted"], ["name": "done"]],
        "steps": [
            ["name": "start", "on": ["go"], "action": "test.effect", "args": ["step": "start", "who": "{{ event.data.who }}"], "emits": ["left", "right"]],
            ["name": "publish", "on": ["left"], "action": "test.effect", "args": ["step": "publish"], "emits": ["published"]],
            ["name": "count", "on": ["right"], "action": "effect", "args": ["step": "count"], "emits": ["counted"], "timeout_ms": 30000],
            ["name": "join", "on": ["published", "counted"], "action": "test.flaky", "args": ["step": "join"], "emits": ["done"],
             "retry": ["max_attempts": 3, "backoff_ms": 100]],
        ],
    ]

    /// A daemon on one pair of providers, and where its function step's effects are recorded.
    struct Setup {
        var daemon: TestDaemon
        /// Key → deliveries of the function step's effects.
        var functionEffects: () async throws -> [String: Int]
        var fakes: [FakeServer] = []
    }

    // MARK: Provider pairs

    /// Cosmos DB (storage), Service Bus (event bus), Azure Functions (functions): their fakes.
    static func azure(environment extra: [String: String] = [:]) async throws -> Setup {
        let cosmosKey = Data((0..<64).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let sbKey = Data("sb-\(UUID().uuidString)".utf8).base64EncodedString()
        let functionKey = "fk-" + UUID().uuidString
        let cosmos = try await FakeServer(script: "cosmos_fake.py", args: ["--key", cosmosKey])
        let bus = try await FakeServer(script: "servicebus_fake.py", args: ["--key-name", "RootManageSharedAccessKey", "--key", sbKey])
        let appConfig: JSONValue = ["master_key": "mk-unused", "host_keys": [.string(functionKey)],
                                    "functions": ["effect": ["trigger": "http", "behavior": "effect"]]]
        let app = try await FakeServer(script: "functions_fake.py", args: ["--config", String(decoding: try Wire.encode(appConfig), as: UTF8.self)])
        let config: JSONValue = ["providers": [
            "storage": ["plugin": "cosmos-storage"],
            // Locks of 5 s: a delivery the killed daemon held comes back 5 s later, not 60.
            "eventbus": ["plugin": "servicebus-eventbus", "config": ["endpoint": .string(bus.baseURL), "lock_duration_seconds": 5]],
            "functions": ["plugin": "azure-functions", "config": ["app_url": .string(app.baseURL), "functions": [["name": "effect"]]]],
        ]]
        var environment = [
            "LIGHTNING_COSMOS_CONNECTION_STRING": "AccountEndpoint=\(cosmos.baseURL)/;AccountKey=\(cosmosKey);",
            "LIGHTNING_SERVICEBUS_CONNECTION_STRING": "Endpoint=sb://lightning-test.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=\(sbKey)",
            "LIGHTNING_FUNCTIONS_KEY": functionKey,
        ]
        environment.merge(extra) { $1 }
        let d = try await TestDaemon.start(config: config, manifests: { ["cosmos-storage.json", "servicebus-eventbus.json", "azure-functions.json"].contains($0) },
                                           extraManifests: ["effect-agent.json": agent, "effect.json": function], environment: environment)
        let setup = Setup(daemon: d, functionEffects: {
            let stats = try await Self.getJSON(app.baseURL + "/_fake/stats")
            var out: [String: Int] = [:]
            for (k, v) in stats["effects"]?.objectValue ?? [:] { out[k] = v["deliveries"]?.intValue ?? 0 }
            return out
        }, fakes: [cosmos, bus, app])
        return setup
    }

    /// SQLite (storage), Redis Streams (event bus), local functions.
    static func redis(environment: [String: String] = [:]) async throws -> Setup {
        let redis = try RedisServer.shared()
        let config: JSONValue = ["providers": ["eventbus": ["plugin": "redis-eventbus", "config": [
            "url": .string(redis.url), "key_prefix": .string("plans\(UUID().uuidString.prefix(8).lowercased()):")]]]]
        let d = try await TestDaemon.start(config: config, manifests: { ["sqlite-storage.json", "redis-eventbus.json"].contains($0) },
                                           extraManifests: ["effect-agent.json": agent, "effect.json": function], environment: environment)
        return Setup(daemon: d, functionEffects: {
            var out: [String: Int] = [:]
            for e in try await Self.effects(d) where e["step"] == "count" { out[e["key"]?.stringValue ?? ""] = e["deliveries"]?.intValue ?? 0 }
            return out
        })
    }

    // MARK: Tests

    @Test func aPlanRunsToCompletionOnCosmosDBServiceBusAndAzureFunctions() async throws {
        let s = try await Self.azure()
        #expect(try await s.daemon.get("/v1/providers").text.contains("servicebus-eventbus"))
        let runId = try await Self.startRun(s.daemon)
        try await Self.expectCompleted(s, runId, repeated: [:])
    }

    @Test(.enabled(if: ExternalTool.shouldRun(ExternalTool.hasRedis), "redis-server is not installed (apt-get install redis-server)"))
    func aPlanRunsToCompletionOnSQLiteAndRedisStreams() async throws {
        let s = try await Self.redis()
        let runId = try await Self.startRun(s.daemon)
        try await Self.expectCompleted(s, runId, repeated: [:])
    }

    /// `kill -9` on Cosmos DB + Service Bus right after the agent's first step acted (published its
    /// event, recorded its effect) and before the run saved it: the restarted daemon asks the agent
    /// again with the same key; the effect and the published event stay one.
    @Test func aRunSurvivesKill9AfterAnAgentStepOnCosmosDBAndServiceBus() async throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("lt-kill-\(UUID().uuidString)")
        try Data().write(to: marker)
        let s = try await Self.azure(environment: ["LIGHTNING_TEST_KILL_AFTER_ACTION": "test.effect:\(marker.path)"])
        let runId = try await Self.killedRun(s, marker: marker)
        // The start step's attempt was asked for twice (before and after the kill), with one key.
        try await Self.expectCompleted(s, runId, repeated: ["start": 2])
    }

    /// `kill -9` on SQLite + Redis right after the function step ran and before the run saved it:
    /// the restarted daemon invokes the function again with the same key, and local functions
    /// answer the recorded result without running it (the function saw the key once).
    @Test(.enabled(if: ExternalTool.shouldRun(ExternalTool.hasRedis), "redis-server is not installed (apt-get install redis-server)"))
    func aRunSurvivesKill9AfterAFunctionStepOnSQLiteAndRedis() async throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("lt-kill-\(UUID().uuidString)")
        try Data().write(to: marker)
        let s = try await Self.redis(environment: ["LIGHTNING_TEST_KILL_AFTER_ACTION": "effect:\(marker.path)"])
        let runId = try await Self.killedRun(s, marker: marker)
        try await Self.expectCompleted(s, runId, repeated: [:])
        #expect(s.daemon.process.stderr.contains("already succeeded as invocation"), "the restarted daemon's local functions answered the recorded result")
    }

    // MARK: Steps of the tests

    static func startRun(_ d: TestDaemon) async throws -> String {
        try await d.eventually("the agent and the function are in the catalog", timeout: .seconds(60)) {
            let names = (try await d.get("/v1/actions").json["actions"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            return Set(["test.effect", "test.flaky", "effect"]).isSubset(of: names)
        }
        let saved = try await d.put("/v1/plans/effects", plan)
        #expect(saved.status == 201, "\(saved.text)")
        let started = try await d.post("/v1/plans/effects/runs", ["data": ["who": "ada"]])
        #expect(started.status == 201, "\(started.text)")
        return try #require(started.json["run_id"]?.stringValue)
    }

    /// Starts a run that the kill hook ends with SIGKILL, checks the daemon died that way, and
    /// restarts it on the same providers and data.
    static func killedRun(_ s: Setup, marker: URL) async throws -> String {
        let d = s.daemon
        try await d.eventually("the agent and the function are in the catalog", timeout: .seconds(60)) {
            let names = (try await d.get("/v1/actions").json["actions"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            return Set(["test.effect", "test.flaky", "effect"]).isSubset(of: names)
        }
        #expect(try await d.put("/v1/plans/effects", plan).status == 201)
        _ = try? await d.post("/v1/plans/effects/runs", ["data": ["who": "ada"]])  // may die before it answers
        let code = try await d.process.wait(timeout: .seconds(60))
        #expect(code == 128 + SIGKILL, "the daemon was killed after the action; stderr:\n\(d.process.stderr.suffix(2000))")
        #expect(!FileManager.default.fileExists(atPath: marker.path))
        try await d.restart()
        let runs = try await d.get("/v1/plans/effects/runs").json["runs"]?.arrayValue ?? []
        #expect(runs.count == 1, "\(runs)")
        return try #require(runs.first?["run_id"]?.stringValue)
    }

    /// The run completed with the outcome's token only; every step succeeded (the join at its
    /// second attempt); every step's effect happened once, under the key of the attempt that
    /// succeeded (`repeated`: steps whose attempt was asked for more than once, and how often);
    /// the agent steps' events were published once each.
    static func expectCompleted(_ s: Setup, _ runId: String, repeated: [String: Int]) async throws {
        let d = s.daemon
        try await d.eventually("run \(runId) completed", timeout: .seconds(60)) {
            let status = try await d.get("/v1/runs/\(runId)").json["status"]?.stringValue
            if status == "failed" || status == "cancelled" { throw TestFailure("run \(runId) \(status ?? ""): \(try await d.get("/v1/runs/\(runId)").text)") }
            return status == "completed"
        }
        let run = try await d.get("/v1/runs/\(runId)").json
        let marking = run["marking"]?.objectValue ?? [:]
        #expect(marking["done"] == 1, "\(run)")
        #expect(marking.filter { $0.key != "done" }.allSatisfy { $0.value == 0 }, "only the outcome holds a token: \(marking)")

        var keys: [String: String] = [:]  // step → key of its succeeded attempt
        let steps = run["steps"]?.arrayValue ?? []
        #expect(steps.count == 4, "\(steps)")
        for st in steps {
            let name = st["step"]?.stringValue ?? ""
            #expect(st["state"] == "succeeded", "\(st)")
            #expect(st["attempt"] == (name == "join" ? 2 : 1), "\(st)")
            if let firing = st["firing"]?.intValue, let attempt = st["attempt"]?.intValue {
                keys[name] = "\(runId)/\(name)#\(firing)/\(attempt)"
            }
        }
        #expect(Set(keys.keys) == ["start", "publish", "count", "join"])

        // Agent steps: one effect document each, under the succeeded attempt's key.
        let effects = try await Self.effects(d)
        for step in ["start", "publish", "join"] {
            let mine = effects.filter { $0["step"] == .string(step) }
            #expect(mine.count == 1, "step \(step): one effect, got \(mine)")
            #expect(mine.first?["key"] == keys[step].map(JSONValue.string), "\(mine)")
            #expect(mine.first?["deliveries"] == .int(repeated[step] ?? 1), "step \(step): \(mine)")
        }
        // The function step: one effect, run once.
        let fx = try await s.functionEffects()
        #expect(fx == [keys["count"] ?? "": 1], "the function's effects: \(fx)")

        // Each agent step published its event once: the bus delivers to the agent (capabilities
        // test.*) one event per key, which it records by event id.
        try await d.eventually("the three published events delivered", timeout: .seconds(120)) { try await Self.documents(d, "published").count >= 3 }
        try await Task.sleep(for: .seconds(1))  // a duplicate would arrive right behind
        let published = try await Self.documents(d, "published")
        #expect(published.count == 3, "one event per agent step: \(published)")
        #expect(Set(published.compactMap { $0["step"]?.stringValue }) == ["start", "publish", "join"], "\(published)")
        #expect(Set(published.compactMap { $0["key"]?.stringValue }) == Set(["start", "publish", "join"].compactMap { keys[$0] }), "\(published)")
    }

    /// The documents of container `effects` (their data).
    static func effects(_ d: TestDaemon) async throws -> [JSONValue] { try await documents(d, "effects") }

    /// The documents of a container (their data); none while it does not exist.
    static func documents(_ d: TestDaemon, _ container: String) async throws -> [JSONValue] {
        let r = try await d.get("/v1/storage/containers/\(container)/documents?max_items=1000")
        if r.status == 404 { return [] }
        guard r.status == 200 else { throw TestFailure("listing \(container): HTTP \(r.status) \(r.text)") }
        return (r.json["documents"]?.arrayValue ?? []).compactMap { $0["data"] }
    }

    static func getJSON(_ url: String) async throws -> JSONValue {
        let (data, _) = try await URLSession.shared.data(from: URL(string: url)!)
        return try Wire.decode(JSONValue.self, from: data)
    }
}
