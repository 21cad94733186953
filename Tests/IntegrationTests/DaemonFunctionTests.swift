import Foundation
import LightningProtocol
import Testing

/// The local functions provider in the real daemon: HTTP and event triggers, warm reuse,
/// timeouts, the concurrency limit, async invocations, idle expiry, persistence, the CLI.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DaemonFunctionTests {
    static func start() async throws -> TestDaemon {
        try await TestDaemon.start(manifests: { !$0.contains("agent") }, agents: true)
    }

    static func sleeper(timeoutMs: Int = 10_000, maxConcurrency: Int = 1, maxQueue: Int = 0, idleMs: Int = 60_000) -> JSONValue {
        ["manifest_version": 1, "id": "sleeper", "name": "Sleeper", "version": "1.0.0", "kind": "function",
         "process": ["command": "example-function"],
         "function": ["handler": "sleep", "timeout_ms": .int(timeoutMs), "max_concurrency": .int(maxConcurrency),
                      "max_queue": .int(maxQueue), "idle_timeout_ms": .int(idleMs)]]
    }

    @Test func invokesOverHTTPAndReusesAWarmInstance() async throws {
        let d = try await Self.start()
        let first = try await d.post("/v1/functions/wordcount/invoke", ["text": "to be or not"])
        #expect(first.status == 200)
        #expect(first.json["output"] == ["words": 4, "chars": 12])
        #expect(first.json["cold_start"] == true)
        let second = try await d.post("/v1/functions/wordcount/invoke", ["text": "again"])
        #expect(second.json["cold_start"] == false)
        #expect(second.json["instance"] == first.json["instance"])
        let info = try await d.get("/v1/functions/wordcount").json
        #expect(info["instances"] == 1)
        #expect(info["stats"]?["cold_starts"] == 1)
        #expect(info["stats"]?["warm_starts"] == 1)
        #expect(info["stats"]?["cold_start_ms_avg"]?.doubleValue.map { $0 > 0 } == true)
        let bad = try await d.post("/v1/functions/wordcount/invoke", ["txt": 1])
        #expect(bad.status == 400)
        #expect(bad.json["error"]?["code"] == "invalid_argument")
        #expect(try await d.post("/v1/functions/nothing/invoke", [:]).status == 404)
        let ps = try await d.get("/v1/processes").json["processes"]?.arrayValue ?? []
        #expect(ps.contains { $0["kind"] == "function" && $0["state"] == "ready" })
    }

    @Test func eventsTriggerAFunction() async throws {
        let d = try await Self.start()
        let id = try await d.publish(["type": "text.submitted", "data": ["text": "one two three"]])
        try await d.eventually("function.completed") { try await d.history("correlation_id=\(id)&type=function.completed").count == 1 }
        let done = try await d.history("correlation_id=\(id)&type=function.completed").first
        #expect(done?["data"]?["output"]?["words"] == 3)
        #expect(done?["data"]?["function"] == "wordcount")
        // How a triggered completion differs from an asynchronous one (docs/events.md).
        #expect(done?["source"] == "wordcount")
        #expect(done?["data"]?["status"] == "succeeded")
        #expect(done?["metadata"]?["lt.emitted_by"] == "function:wordcount")
        #expect(done?["correlation_id"] != done?["data"]?["invocation_id"])
    }

    @Test func timeoutsAndTheConcurrencyLimit() async throws {
        let d = try await Self.start()
        // Seconds, not milliseconds: `b` must arrive while `a` still runs, even on a stalled machine.
        let deployed = try await d.post("/v1/functions", Self.sleeper(timeoutMs: 8000))
        #expect(deployed.status == 201)
        #expect(deployed.json["max_concurrency"] == 1)
        async let a = d.post("/v1/functions/sleeper/invoke", ["ms": 5000])
        // The one instance is busy with `a` (not a fixed sleep: on a loaded machine `a` may start late).
        try await d.eventually("a running") { try await d.get("/v1/functions/sleeper").json["busy"] == 1 }
        let b = try await d.post("/v1/functions/sleeper/invoke", ["ms": 10])
        #expect(b.status == 429)
        #expect(b.json["error"]?["code"] == "throttled")
        #expect(try await a.status == 200)
        let slow = try await d.post("/v1/functions/sleeper/invoke", ["ms": 25_000])
        #expect(slow.status == 504)
        #expect(slow.json["error"]?["message"]?.stringValue?.hasPrefix("function sleeper did not finish within 8000 ms") == true)
        let info = try await d.get("/v1/functions/sleeper").json
        #expect(info["stats"]?["throttled"] == 1)
        #expect(info["stats"]?["timeouts"] == 1)
        // The stuck instance was stopped; the next invocation gets a fresh one.
        let after = try await d.post("/v1/functions/sleeper/invoke", ["ms": 1])
        #expect(after.status == 200)
        #expect(after.json["cold_start"] == true)
    }

    @Test func asyncInvocationsAreKeptAndAnnounced() async throws {
        let d = try await Self.start()
        let r = try await d.post("/v1/functions/wordcount/invoke?async=true", ["text": "a b"])
        #expect(r.status == 202)
        #expect(r.json["status"] == "running")
        let id = try #require(r.json["invocation_id"]?.stringValue)
        try await d.eventually("succeeded") {
            try await d.get("/v1/functions/wordcount/invocations/\(id)").json["status"] == "succeeded"
        }
        #expect(try await d.get("/v1/functions/wordcount/invocations/\(id)").json["output"]?["words"] == 2)
        try await d.eventually("announced") { try await d.history("correlation_id=\(id)&type=function.completed").count == 1 }
        let done = try await d.history("correlation_id=\(id)&type=function.completed").first
        #expect(done?["source"] == "wordcount")
        #expect(done?["data"]?["status"] == "succeeded")
        #expect(done?["data"]?["invocation_id"]?.stringValue == id)
        #expect(done?["metadata"]?["lt.emitted_by"] == nil)
    }

    @Test func recentInvocationsAreListedLatestFirstWithDurationAndColdOrWarm() async throws {
        let d = try await Self.start()
        let first = try await d.post("/v1/functions/wordcount/invoke", ["text": "one"])
        let second = try await d.post("/v1/functions/wordcount/invoke", ["text": "one two"])
        let failed = try await d.post("/v1/functions/wordcount/invoke", ["txt": 1])
        #expect(first.status == 200 && second.status == 200 && failed.status == 400)
        let async = try await d.post("/v1/functions/wordcount/invoke?async=true", ["text": "a b c"])
        let asyncId = try #require(async.json["invocation_id"]?.stringValue)
        try await d.eventually("the async one finished") {
            try await d.get("/v1/functions/wordcount/invocations/\(asyncId)").json["status"] == "succeeded"
        }
        let r = try await d.get("/v1/functions/wordcount/invocations")
        #expect(r.status == 200)
        #expect(r.json["function"] == "wordcount")
        let list = r.json["invocations"]?.arrayValue ?? []
        #expect(list.map { $0["invocation_id"] } == [async.json["invocation_id"], failed.json["invocation"]?["invocation_id"],
                                                     second.json["invocation_id"], first.json["invocation_id"]])
        #expect(list.map { $0["status"] } == ["succeeded", "failed", "succeeded", "succeeded"])
        #expect(list.last?["cold_start"] == true)
        #expect(list.dropLast().allSatisfy { $0["cold_start"] == false })
        #expect(list.allSatisfy { ($0["duration_ms"]?.doubleValue ?? -1) > 0 })
        #expect(list[1]["error"]?["code"] == "invalid_argument")
        let one = try await d.get("/v1/functions/wordcount/invocations?limit=1").json["invocations"]?.arrayValue ?? []
        #expect(one.map { $0["invocation_id"] } == [async.json["invocation_id"]])
        // Another function's invocations are not listed; bad input names what was wrong.
        #expect(try await d.get("/v1/functions/sleeper/invocations").status == 404)
        let bad = try await d.get("/v1/functions/wordcount/invocations?limit=0")
        #expect(bad.status == 400)
        #expect(bad.json["error"]?["message"]?.stringValue?.contains("limit") == true)
    }

    @Test func idleInstancesExpireAndAPIDeploymentsSurviveARestart() async throws {
        let d = try await Self.start()
        #expect(try await d.post("/v1/functions", Self.sleeper(idleMs: 200)).status == 201)
        #expect(try await d.post("/v1/functions/sleeper/invoke", ["ms": 1]).status == 200)
        try await d.eventually("expired") { try await d.get("/v1/functions/sleeper").json["instances"] == 0 }
        try await d.stop()
        try await d.restart()
        #expect(try await d.get("/v1/functions/sleeper").status == 200)
        #expect(try await d.post("/v1/functions/sleeper/invoke", ["ms": 1]).status == 200)
        #expect(try await d.request("DELETE", "/v1/functions/sleeper").status == 204)
        #expect(try await d.get("/v1/functions/sleeper").status == 404)
    }

    @Test func badDeploymentsNameTheField() async throws {
        let d = try await Self.start()
        var m = Self.sleeper()
        if case .object(var o) = m { o["process"] = ["command": "no-such-program-here"]; m = .object(o) }
        let r = try await d.post("/v1/functions", m)
        #expect(r.status == 400)
        #expect(r.json["error"]?["message"]?.stringValue?.contains("field \"process.command\": \"no-such-program-here\" not found") == true)
        var m2 = Self.sleeper()
        if case .object(var o) = m2 { o["function"] = ["timeout_ms": "soon"]; m2 = .object(o) }
        let r2 = try await d.post("/v1/functions", m2)
        #expect(r2.status == 400)
        #expect(r2.json["error"]?["message"]?.stringValue?.contains("field \"function.timeout_ms\": expected an integer") == true)
    }

    @Test func theCLIDeploysInvokesAndLists() async throws {
        let d = try await Self.start()
        let file = d.root.appendingPathComponent("sleeper.json")
        try Wire.encode(Self.sleeper()).write(to: file)
        let (c1, out1, _) = try await d.cli(["functions", "deploy", file.path])
        #expect(c1 == 0)
        #expect(out1.hasPrefix("deployed sleeper 1.0.0 (handler sleep"))
        let (c2, out2, _) = try await d.cli(["functions", "invoke", "wordcount", "--input", #"{"text": "x y z"}"#])
        #expect(c2 == 0)
        #expect(out2.contains("\"words\" : 3"))
        let (c3, out3, _) = try await d.cli(["functions", "list"])
        #expect(c3 == 0)
        #expect(out3.hasPrefix("NAME") && out3.contains("sleeper") && out3.contains("wordcount"))
        let (c4, out4, _) = try await d.cli(["functions", "invocations", "wordcount"])
        #expect(c4 == 0)
        let lines = out4.split(separator: "\n")
        #expect(lines.first?.hasPrefix("STARTED") == true && lines.count == 2, "\(out4)")
        #expect(lines.last?.contains(" succeeded ") == true && lines.last?.contains(" cold ") == true, "\(out4)")
        let (c5, _, err5) = try await d.cli(["functions", "invocations", "nothing"])
        #expect(c5 != 0 && err5.contains("no function named \"nothing\""), "\(err5)")
    }
}
