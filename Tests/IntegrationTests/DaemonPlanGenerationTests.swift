import Foundation
import LightningProtocol
import LightningTestSupport
import Testing

/// Plan generation through the planner agent (`lightning planner-agent`, a supervised child) and a
/// loopback chat-completions fake (`Tests/Fakes/chat_fake.py`): the invalid first answer goes back
/// as a critic message with the validator's problems, the second is valid; a critique revises a
/// saved plan; without an endpoint the route answers 503 naming the setting; the key is never shown.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DaemonPlanGenerationTests {
    static let key = "sk-test-0123456789-secret"

    static let invalid: JSONValue = [
        "name": "mail the team", "graph_type": "acyclic",
        "events": [["name": "go", "kind": "manual"], ["name": "sent"]],
        "steps": [["name": "mail", "on": ["go"], "action": "email.send", "args": ["to": "team"], "emits": ["sent"]]],
    ]
    static let valid: JSONValue = [
        "name": "remind the team", "graph_type": "acyclic", "description": "a task instead of a mail",
        "events": [["name": "go", "kind": "manual"], ["name": "made"]],
        "steps": [["name": "remind", "on": ["go"], "action": "task.create", "args": ["title": "Remind the team"], "emits": ["made"]]],
    ]
    static let revised: JSONValue = [
        "name": "remind the team daily", "graph_type": "acyclic",
        "events": [["name": "go", "kind": "time.cron", "schedule": "0 9 * * *"], ["name": "made"]],
        "steps": [["name": "remind", "on": ["go"], "action": "task.create", "args": ["title": "Remind the team", "priority": "high"], "emits": ["made"]]],
    ]

    static func text(_ v: JSONValue) throws -> String { String(decoding: try Wire.encode(v), as: UTF8.self) }

    /// A fake answering `answers` in order, and a daemon whose planner agent talks to it.
    static func start(_ answers: [String], configured: Bool = true, agent: Bool = true) async throws -> (TestDaemon, FakeServer) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("lt-chat-\(UUID().uuidString).json")
        try Wire.encode(JSONValue.array(answers.map(JSONValue.string))).write(to: file)
        let fake = try await FakeServer(script: "chat_fake.py", args: ["--key", key, "--responses", file.path])
        let manifest = try String(contentsOf: BuildProducts.repoRoot.appendingPathComponent("manifests/optional/planner-agent.json"), encoding: .utf8)
        let env = configured ? ["LIGHTNING_PLANNER_BASE_URL": fake.baseURL + "/v1", "LIGHTNING_PLANNER_MODEL": "fake-model",
                                "LIGHTNING_PLANNER_API_KEY": key] : [:]
        let d = try await TestDaemon.start(extraManifests: agent ? ["planner-agent.json": manifest] : [:], environment: env)
        if agent {
            try await d.eventually("planner agent ready") { try await d.get("/v1/processes/planner-agent").json["state"] == "ready" }
        }
        return (d, fake)
    }

    static func requests(_ fake: FakeServer) throws -> [JSONValue] {
        let data = try Data(contentsOf: URL(string: fake.baseURL + "/_fake/requests")!)
        return try Wire.decode(JSONValue.self, from: data)["requests"]?.arrayValue ?? []
    }

    @Test func anInvalidAnswerGoesBackAsACriticAndTheRetryIsValid() async throws {
        let (d, fake) = try await Self.start([try Self.text(Self.invalid), "```json\n\(try Self.text(Self.valid))\n```", try Self.text(Self.revised)])
        let r = try await d.post("/v1/plans/generate", ["description": "Remind the team every morning", "graph_type": "acyclic"])
        #expect(r.status == 200, "\(r.text)")
        #expect(r.json["valid"] == true && r.json["attempts"] == 2 && r.json["model"] == "fake-model")
        #expect(r.json["plan"]?["name"] == "remind the team")
        let sent = try Self.requests(fake)
        #expect(sent.count == 2)
        let first = sent.first?["messages"]?.arrayValue ?? []
        #expect(first.first?["role"] == "system" && first.first?["content"]?.stringValue?.contains("task.create") == true)
        #expect(first.last?["content"]?.stringValue?.contains("Remind the team every morning") == true)
        let critic = sent.last?["messages"]?.arrayValue?.last
        #expect(critic?["role"] == "user")
        let criticText = critic?["content"]?.stringValue ?? ""
        #expect(criticText.contains("$.steps[0].action") && criticText.contains("email.send") && criticText.contains("[unknown_action]"), "\(criticText)")
        #expect(sent.last?["response_format"]?["type"] == "json_object")

        // A critique revises the saved plan and saves the revision as version 2.
        #expect(try await d.put("/v1/plans/reminder", r.json["plan"] ?? .null).status == 201)
        let c = try await d.post("/v1/plans/reminder/critique", ["critique": "Run it every day at nine, high priority.", "save": true])
        #expect(c.status == 200, "\(c.text)")
        #expect(c.json["saved"]?["version"] == 2 && c.json["plan"]?["name"] == "remind the team daily")
        #expect(try await d.get("/v1/plans/reminder").json["plan"]?["events"]?.arrayValue?.first?["kind"] == "time.cron")
        let third = try Self.requests(fake).last?["messages"]?.arrayValue?.last?["content"]?.stringValue ?? ""
        #expect(third.contains("Run it every day at nine") && third.contains("\"remind the team\""), "\(third)")

        // The key is a secret: never in the config's display nor in the daemon's log.
        let config = try await d.get("/v1/config").text
        #expect(!config.contains(Self.key))
        #expect(!d.process.stderr.contains(Self.key))

        // The CLI.
        let (code, out, err) = try await d.cli(["plans", "generate", "Remind the team", "--graph-type", "acyclic"])
        #expect(code == 0, "\(err)")
        #expect(out.contains("remind the team daily"), "the fake's last answer repeats: \(out)")
    }

    @Test func noValidPlanAfterTheLastAttemptIs422WithTheProblems() async throws {
        let (d, fake) = try await Self.start([try Self.text(Self.invalid)])
        let r = try await d.post("/v1/plans/generate", ["description": "mail the team", "max_attempts": 2])
        #expect(r.status == 422, "\(r.text)")
        #expect(r.json["valid"] == false && r.json["attempts"] == 2)
        #expect((r.json["problems"]?.arrayValue ?? []).contains { $0["rule"] == "unknown_action" })
        #expect(try Self.requests(fake).count == 2)
        let bad = try await d.post("/v1/plans/generate", ["description": "x", "graph_type": "circular"])
        #expect(bad.status == 400)
    }

    @Test func withoutAnEndpointTheRouteIs503NamingTheSetting() async throws {
        let (d, _) = try await Self.start(["{}"], configured: false)
        let r = try await d.post("/v1/plans/generate", ["description": "anything"])
        #expect(r.status == 503)
        #expect(r.json["error"]?["message"]?.stringValue?.contains("\"base_url\"") == true, "\(r.text)")
        #expect(r.json["error"]?["message"]?.stringValue?.contains("LIGHTNING_PLANNER_BASE_URL") == true)
        let (d2, _) = try await Self.start(["{}"], configured: false, agent: false)
        let r2 = try await d2.post("/v1/plans/generate", ["description": "anything"])
        #expect(r2.status == 503)
        #expect(r2.json["error"]?["message"]?.stringValue?.contains("planner agent") == true, "\(r2.text)")
    }
}
