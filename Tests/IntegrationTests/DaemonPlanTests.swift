import Foundation
import LightningProtocol
import LightningTestSupport
import Testing

/// Plans in the real daemon: the action catalog from the shipped manifests, validation against
/// it, versioned saves through the storage provider, the CLI.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DaemonPlanTests {
    static let good: JSONValue = [
        "name": "greet and count", "graph_type": "acyclic",
        "events": [["name": "visitor.arrived", "kind": "webhook"], ["name": "greeted"], ["name": "counted"]],
        "steps": [
            ["name": "greet", "on": ["visitor.arrived"], "action": "greet.request", "args": ["name": "{{ event.data.name }}"], "emits": ["greeted"]],
            ["name": "count", "on": ["greeted"], "action": "wordcount", "args": ["text": "{{ event.data.greeting }}"], "emits": ["counted"]],
        ],
    ]

    static let bad: JSONValue = [
        "name": "broken", "graph_type": "acyclic",
        "events": [["name": "go", "kind": "time.cron", "schedule": "0 25 * * *"], ["name": "done"]],
        "steps": [["name": "mail", "on": ["go"], "action": "email.send", "emits": ["done"]],
                  ["name": "hi", "on": ["go"], "action": "greet.request", "emits": ["done"]]],
    ]

    static func start() async throws -> TestDaemon {
        try await TestDaemon.start(manifests: { !$0.contains("python") }, agents: true)
    }

    @Test func theCatalogValidationAndVersionedSaves() async throws {
        let d = try await Self.start()
        try await d.eventually("agent ready") { try await d.get("/v1/processes/example-agent").json["state"] == "ready" }
        let actions = try await d.get("/v1/actions").json["actions"]?.arrayValue ?? []
        let byName = Dictionary(actions.map { ($0["name"]?.stringValue ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byName["echo.request"]?["provided_by"] == "echo-driver")
        #expect(byName["greet.request"]?["required_args"] == ["name"])
        #expect(byName["wordcount"]?["provided_by"] == "wordcount")

        let ok = try await d.post("/v1/plans/validate", Self.good)
        #expect(ok.status == 200)
        #expect(ok.json["valid"] == true)
        #expect(ok.json["problems"] == [])

        let refused = try await d.post("/v1/plans/validate", Self.bad)
        #expect(refused.status == 200 && refused.json["valid"] == false)
        let problems = (refused.json["problems"]?.arrayValue ?? []).map { "\($0["path"]?.stringValue ?? "") \($0["rule"]?.stringValue ?? "")" }
        #expect(problems == ["$.events[0].schedule bad_schedule", "$.steps[0].action unknown_action", "$.steps[1].args.name missing_argument"])

        // A document the generated decoder would stop at (wrong type, unknown and missing
        // fields): the validator runs first and names every problem with its path.
        let shapeless = try await d.post("/v1/plans/validate", ["name": 5, "stepz": [], "graph_type": "acyclic"])
        #expect(shapeless.status == 200 && shapeless.json["valid"] == false, "\(shapeless.text)")
        let rules = Set((shapeless.json["problems"]?.arrayValue ?? []).map { "\($0["path"]?.stringValue ?? "") \($0["rule"]?.stringValue ?? "")" })
        #expect(rules.isSuperset(of: ["$.name wrong_type", "$.stepz unknown_field"]) && rules.contains { $0.hasSuffix("missing_field") }, "\(rules)")
        let notSaved = try await d.put("/v1/plans/shapeless", ["name": 5, "stepz": [], "graph_type": "acyclic"])
        #expect(notSaved.status == 422 && notSaved.json["problems"]?.arrayValue?.count == shapeless.json["problems"]?.arrayValue?.count, "\(notSaved.text)")
        #expect(notSaved.json["error"]?["message"]?.stringValue?.hasPrefix("plan shapeless is not valid") == true)

        // Saved through the storage provider, a new version each time.
        let v1 = try await d.put("/v1/plans/greeter", Self.good)
        #expect(v1.status == 201 && v1.json["version"] == 1)
        let v2 = try await d.put("/v1/plans/greeter", Self.good)
        #expect(v2.status == 200 && v2.json["version"] == 2)
        #expect(try await d.get("/v1/plans/greeter").json["version"] == 2)
        #expect(try await d.get("/v1/plans/greeter?version=1").json["plan"]?["name"] == "greet and count")
        #expect(try await d.get("/v1/storage/containers/plans/documents/greeter").status == 200)
        #expect((try await d.get("/v1/plans").json["plans"]?.arrayValue ?? []).map { $0["id"] } == ["greeter"])

        // An invalid plan is refused whole: nothing saved.
        let no = try await d.put("/v1/plans/broken", Self.bad)
        #expect(no.status == 422)
        #expect(no.json["error"]?["code"] == "invalid_argument")
        #expect(try await d.get("/v1/plans/broken").status == 404)
        #expect(try await d.put("/v1/plans/Not%20An%20Id", Self.good).status == 400)

        #expect(try await d.request("DELETE", "/v1/plans/greeter").status == 204)
        #expect(try await d.get("/v1/plans/greeter").status == 404)
        #expect(try await d.get("/v1/plans/greeter?version=2").json["version"] == 2, "versions stay readable")
    }

    @Test func theCLIValidatesAppliesAndLists() async throws {
        let d = try await Self.start()
        try await d.eventually("agent ready") { try await d.get("/v1/processes/example-agent").json["state"] == "ready" }
        let dir = d.root.appendingPathComponent("plans")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let good = dir.appendingPathComponent("greeter.json")
        let bad = dir.appendingPathComponent("broken.json")
        try Wire.encode(Self.good).write(to: good)
        try Wire.encode(Self.bad).write(to: bad)

        let (c1, out1, _) = try await d.cli(["plans", "validate", "-f", good.path])
        #expect(c1 == 0)
        #expect(out1.contains("valid (2 steps)"))
        let (c2, _, err2) = try await d.cli(["plans", "validate", "-f", bad.path])
        #expect(c2 == 1)
        #expect(err2.contains("\(bad.path): $.steps[0].action: step \"mail\": no loaded driver, agent or function provides \"email.send\""))
        let (c3, out3, _) = try await d.cli(["plans", "apply", "-f", good.path])
        #expect(c3 == 0)
        #expect(out3.contains("saved greeter version 1"))
        let (c4, out4, _) = try await d.cli(["plans", "list"])
        #expect(c4 == 0 && out4.contains("greeter") && out4.contains("greet and count"))
        let (c5, out5, _) = try await d.cli(["actions"])
        #expect(c5 == 0 && out5.contains("greet.request") && out5.contains("example-agent"))
        let (c6, out6, _) = try await d.cli(["runs", "start", "greeter", "--data", #"{"name": "Grace"}"#])
        #expect(c6 == 0)
        let runId = String(out6.split(separator: " ").first ?? "")
        #expect(runId.hasPrefix("run_"), "\(out6)")
        try await d.eventually("completed") { try await d.get("/v1/runs/\(runId)").json["status"] == "completed" }
        let (c7, out7, _) = try await d.cli(["runs", "get", runId])
        #expect(c7 == 0 && out7.contains("completed") && out7.contains("greet: succeeded"))
    }

    /// The greeter plan runs end to end: the agent greets, the function counts the greeting's words.
    @Test func aRunGoesThroughAnAgentAndAFunctionToCompletion() async throws {
        let d = try await Self.start()
        try await d.eventually("agent ready") { try await d.get("/v1/processes/example-agent").json["state"] == "ready" }
        #expect(try await d.put("/v1/plans/greeter", Self.good).status == 201)
        let started = try await d.post("/v1/plans/greeter/runs", ["data": ["name": "Ada"]])
        #expect(started.status == 201)
        let runId = try #require(started.json["run_id"]?.stringValue)
        try await d.eventually("run completed") { try await d.get("/v1/runs/\(runId)").json["status"] != "running" }
        let run = try await d.get("/v1/runs/\(runId)").json
        #expect(run["status"] == "completed", "\(run)")
        let steps = run["steps"]?.arrayValue ?? []
        #expect(steps.map { $0["step"] } == ["greet", "count"])
        #expect(steps.first?["output"]?["greeting"] == "Hello, Ada!")
        #expect(steps.last?["output"]?["words"] == 2)
        #expect(run["marking"] == ["counted": 1])
        // plan.* events, correlated with the run.
        try await d.eventually("plan events") { try await d.history("type=plan.run.completed").count == 1 }
        let types = try await d.history("type=plan.*").filter { $0["correlation_id"]?.stringValue == runId }.compactMap { $0["type"]?.stringValue }
        #expect(Set(types) == ["plan.run.started", "plan.step.started", "plan.step.completed", "plan.run.completed"])
        #expect((try await d.get("/v1/plans/greeter/runs").json["runs"]?.arrayValue ?? []).map { $0["run_id"] } == [.string(runId)])
        // The webhook starts another; a name that is no webhook event of the plan is 404.
        let hook = try await d.post("/v1/hooks/greeter/visitor.arrived", ["name": "Lin"])
        #expect(hook.status == 202)
        let hookRun = try #require(hook.json["run_id"]?.stringValue)
        try await d.eventually("hook run completed") { try await d.get("/v1/runs/\(hookRun)").json["status"] == "completed" }
        #expect(try await d.get("/v1/runs/\(hookRun)").json["steps"]?.arrayValue?.first?["output"]?["greeting"] == "Hello, Lin!")
        let noHook = try await d.post("/v1/hooks/greeter/greeted", [:])
        #expect(noHook.status == 404)
        #expect(noHook.json["error"]?["message"] == "plan greeter has no webhook event \"greeted\" (its webhook events: visitor.arrived)")
    }

    @Test func aStepThatFailsFailsTheRunWithItsReason() async throws {
        let d = try await Self.start()
        try await d.eventually("agent ready") { try await d.get("/v1/processes/example-agent").json["state"] == "ready" }
        #expect(try await d.put("/v1/plans/greeter", Self.good).status == 201)
        // The agent refuses a greeting without a name (an empty string).
        let started = try await d.post("/v1/plans/greeter/runs", ["data": ["name": ""]])
        let runId = try #require(started.json["run_id"]?.stringValue)
        try await d.eventually("run failed") { try await d.get("/v1/runs/\(runId)").json["status"] != "running" }
        let run = try await d.get("/v1/runs/\(runId)").json
        #expect(run["status"] == "failed")
        #expect(run["reason"]?.stringValue?.hasPrefix("step greet failed after 1 attempt: ") == true, "\(run)")
        // Bad starts are refused with the reason.
        #expect(try await d.post("/v1/plans/greeter/runs", ["event": "greeted"]).json["error"]?["message"]?.stringValue?.contains("is not an external event of plan greeter") == true)
        #expect(try await d.post("/v1/plans/nothing/runs", [:]).status == 404)
    }

    /// An interval event fires runs by itself; its schedule shows the next fire time.
    @Test func anIntervalScheduleStartsRunsByItself() async throws {
        let d = try await TestDaemon.start(manifests: { !$0.contains("agent") })
        let plan: JSONValue = [
            "name": "heartbeat", "graph_type": "acyclic",
            "events": [["name": "tick", "kind": "time.interval", "schedule": "PT1S"], ["name": "echoed"]],
            "steps": [["name": "echo", "on": ["tick"], "action": "echo.request", "args": ["at": "{{ event.data.scheduled_at }}"], "emits": ["echoed"]]],
        ]
        #expect(try await d.put("/v1/plans/heartbeat", plan).status == 201)
        try await d.eventually("two scheduled runs completed", timeout: .seconds(60)) {
            (try await d.get("/v1/plans/heartbeat/runs").json["runs"]?.arrayValue ?? []).filter { $0["status"] == "completed" }.count >= 2
        }
        // The fire count is saved after the run starts, so a fast run can complete before it is.
        try await d.eventually("the schedule counted two fires") {
            ((try await d.get("/v1/schedules").json["schedules"]?.arrayValue ?? []).first?["fired"]?.intValue ?? 0) >= 2
        }
        let schedules = try await d.get("/v1/schedules").json["schedules"]?.arrayValue ?? []
        #expect(schedules.first?["id"] == "heartbeat.tick")
        #expect(schedules.first?["next_fire_at"]?.stringValue != nil)
        #expect((schedules.first?["fired"]?.intValue ?? 0) >= 2)
        #expect(try await d.history("type=schedule.fired").count >= 2)
        let (code, out, _) = try await d.cli(["schedules"])
        #expect(code == 0 && out.contains("heartbeat.tick") && out.contains("PT1S"))
        // Deleting the plan removes its schedule.
        #expect(try await d.request("DELETE", "/v1/plans/heartbeat").status == 204)
        try await d.eventually("schedule removed") { (try await d.get("/v1/schedules").json["schedules"]?.arrayValue ?? []).isEmpty }
    }

    /// The example plans shipped in Examples/plans validate against the shipped manifests and run.
    @Test func theShippedExamplePlansValidateAndRun() async throws {
        let d = try await Self.start()
        try await d.eventually("agent ready") { try await d.get("/v1/processes/example-agent").json["state"] == "ready" }
        let dir = BuildProducts.repoRoot.appendingPathComponent("Examples/plans")
        for name in ["count-greeting", "review-loop", "heartbeat"] {
            let (code, out, err) = try await d.cli(["plans", "apply", "-f", dir.appendingPathComponent("\(name).json").path])
            #expect(code == 0, "\(name): \(err)")
            #expect(out.contains("saved \(name) version 1"))
        }
        // The webhook plan: the agent greets, the function counts.
        let hook = try await d.post("/v1/hooks/count-greeting/visitor.arrived", ["name": "Ada"])
        let hookRun = try #require(hook.json["run_id"]?.stringValue)
        // The reactive plan goes round its loop once, then publishes.
        let loop = try await d.post("/v1/plans/review-loop/runs", ["data": ["text": "hello world"]])
        let loopRun = try #require(loop.json["run_id"]?.stringValue)
        try await d.eventually("both runs ended") {
            let a = try await d.get("/v1/runs/\(hookRun)").json["status"]
            let b = try await d.get("/v1/runs/\(loopRun)").json["status"]
            return a != "running" && b != "running"
        }
        let h = try await d.get("/v1/runs/\(hookRun)").json
        #expect(h["status"] == "completed", "\(h)")
        #expect(h["steps"]?.arrayValue?.last?["output"]?["words"] == 2)
        let l = try await d.get("/v1/runs/\(loopRun)").json
        #expect(l["status"] == "completed", "\(l)")
        #expect((l["steps"]?.arrayValue ?? []).map { $0["step"] } == ["write", "revise", "publish"])
        #expect(l["steps"]?.arrayValue?.last?["output"]?["words"] == 3)
        // The scheduled plan has its schedule.
        try await d.eventually("heartbeat scheduled") {
            (try await d.get("/v1/schedules").json["schedules"]?.arrayValue ?? []).contains { $0["id"] == "heartbeat.tick" && $0["next_fire_at"] != nil }
        }
    }
}
