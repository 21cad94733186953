import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HostCore
import LightningProtocol
import LightningTestSupport
import Testing

/// The `azure-functions` plugin (libLightningAzureFunctions.so, through the loader and the C ABI)
/// against `Tests/Fakes/functions_fake.py`, a loopback function app that checks keys the way the
/// Functions host does.
@Suite struct AzureFunctionsTests {
    static let masterKey = "mk-" + UUID().uuidString
    static let hostKey = "hk-" + UUID().uuidString
    static let helloKey = "fk-hello-" + UUID().uuidString
    static var secrets: [String] { [masterKey, hostKey, helloKey] }

    /// The fake app: `hello` (own key, route greet/hello, text reply), `wordcount` (host key),
    /// `echo` (anonymous), `failing` (500), `nightly` (timer trigger), `ghost` is not on the app.
    static func startApp() async throws -> FakeServer {
        let app: JSONValue = [
            "master_key": .string(masterKey), "host_keys": [.string(hostKey)],
            "functions": [
                "hello": ["trigger": "http", "route": "greet/hello", "key": .string(helloKey), "behavior": "hello"],
                "wordcount": ["trigger": "http", "behavior": "wordcount"],
                "echo": ["trigger": "http", "auth": "anonymous", "behavior": "echo"],
                "failing": ["trigger": "http", "behavior": "fail"],
                "nightly": ["trigger": "timer"],
                "report": ["trigger": "http", "behavior": "query"],
            ],
        ]
        return try await FakeServer(script: "functions_fake.py", args: ["--config", String(decoding: try Wire.encode(app), as: UTF8.self)])
    }

    static let functions: JSONValue = [
        ["name": "hello", "route": "greet/hello", "key": .string(helloKey)],
        ["name": "wordcount", "trigger": "http"],
        ["name": "echo", "method": "PUT"],
        ["name": "failing"],
        ["name": "nightly", "trigger": "other"],
        ["name": "ghost"],
        ["name": "report", "method": "get"],
    ]

    static func open(_ app: FakeServer, _ extra: [String: JSONValue] = [:]) throws -> AzureRESTPluginHarness {
        var config: [String: JSONValue] = ["app_url": .string(app.baseURL), "functions": functions,
                                           "function_key": .string(hostKey), "master_key": .string(masterKey)]
        for (k, v) in extra { if v == .null { config.removeValue(forKey: k) } else { config[k] = v } }  // null: leave the field out
        return try AzureRESTPluginHarness.open(manifest: "azure-functions.json", product: "LightningAzureFunctions", config: config)
    }

    func invoke(_ p: AzureRESTPluginHarness, _ name: String, _ input: JSONValue, async: Bool? = nil) async throws -> Invocation {
        try await p.call(Method.functionInvoke, InvokeRequest(function: name, input: input, async: async), as: Invocation.self)
    }

    func expectNoSecret(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for s in Self.secrets { #expect(!text.contains(s), "a key leaked into: \(text)", sourceLocation: sourceLocation) }
    }

    /// The caller's idempotency key goes as the `Idempotency-Key` header; Azure (and the plugin)
    /// do not deduplicate: a repeat reaches the function, whose own code sees the key again.
    @Test func theIdempotencyKeyIsSentAsAHeaderAndNotDeduplicated() async throws {
        let app = try await Self.startApp()
        let p = try Self.open(app)
        for _ in 0..<2 {
            let inv = try await p.call(Method.functionInvoke, InvokeRequest(function: "wordcount", input: ["text": "a b"], idempotencyKey: "run_1/count#1/1"),
                                       as: Invocation.self)
            #expect(inv.status == .succeeded && inv.output == ["words": 2, "chars": 3], "\(inv)")
        }
        _ = try await invoke(p, "wordcount", ["text": "no key"])
        let (data, _) = try await URLSession.shared.data(from: URL(string: app.baseURL + "/_fake/stats")!)
        let stats = try Wire.decode(JSONValue.self, from: data)
        #expect(stats["keys"] == [["function": "wordcount", "key": "run_1/count#1/1"], ["function": "wordcount", "key": "run_1/count#1/1"]], "\(stats)")
        #expect(stats["invocations"]?["wordcount"] == 3)
    }

    /// A request Azure does not answer within `timeout_ms` is a failed invocation with `timeout`
    /// (docs/plugin-abi.md#functions-invocations), counted in `stats.timeouts`, not a thrown error.
    @Test func aFunctionThatOutlivesTimeoutMsIsAFailedInvocationWithTimeout() async throws {
        let description: JSONValue = ["master_key": .string(Self.masterKey),
                                      "functions": ["slow": ["trigger": "http", "auth": "anonymous", "behavior": "sleep"]]]
        let app = try await FakeServer(script: "functions_fake.py", args: ["--config", String(decoding: try Wire.encode(description), as: UTF8.self)])
        let p = try Self.open(app, ["functions": [["name": "slow"]], "timeout_ms": 1000])
        let quick = try await invoke(p, "slow", ["ms": 0])
        #expect(quick.status == .succeeded, "\(quick)")
        let inv = try await invoke(p, "slow", ["ms": 5000])
        #expect(inv.status == .failed)
        #expect(inv.error?.code == .timeout, "\(inv)")
        #expect(inv.error?.message.contains("did not answer within 1000 ms") == true, "\(inv.error?.message ?? "")")
        #expect(inv.output == nil)
        let info = try await p.call(Method.functionGet, FunctionName(function: "slow"), as: FunctionInfo.self)
        #expect(info.stats.timeouts == 1 && info.stats.succeeded == 1, "\(info.stats)")
        await p.close()
    }

    @Test func invokesHTTPFunctionAndReturnsItsJSONOutput() async throws {
        let app = try await Self.startApp()
        let p = try Self.open(app)
        defer { Task { await p.close() } }
        let inv = try await invoke(p, "wordcount", ["text": "to be or not"])
        #expect(inv.status == .succeeded)
        #expect(inv.output == ["words": 4, "chars": 12])
        #expect(inv.function == "wordcount")
        #expect(inv.instance == "127.0.0.1:\(app.port)")
        #expect(inv.durationMs != nil)
        #expect(app.log.contains("POST /api/wordcount"))
        // Its own key, on its own route; a text reply becomes a string output.
        let hello = try await invoke(p, "hello", ["name": "Ada"])
        #expect(hello.output == .string("Hello, Ada!"))
        #expect(app.log.contains("POST /api/greet/hello"))
        // PUT with an anonymous function: the body comes back as sent.
        let echo = try await invoke(p, "echo", ["a": [1, 2], "b": nil])
        #expect(echo.output == ["a": [1, 2], "b": nil])
        #expect(app.log.contains("PUT /api/echo"))
        // GET: the input object travels as query parameters, with no body.
        let report = try await invoke(p, "report", ["day": "mon", "n": 2, "all": true])
        #expect(report.output == ["method": "GET", "query": ["day": "mon", "n": "2", "all": "true"], "body_bytes": 0])
        let nested = await p.expectError(Method.functionInvoke, InvokeRequest(function: "report", input: ["a": ["b": 1]]), .invalidArgument)
        #expect(nested.contains("input field \"a\""), "\(nested)")
    }

    @Test func wrongKeyIsAnUnauthenticatedFailedInvocation() async throws {
        let app = try await Self.startApp()
        let wrong = "wrong-" + UUID().uuidString
        let p = try Self.open(app, ["functions": [["name": "hello", "route": "greet/hello", "key": .string(wrong)]]])
        defer { Task { await p.close() } }
        let inv = try await invoke(p, "hello", ["name": "Ada"])
        #expect(inv.status == .failed)
        #expect(inv.error?.code == .unauthenticated)
        let message = inv.error?.message ?? ""
        #expect(message.contains("HTTP 401"), "\(message)")
        #expect(message.contains("/api/greet/hello"), "\(message)")
        #expect(!message.contains(wrong))
        expectNoSecret(message)
        #expect(app.log.contains("REFUSED 401 POST /api/greet/hello"))
        let info = try await p.call(Method.functionGet, FunctionName(function: "hello"), as: FunctionInfo.self)
        #expect(info.stats.failed == 1)
        #expect(info.stats.lastError == message)
    }

    @Test func unknownFunctionIsNotFound() async throws {
        let app = try await Self.startApp()
        let p = try Self.open(app)
        defer { Task { await p.close() } }
        let message = await p.expectError(Method.functionInvoke, InvokeRequest(function: "nope", input: [:]), .notFound)
        #expect(message.contains("\"nope\"") && message.contains("wordcount"), "\(message)")
        await p.expectError(Method.functionGet, FunctionName(function: "nope"), .notFound)
        // Configured here but absent from the app: Azure's 404 is a failed invocation.
        let ghost = try await invoke(p, "ghost", [:])
        #expect(ghost.status == .failed)
        #expect(ghost.error?.code == .notFound)
        #expect(ghost.error?.message.contains("HTTP 404") == true)
    }

    @Test func nonHTTPFunctionRunsThroughTheAdminEndpoint() async throws {
        let app = try await Self.startApp()
        let p = try Self.open(app)
        defer { Task { await p.close() } }
        let inv = try await invoke(p, "nightly", ["day": "mon"])
        #expect(inv.status == .succeeded)
        #expect(inv.output == nil || inv.output == .null)  // null is left out on the wire
        #expect(inv.instance?.contains("202 accepted") == true, "\(inv.instance ?? "")")
        let text = try await invoke(p, "nightly", "plain text")
        #expect(text.status == .succeeded)
        let stats = try await AzureRESTPluginHarness.fakeGet(app, "/_fake/stats")
        #expect(stats["admin"] == [["function": "nightly", "input": "{\"day\":\"mon\"}"], ["function": "nightly", "input": "plain text"]])
        #expect(app.log.contains("POST /admin/functions/nightly"))

        // Without the master key it cannot be run at all.
        let noMaster = try Self.open(app, ["master_key": nil])
        defer { Task { await noMaster.close() } }
        let message = await noMaster.expectError(Method.functionInvoke, InvokeRequest(function: "nightly", input: [:]), .invalidArgument)
        #expect(message.contains("master_key"))
        // With a wrong master key Azure answers 401.
        let wrong = try Self.open(app, ["master_key": "not-the-master-key"])
        defer { Task { await wrong.close() } }
        let refused = try await invoke(wrong, "nightly", [:])
        #expect(refused.error?.code == .unauthenticated)
        #expect(refused.error?.message.contains("master key was refused") == true)
    }

    @Test func deployDeleteAndLogsAreUnsupported() async throws {
        let app = try await Self.startApp()
        let p = try Self.open(app)
        defer { Task { await p.close() } }
        let deploy = await p.expectError(Method.functionDeploy, DeployRequest(manifest: ["id": "x"]), .unsupported)
        #expect(deploy.contains("deploy with Azure tooling"))
        await p.expectError(Method.functionDelete, FunctionName(function: "hello"), .unsupported)
        let logs = await p.expectError(Method.functionLogs, FunctionName(function: "hello"), .unsupported)
        #expect(logs.contains("Application Insights"))
    }

    @Test func throttledInvocationIsRetriedAfterRetryAfterThenReportedThrottled() async throws {
        let app = try await Self.startApp()
        let p = try Self.open(app, ["max_throttle_retries": 2])
        defer { Task { await p.close() } }
        _ = try await AzureRESTPluginHarness.fakePost(app, "/_fake/throttle", ["count": 1, "retry_after": 1])
        let inv = try await invoke(p, "wordcount", ["text": "a"])
        #expect(inv.status == .succeeded)
        #expect(inv.output == ["words": 1, "chars": 1])
        #expect(app.log.contains("THROTTLED wordcount: 429 Retry-After 1"))

        _ = try await AzureRESTPluginHarness.fakePost(app, "/_fake/throttle", ["count": 10, "retry_after": 0])
        let message = await p.expectError(Method.functionInvoke, InvokeRequest(function: "wordcount", input: ["text": "a"]), .throttled)
        #expect(message.contains("429"), "\(message)")
        let stats = try await AzureRESTPluginHarness.fakeGet(app, "/_fake/stats")
        #expect(stats["throttled"] == 4)  // 1, then the first try and 2 retries
        let info = try await p.call(Method.functionGet, FunctionName(function: "wordcount"), as: FunctionInfo.self)
        #expect(info.stats.invocations == 2)
        #expect(info.stats.succeeded == 1)
        #expect(info.stats.throttled == 1)
    }

    @Test func failingFunctionGivesTheStatusAndBodyExcerpt() async throws {
        let app = try await Self.startApp()
        let p = try Self.open(app)
        defer { Task { await p.close() } }
        let inv = try await invoke(p, "failing", [:])
        #expect(inv.status == .failed)
        #expect(inv.error?.code == .internal)
        #expect(inv.error?.message.contains("HTTP 500") == true)
        #expect(inv.error?.message.contains("fake failure") == true)
        #expect(inv.output == nil)
    }

    @Test func asyncInvocationIsRecordedAndAnsweredByInvocation() async throws {
        let app = try await Self.startApp()
        let p = try Self.open(app)
        defer { Task { await p.close() } }
        let running = try await invoke(p, "wordcount", ["text": "one two"], async: true)
        #expect(running.status == .running)
        var last = running
        for _ in 0..<200 where last.status == .running {
            try await Task.sleep(for: .milliseconds(20))
            last = try await p.call(Method.functionInvocation, InvocationKey(function: "wordcount", invocationId: running.invocationId), as: Invocation.self)
        }
        #expect(last.status == .succeeded)
        #expect(last.output == ["words": 2, "chars": 7])
        #expect(last.invocationId == running.invocationId)
        let missing = await p.expectError(Method.functionInvocation, InvocationKey(function: "wordcount", invocationId: "nope"), .notFound)
        #expect(missing.contains("\"nope\""))
        // functions.invocations: this instance's records of the function, the latest started first.
        let sync = try await invoke(p, "wordcount", ["text": "x"])
        _ = try await invoke(p, "echo", ["a": 1])
        let recent = try await p.call(Method.functionInvocations, FunctionName(function: "wordcount"), as: InvocationList.self)
        #expect(recent.function == "wordcount")
        #expect(recent.invocations.map(\.invocationId) == [sync.invocationId, running.invocationId])
        #expect(recent.invocations.map(\.status) == [.succeeded, .succeeded])
        let one = try await p.call(Method.functionInvocations, FunctionName(function: "wordcount", limit: 1), as: InvocationList.self)
        #expect(one.invocations.map(\.invocationId) == [sync.invocationId])
        let unknown = await p.expectError(Method.functionInvocations, FunctionName(function: "nothing"), .notFound)
        #expect(unknown.contains("no function named \"nothing\""))
    }

    @Test func listAndGetReportTheConfiguredFunctions() async throws {
        let app = try await Self.startApp()
        let p = try Self.open(app)
        defer { Task { await p.close() } }
        _ = try await invoke(p, "wordcount", ["text": "x"])
        let list = try await p.call(Method.functionList, Empty(), as: FunctionList.self)
        #expect(list.functions.map(\.name) == ["echo", "failing", "ghost", "hello", "nightly", "report", "wordcount"])
        let wc = try #require(list.functions.first { $0.name == "wordcount" })
        #expect(wc.handler == "POST /api/wordcount")
        #expect(wc.stats.invocations == 1 && wc.stats.succeeded == 1)
        let nightly = try await p.call(Method.functionGet, FunctionName(function: "nightly"), as: FunctionInfo.self)
        #expect(nightly.handler.contains("/admin/functions/nightly"))
        #expect(nightly.stats.invocations == 0)
    }

    @Test func healthAsksTheHostStatusWithTheMasterKey() async throws {
        let app = try await Self.startApp()
        let p = try Self.open(app)
        defer { Task { await p.close() } }
        let ok = try await p.call(Method.health, Empty(), as: HealthReport.self)
        #expect(ok.status == .healthy)
        #expect(ok.details?["state"] == "Running")
        #expect(app.log.contains("GET /admin/host/status"))

        _ = try await AzureRESTPluginHarness.fakePost(app, "/_fake/state", ["state": "Error"])
        let bad = try await p.call(Method.health, Empty(), as: HealthReport.self)
        #expect(bad.status == .unhealthy)
        #expect(bad.error?.contains("Error") == true)

        let wrong = try Self.open(app, ["master_key": "nope-nope"])
        defer { Task { await wrong.close() } }
        let refused = try await wrong.call(Method.health, Empty(), as: HealthReport.self)
        #expect(refused.status == .unhealthy)
        #expect(refused.error?.contains("401") == true)

        let unchecked = try Self.open(app, ["master_key": nil])
        defer { Task { await unchecked.close() } }
        let report = try await unchecked.call(Method.health, Empty(), as: HealthReport.self)
        #expect(report.status == .healthy)
        #expect(report.details?["checked"] == false)
        #expect(report.details?["note"]?.stringValue?.contains("not checked") == true)
    }

    @Test func badConfigIsRefusedNamingTheField() async throws {
        func refuse(_ config: [String: JSONValue]) -> String {
            AzureRESTPluginHarness.openFailure(manifest: "azure-functions.json", product: "LightningAzureFunctions", config: config)
        }
        #expect(refuse(["app_url": "ftp://x.example.com"]).contains("config field \"app_url\""))
        #expect(refuse(["app_url": "https://a.azurewebsites.net", "functions": [["name": "a"], ["name": "A"]]]).contains("functions[1].name"))
        #expect(refuse(["app_url": "https://a.azurewebsites.net", "functions": [["name": "a", "trigger": "queue"]]]).contains("functions[0].trigger"))
        let secret = "s3cr3t-" + UUID().uuidString
        let text = refuse(["app_url": "https://a.azurewebsites.net", "functions": [["name": "9bad", "key": .string(secret)]]])
        #expect(text.contains("functions[0].name"))
        #expect(!text.contains(secret))
    }

    @Test func noKeyAppearsInAnyErrorOrDescription() async throws {
        let app = try await Self.startApp()
        let p = try Self.open(app)
        defer { Task { await p.close() } }
        var texts: [String] = []
        for name in ["hello", "wordcount", "failing", "ghost", "nightly"] {
            let inv = try await invoke(p, name, ["name": "x", "text": "y"])
            texts.append(String(decoding: try Wire.encode(inv), as: UTF8.self))
        }
        texts.append(String(decoding: try Wire.encode(try await p.call(Method.functionList, Empty(), as: FunctionList.self)), as: UTF8.self))
        texts.append(String(decoding: try Wire.encode(try await p.call(Method.health, Empty(), as: HealthReport.self)), as: UTF8.self))
        texts.append(await p.expectError(Method.functionDeploy, DeployRequest(manifest: [:]), .unsupported))
        texts.append(app.log)
        for t in texts { expectNoSecret(t) }
    }
}
