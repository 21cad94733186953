import Foundation
import LightningProtocol
import LightningTestSupport
import Testing

/// Tasks and instructions in the real daemon (docs/planner.md#tasks, #instructions): CRUD with
/// ETags, filters and paging, status rules, `task.*` events, `task.create` as a plan step (exactly
/// once across `kill -9`), instructions triggered by published events, and the CLI.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DaemonTaskTests {
    static func tasks(_ d: TestDaemon, _ query: String = "") async throws -> [JSONValue] {
        try await d.get("/v1/tasks?limit=1000\(query)").json["tasks"]?.arrayValue ?? []
    }

    /// PATCH: an absent field is kept, `null` clears `description`, `assignee` and `due`, and
    /// is refused for the fields that cannot be empty, every such problem named at once.
    @Test func patchClearsWithNullKeepsWhatIsAbsentAndRefusesNullWhereAValueIsNeeded() async throws {
        let d = try await TestDaemon.start()
        let created = try await d.post("/v1/tasks", ["title": "t", "description": "d", "assignee": "ann", "due": "2027-01-02T03:04:05Z"])
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json["id"]?.stringValue)
        let kept = try await d.request("PATCH", "/v1/tasks/\(id)", body: try Wire.encode(["assignee": .null, "priority": "high"] as JSONValue))
        #expect(kept.status == 200, "\(kept.text)")
        #expect(kept.json["description"] == "d" && kept.json["due"] == "2027-01-02T03:04:05.000Z" && kept.json["priority"] == "high")
        #expect(kept.json["assignee"] == nil || kept.json["assignee"] == .null, "\(kept.text)")
        let cleared = try await d.request("PATCH", "/v1/tasks/\(id)", body: try Wire.encode(["description": .null, "due": .null] as JSONValue))
        #expect(cleared.status == 200, "\(cleared.text)")
        #expect((cleared.json["description"] ?? .null) == .null && (cleared.json["due"] ?? .null) == .null && cleared.json["title"] == "t")
        let refused = try await d.request("PATCH", "/v1/tasks/\(id)", body: try Wire.encode(["title": .null, "status": .null] as JSONValue))
        #expect(refused.status == 400, "\(refused.text)")
        let message = refused.json["error"]?["message"]?.stringValue ?? ""
        #expect(message.contains("field \"title\": expected a value, got null") && message.contains("field \"status\": expected a value, got null"), "\(message)")
        #expect(try await d.get("/v1/tasks/\(id)").json["title"] == "t")
    }

    @Test func tasksHaveETagsFiltersPagingAndStatusRules() async throws {
        let d = try await TestDaemon.start()
        let created = try await d.post("/v1/tasks", ["title": "Write the report", "assignee": "ada", "priority": "high", "due": "2026-12-24T17:00:00Z"])
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json["id"]?.stringValue)
        #expect(id.hasPrefix("task_"))
        #expect(created.json["status"] == "open" && created.json["source"] == "api" && created.json["due"] == "2026-12-24T17:00:00.000Z")
        let etag = try #require(created.headers["etag"])
        #expect(try await d.get("/v1/tasks/\(id)").headers["etag"] == etag)

        // A bad body is refused naming the field (the generated layer reports the first problem,
        // in the document's field order; query parameters are checked against the document).
        for (body, expected) in [(["priority": "urgent", "colour": "red"] as JSONValue, "request body: field \"title\": required"),
                                 (["title": "x", "priority": "urgent"], "request body: field \"priority\": expected one of the values /openapi.json lists, got \"urgent\""),
                                 (["title": "x", "colour": "red"], "request body: field \"colour\": unknown"),
                                 (["title": "  "], "request body: field \"title\": expected a non-empty string"),
                                 (["title": .string(String(repeating: "x", count: 501))], "request body: field \"title\": expected at most 500 characters, got 501")] {
            let bad = try await d.post("/v1/tasks", body)
            let message = bad.json["error"]?["message"]?.stringValue ?? ""
            #expect(bad.status == 400 && bad.json["error"]?["code"] == "invalid_argument" && message.hasPrefix(expected), "\(body): \(bad.text)")
        }
        for (query, expected) in [("limit=0", "query parameter \"limit\": expected an integer from 1 to 1000, got \"0\""),
                                  ("limit=abc", "query parameter \"limit\": expected an integer from 1 to 1000, got \"abc\""),
                                  ("status=bogus", "query parameter \"status\": expected one of open, in_progress, done, cancelled, got \"bogus\"")] {
            let bad = try await d.get("/v1/tasks?\(query)")
            #expect(bad.status == 400 && bad.json["error"]?["message"]?.stringValue == expected, "\(query): \(bad.text)")
        }
        // The entity tag crosses the wire as the value itself (not percent-encoded), quotes included.
        #expect(etag.hasPrefix("\"") && etag.hasSuffix("\"") && !etag.contains("%"), "\(etag)")

        // Update with the current ETag; a stale one is 412.
        let moved = try await d.request("PATCH", "/v1/tasks/\(id)", body: try Wire.encode(["status": "in_progress"] as JSONValue), headers: ["If-Match": etag])
        #expect(moved.status == 200 && moved.json["status"] == "in_progress", "\(moved.text)")
        let newTag = try #require(moved.headers["etag"])
        #expect(newTag != etag)
        let stale = try await d.request("PATCH", "/v1/tasks/\(id)", body: try Wire.encode(["title": "x"] as JSONValue), headers: ["If-Match": etag])
        #expect(stale.status == 412)
        #expect(try await d.get("/v1/tasks/\(id)").json["title"] == "Write the report", "a refused update changes nothing")

        // Status rules: done cannot go back to in_progress (only reopen).
        #expect(try await d.request("PATCH", "/v1/tasks/\(id)", body: try Wire.encode(["status": "done"] as JSONValue)).status == 200)
        let refused = try await d.request("PATCH", "/v1/tasks/\(id)", body: try Wire.encode(["status": "in_progress"] as JSONValue))
        #expect(refused.status == 409)
        #expect(refused.json["error"]?["message"] == .string("task \(id): cannot move from done to in_progress (from done: open)"))

        // Filters and paging.
        for n in 1...5 {
            #expect(try await d.post("/v1/tasks", ["title": .string("chore \(n)"), "assignee": n % 2 == 0 ? "bob" : "cy", "priority": "low"]).status == 201)
        }
        #expect(try await Self.tasks(d, "&assignee=bob").count == 2)
        #expect(try await Self.tasks(d, "&priority=low&assignee=cy").count == 3)
        #expect(try await Self.tasks(d, "&status=done").map { $0["id"] } == [.string(id)])
        #expect(try await d.get("/v1/tasks?status=finished").status == 400)
        var seen: [String] = []
        var token: String?
        var pages = 0
        repeat {
            let page = try await d.get("/v1/tasks?limit=2\(token.map { "&continuation=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" } ?? "")").json
            seen += (page["tasks"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
            token = page["continuation"]?.stringValue
            pages += 1
        } while token != nil && pages < 10
        #expect(pages == 3 && Set(seen).count == 6 && seen.count == 6, "\(pages) pages: \(seen)")

        // Events.
        try await d.eventually("task events") {
            let types = try await d.history("type=task.*&limit=100").compactMap { $0["type"]?.stringValue }
            return types.filter { $0 == "task.created" }.count == 6 && types.filter { $0 == "task.status_changed" }.count == 2
        }
        let change = try await d.history("type=task.status_changed&limit=10").last
        #expect(change?["data"]?["from"] == "open" && change?["data"]?["to"] == "in_progress" && change?["data"]?["task_id"] == .string(id))

        // Delete with a stale ETag: 412; then gone.
        #expect(try await d.request("DELETE", "/v1/tasks/\(id)", headers: ["If-Match": etag]).status == 412)
        #expect(try await d.request("DELETE", "/v1/tasks/\(id)").status == 204)
        #expect(try await d.get("/v1/tasks/\(id)").status == 404)
        #expect(try await d.get("/v1/storage/containers/tasks/documents").status == 200, "kept through the storage provider")
    }

    static let taskPlan: JSONValue = [
        "name": "follow up", "graph_type": "acyclic",
        "events": [["name": "go", "kind": "manual"], ["name": "made"]],
        "steps": [["name": "make", "on": ["go"], "action": "task.create",
                   "args": ["title": "Follow up with {{ event.data.who }}", "assignee": "{{ event.data.who }}", "priority": "high"], "emits": ["made"]]],
    ]

    @Test func aPlanStepCreatesATask() async throws {
        let d = try await TestDaemon.start()
        let actions = try await d.get("/v1/actions").json["actions"]?.arrayValue ?? []
        let builtin = actions.first { $0["name"] == "task.create" }
        #expect(builtin?["provided_by"] == "lightning" && builtin?["required_args"] == ["title"])
        #expect(builtin?["input_schema"]?["properties"]?["priority"]?["enum"] == ["low", "medium", "high"])
        #expect(try await d.put("/v1/plans/follow", Self.taskPlan).status == 201)
        let run = try await d.post("/v1/plans/follow/runs", ["data": ["who": "ada"]]).json
        let runId = try #require(run["run_id"]?.stringValue)
        try await d.eventually("run completed") { try await d.get("/v1/runs/\(runId)").json["status"] != "running" }
        let done = try await d.get("/v1/runs/\(runId)").json
        #expect(done["status"] == "completed", "\(done)")
        let tasks = try await Self.tasks(d, "&source=plan_run")
        #expect(tasks.count == 1)
        #expect(tasks.first?["title"] == "Follow up with ada" && tasks.first?["assignee"] == "ada" && tasks.first?["run_id"] == .string(runId))
        #expect(done["steps"]?.arrayValue?.first?["output"]?["id"] == tasks.first?["id"], "the task is the step's output")
        let created = try await d.history("type=task.created&limit=5").first
        #expect(created?["correlation_id"] == .string(runId))
    }

    /// The daemon dies (SIGKILL, from the test hook) after the step created its task and before it
    /// saved the result; the restarted daemon runs the step again with the same idempotency key,
    /// finds the task, and the run completes with exactly one task.
    @Test func aTaskCreateStepRunsOnceAcrossKill9() async throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("lt-kill-\(UUID().uuidString)")
        try Data().write(to: marker)
        let d = try await TestDaemon.start(environment: ["LIGHTNING_TEST_KILL_AFTER_ACTION": "task.create:\(marker.path)"])
        #expect(try await d.put("/v1/plans/follow", Self.taskPlan).status == 201)
        _ = try? await d.post("/v1/plans/follow/runs", ["data": ["who": "grace"]])  // may die before it answers
        let code = try await d.process.wait(timeout: .seconds(30))
        #expect(code == 128 + SIGKILL, "the daemon was killed after the action")
        #expect(!FileManager.default.fileExists(atPath: marker.path))
        try await d.restart()
        try await d.eventually("the run resumed and completed") {
            let runs = try await d.get("/v1/plans/follow/runs").json["runs"]?.arrayValue ?? []
            return runs.count == 1 && runs.first?["status"] == "completed"
        }
        let tasks = try await Self.tasks(d, "&source=plan_run")
        #expect(tasks.count == 1, "\(tasks)")
        #expect(tasks.first?["title"] == "Follow up with grace")
        #expect(try await d.history("type=task.created&limit=10").count == 1, "the repeated create published nothing")
    }

    @Test func instructionsActOnMatchingEvents() async throws {
        let d = try await TestDaemon.start()
        // Every problem at once, with paths.
        let bad = try await d.put("/v1/instructions/broken", ["trigger": ["event_type": "a..b"], "action": ["type": "mail"]])
        #expect(bad.status == 400)
        let m = bad.json["error"]?["message"]?.stringValue ?? ""
        #expect(m.contains("$.trigger.event_type") && m.contains("$.action.type"), "\(m)")

        let saved = try await d.put("/v1/instructions/vip-orders", [
            "trigger": ["event_type": "order.*", "conditions": ["data": ["country": "NO"], "contains": ["tags": "vip"]]],
            "action": ["type": "create_task", "config": ["title": "Call {{ event.data.customer }}", "priority": "high"]],
        ])
        #expect(saved.status == 201, "\(saved.text)")
        #expect(try await d.put("/v1/instructions/echoes", [
            "trigger": ["event_type": "order.placed"],
            "action": ["type": "emit_event", "config": ["type": "order.seen", "data": ["customer": "{{ event.data.customer }}"]]],
        ]).status == 201)
        #expect(try await d.put("/v1/instructions/no-plan", [
            "trigger": ["event_type": "order.cancelled"], "action": ["type": "run_plan", "config": ["plan": "nowhere"]],
        ]).status == 201)

        let hit = try await d.publish(["type": "order.placed", "data": ["country": "NO", "tags": ["vip"], "customer": "Ada"]])
        _ = try await d.publish(["type": "order.placed", "data": ["country": "SE", "tags": ["vip"], "customer": "Bo"]])
        try await d.eventually("the task of the matching event") { try await Self.tasks(d, "&source=instruction").count == 1 }
        let task = try #require(try await Self.tasks(d, "&source=instruction").first)
        #expect(task["title"] == "Call Ada" && task["priority"] == "high" && task["instruction"] == "vip-orders")
        try await d.eventually("emitted events") { try await d.history("type=order.seen&limit=10").count == 2 }
        let seen = try await d.history("type=order.seen&limit=10")
        #expect(seen.contains { $0["correlation_id"] == .string(hit) && $0["data"]?["customer"] == "Ada" })
        #expect(seen.allSatisfy { $0["metadata"]?["lt.hops"] == 1 })
        try await d.eventually("counts") { try await d.get("/v1/instructions/echoes").json["execution_count"] == 2 }
        let vip = try await d.get("/v1/instructions/vip-orders").json
        #expect(vip["execution_count"] == 1 && vip["last_executed_at"] != nil)
        let executed = try await d.history("type=instruction.executed&limit=10")
        #expect(executed.contains { $0["data"]?["instruction"] == "vip-orders" && $0["correlation_id"] == .string(hit) && $0["data"]?["result"]?["task_id"] == task["id"] })

        // A failing action is reported, not counted.
        _ = try await d.publish(["type": "order.cancelled"])
        try await d.eventually("instruction.failed") { try await d.history("type=instruction.failed&limit=10").count == 1 }
        let failed = try await d.history("type=instruction.failed&limit=10").first
        #expect(failed?["data"]?["instruction"] == "no-plan")
        #expect(failed?["data"]?["reason"]?.stringValue?.contains("nowhere") == true, "\(failed ?? .null)")
        #expect(try await d.get("/v1/instructions/no-plan").json["execution_count"] == 0)

        // Disabled: nothing; saving again keeps the counts; enabled again: acts.
        #expect(try await d.post("/v1/instructions/echoes/disable", [:]).json["enabled"] == false)
        _ = try await d.publish(["type": "order.placed", "data": ["customer": "Cy"]])
        let marker = try await d.publish(["type": "order.marker"])
        _ = marker
        try await Task.sleep(for: .seconds(1))
        #expect(try await d.history("type=order.seen&limit=10").count == 2, "a disabled instruction does nothing")
        let resaved = try await d.put("/v1/instructions/echoes", [
            "enabled": true, "trigger": ["event_type": "order.placed"],
            "action": ["type": "emit_event", "config": ["type": "order.seen"]],
        ])
        #expect(resaved.status == 200 && resaved.json["execution_count"] == 2)
        _ = try await d.publish(["type": "order.placed", "data": ["customer": "Di"]])
        try await d.eventually("acts again") { try await d.history("type=order.seen&limit=10").count == 3 }
        #expect((try await d.get("/v1/instructions").json["instructions"]?.arrayValue ?? []).map { $0["name"] } == ["echoes", "no-plan", "vip-orders"])
        #expect(try await d.request("DELETE", "/v1/instructions/echoes").status == 204)
        #expect(try await d.get("/v1/instructions/echoes").status == 404)
        let subs = try await d.get("/v1/subscriptions").text
        #expect(subs.contains("instructions"), "the engine's own subscription")
        // The engine stops with the daemon: SIGTERM ends it cleanly while it is receiving.
        let t0 = ContinuousClock.now
        #expect(try await d.stop() == 0)
        #expect(ContinuousClock.now - t0 < .seconds(10))
    }

    @Test func anInstructionStartsAPlanRun() async throws {
        let d = try await TestDaemon.start()
        #expect(try await d.put("/v1/plans/follow", Self.taskPlan).status == 201)
        #expect(try await d.put("/v1/instructions/on-signup", [
            "trigger": ["event_type": "user.signed_up"], "action": ["type": "run_plan", "config": ["plan": "follow", "data": ["who": "{{ event.data.name }}"]]],
        ]).status == 201)
        _ = try await d.publish(["type": "user.signed_up", "data": ["name": "Lin"]])
        try await d.eventually("the run's task") { try await Self.tasks(d, "&source=plan_run").first?["title"] == "Follow up with Lin" }
        let runs = try await d.get("/v1/plans/follow/runs").json["runs"]?.arrayValue ?? []
        #expect(runs.count == 1)
    }

    /// An agent receives each attempt's idempotency key as the event's `idempotency_key`.
    @Test func anAgentStepGetsTheAttemptsIdempotencyKey() async throws {
        let agent = """
            {"manifest_version": 1, "id": "key-agent", "name": "Key agent", "version": "1.0.0", "kind": "agent",
             "capabilities": ["test.*"], "actions": [{"name": "test.key", "input_schema": {"type": "object"}}],
             "process": {"command": "lt-test-child", "args": ["well"]}}
            """
        let d = try await TestDaemon.start(manifests: { !$0.contains("agent") }, extraManifests: ["key-agent.json": agent])
        try await d.eventually("agent ready") { try await d.get("/v1/processes/key-agent").json["state"] == "ready" }
        #expect(try await d.put("/v1/plans/keyed", [
            "name": "keyed", "graph_type": "acyclic", "events": [["name": "go", "kind": "manual"], ["name": "done"]],
            "steps": [["name": "ask", "on": ["go"], "action": "test.key", "emits": ["done"]]],
        ]).status == 201)
        let runId = try #require(try await d.post("/v1/plans/keyed/runs", [:]).json["run_id"]?.stringValue)
        try await d.eventually("completed") { try await d.get("/v1/runs/\(runId)").json["status"] == "completed" }
        let run = try await d.get("/v1/runs/\(runId)").json
        #expect(run["steps"]?.arrayValue?.first?["output"]?["idempotency_key"] == .string("\(runId)/ask#1/1"), "\(run)")
    }

    @Test func anInstructionInvokesAFunction() async throws {
        let d = try await TestDaemon.start(manifests: { !$0.contains("agent") }, agents: true)
        #expect(try await d.put("/v1/instructions/count-words", [
            "trigger": ["event_type": "note.saved", "conditions": ["contains": ["text": "lightning"]]],
            "action": ["type": "invoke_function", "config": ["function": "wordcount", "input": ["text": "{{ event.data.text }}"]]],
        ]).status == 201)
        let skipped = try await d.publish(["type": "note.saved", "data": ["text": "nothing to see"]])
        let hit = try await d.publish(["type": "note.saved", "data": ["text": "lightning strikes twice"]])
        try await d.eventually("executed") { try await d.history("type=instruction.executed&limit=10").count == 1 }
        let done = try #require(try await d.history("type=instruction.executed&limit=10").first)
        #expect(done["correlation_id"] == .string(hit) && done["correlation_id"] != .string(skipped))
        #expect(done["data"]?["result"]?["output"]?["words"] == 3, "\(done)")
        #expect(try await d.get("/v1/instructions/count-words").json["execution_count"] == 1)
    }

    @Test func theCLIManagesTasksInstructionsAndWatchesRuns() async throws {
        let d = try await TestDaemon.start()
        let (c1, out1, err1) = try await d.cli(["tasks", "create", "Water the plants", "--assignee", "ada", "--priority", "low"])
        #expect(c1 == 0, "\(err1)")
        let id = String(out1.split(separator: " ").first ?? "")
        #expect(id.hasPrefix("task_") && out1.contains("[open] Water the plants"), "\(out1)")
        let (c2, out2, _) = try await d.cli(["tasks", "list", "--assignee", "ada"])
        #expect(c2 == 0 && out2.contains(id) && out2.contains("low"))
        let (c3, out3, _) = try await d.cli(["tasks", "done", id])
        #expect(c3 == 0 && out3.contains("[done]"))
        let (c4, _, err4) = try await d.cli(["tasks", "update", id, "--status", "in_progress"])
        #expect(c4 == 1 && err4.contains("cannot move from done to in_progress"), "\(err4)")
        let (c5, _, _) = try await d.cli(["tasks", "rm", id])
        #expect(c5 == 0)
        #expect(try await d.get("/v1/tasks/\(id)").status == 404)

        let file = d.root.appendingPathComponent("greet.json")
        try Wire.encode([
            "name": "greet", "trigger": ["event_type": "visitor.*"], "action": ["type": "create_task", "config": ["title": "Greet {{ event.data.name }}"]],
        ] as JSONValue).write(to: file)
        let (c6, out6, err6) = try await d.cli(["instructions", "apply", "-f", file.path])
        #expect(c6 == 0 && out6.contains("saved instruction greet (enabled)"), "\(out6) \(err6)")
        let (c7, out7, _) = try await d.cli(["instructions", "disable", "greet"])
        #expect(c7 == 0 && out7.contains("disabled greet"))
        let (c8, out8, _) = try await d.cli(["instructions", "list"])
        #expect(c8 == 0 && out8.contains("greet") && out8.contains("false") && out8.contains("visitor.*"))
        let (c9, _, _) = try await d.cli(["instructions", "rm", "greet"])
        #expect(c9 == 0)

        // runs watch: exit 0 for a completed run, 1 for a failed one.
        #expect(try await d.put("/v1/plans/follow", Self.taskPlan).status == 201)
        let ok = try #require(try await d.post("/v1/plans/follow/runs", ["data": ["who": "ada"]]).json["run_id"]?.stringValue)
        let (w1, wout1, _) = try await d.cli(["runs", "watch", ok, "--timeout", "60"])
        #expect(w1 == 0 && wout1.contains("make: succeeded") && wout1.contains("completed"), "\(wout1)")
        let failing: JSONValue = [
            "name": "bad task", "graph_type": "acyclic",
            "events": [["name": "go", "kind": "manual"], ["name": "made"]],
            "steps": [["name": "make", "on": ["go"], "action": "task.create", "args": ["title": "x", "priority": "urgent"], "emits": ["made"]]],
        ]
        #expect(try await d.put("/v1/plans/failing", failing).status == 201)
        let bad = try #require(try await d.post("/v1/plans/failing/runs", ["data": ["who": "ada"]]).json["run_id"]?.stringValue)
        let (w2, wout2, _) = try await d.cli(["runs", "watch", bad, "--timeout", "60"])
        #expect(w2 == 1 && wout2.contains("failed") && wout2.contains("urgent"), "\(wout2)")
    }

    /// Tasks and instructions live in the storage provider: they follow a swap to Cosmos DB (its
    /// loopback fake) with the copy, and keep working there: filters, If-Match, instruction counts.
    @Test func tasksAndInstructionsFollowAStorageSwapToCosmos() async throws {
        let cosmos = try await FakeServer(script: "cosmos_fake.py")
        let d = try await TestDaemon.start(manifests: { $0 != "c-example-driver.json" })
        let before = try await d.post("/v1/tasks", ["title": "before the swap", "assignee": "ada"])
        #expect(before.status == 201)
        let id = try #require(before.json["id"]?.stringValue)
        #expect(try await d.put("/v1/instructions/count-pings", [
            "trigger": ["event_type": "ping"], "action": ["type": "create_task", "config": ["title": "pinged {{ event.data.n }}", "assignee": "bot"]],
        ]).status == 201)
        _ = try await d.publish(["type": "ping", "data": ["n": 1]])
        try await d.eventually("first ping counted") { try await d.get("/v1/instructions/count-pings").json["execution_count"] == 1 }

        let swap = try await d.put("/v1/providers/storage", ["plugin": "cosmos-storage", "copy": true, "probation_ms": 200, "config": [
            "endpoint": .string(cosmos.baseURL),
            "key": "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="]])
        #expect(swap.status == 200, "\(swap.text)")
        let read = try await d.get("/v1/tasks/\(id)")
        #expect(read.status == 200 && read.json["title"] == "before the swap", "\(read.text)")
        #expect(try await d.get("/v1/storage/containers/tasks/documents/\(id)").headers["x-lightning-provider"]?.hasPrefix("cosmos-storage@") == true)
        let etag = try #require(read.headers["etag"])
        #expect(try await d.request("PATCH", "/v1/tasks/\(id)", body: try Wire.encode(["status": "done"] as JSONValue), headers: ["If-Match": etag]).status == 200)
        #expect(try await d.request("PATCH", "/v1/tasks/\(id)", body: try Wire.encode(["title": "x"] as JSONValue), headers: ["If-Match": etag]).status == 412)
        #expect(try await Self.tasks(d, "&assignee=ada&status=done").map { $0["id"] } == [.string(id)])

        // The instruction came along, with its count; it keeps counting on Cosmos DB.
        _ = try await d.publish(["type": "ping", "data": ["n": 2]])
        try await d.eventually("second ping counted on Cosmos") { try await d.get("/v1/instructions/count-pings").json["execution_count"] == 2 }
        #expect(Set(try await Self.tasks(d, "&assignee=bot").compactMap { $0["title"]?.stringValue }) == ["pinged 1", "pinged 2"])
    }
}
