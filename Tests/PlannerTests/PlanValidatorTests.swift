import Foundation
import LightningPlanner
import LightningProtocol
import Testing

/// Plan validation: every problem at once, each with its JSON path and rule.
@Suite struct PlanValidatorTests {
    static let catalog = ActionCatalog([
        .init(name: "llm.summarize", providedBy: "summarizer", requiredArgs: ["text"]),
        .init(name: "chat.send", providedBy: "chat-agent", requiredArgs: ["channel", "content"]),
        .init(name: "echo.request", providedBy: "echo-driver"),
    ])

    /// The original planner's example: an interval event triggers a summary, whose output triggers a message.
    static let example = """
        {"name": "email digest", "graph_type": "acyclic",
         "events": [
           {"name": "event.email.check", "kind": "time.interval", "schedule": "PT1H"},
           {"name": "event.summary_ready"},
           {"name": "event.sent"}],
         "steps": [
           {"name": "summarize", "on": ["event.email.check"], "action": "llm.summarize",
            "args": {"text": "{{ event.data.body }}"}, "emits": ["event.summary_ready"]},
           {"name": "notify", "on": ["event.summary_ready"], "action": "chat.send",
            "args": {"channel": "team", "content": "Summary: {{ event.data.summary }}"}, "emits": ["event.sent"],
            "guard": "event.data.summary != null"}]}
        """

    static func validate(_ text: String) -> (Plan?, [PlanProblem]) {
        PlanValidator.validate(Data(text.utf8), actions: catalog)
    }

    @Test func theOriginalExampleIsValid() {
        let (plan, problems) = Self.validate(Self.example)
        #expect(problems == [])
        #expect(plan?.steps.map(\.name) == ["summarize", "notify"])
        #expect(plan?.externalEvents.map(\.name) == ["event.email.check"])
    }

    @Test func shapeProblemsAreAllReportedWithTheirPaths() {
        let (plan, problems) = Self.validate("""
            {"name": "x", "graph_type": "circular", "colour": 1,
             "events": [{"name": "a", "kind": "time.hourly"}, {"kind": "manual"}, 3],
             "steps": [{"name": "s", "on": "a", "action": "echo.request", "timeout_ms": 0, "retry": {"max_attempts": 0, "jitter": 1}}]}
            """)
        #expect(plan == nil)
        let got = Set(problems.map { "\($0.path) \($0.rule.rawValue)" })
        #expect(got == [
            "$.colour unknown_field", "$.graph_type invalid_value", "$.events[0].kind invalid_value", "$.events[1].name missing_field",
            "$.events[2] wrong_type", "$.steps[0].on wrong_type", "$.steps[0].timeout_ms invalid_value",
            "$.steps[0].retry.jitter unknown_field", "$.steps[0].retry.max_attempts invalid_value",
        ])
    }

    @Test func notJSONIsOneProblem() {
        let (_, problems) = Self.validate("{ not json")
        #expect(problems.map(\.rule) == [.invalidJSON])
    }

    @Test func eventRulesNameTheEventAndTheRule() {
        let (_, problems) = Self.validate("""
            {"name": "x", "graph_type": "acyclic",
             "events": [
               {"name": "cron", "kind": "time.cron", "schedule": "61 * * * *"},
               {"name": "every", "kind": "time.interval", "schedule": "1 hour"},
               {"name": "nosched", "kind": "time.cron"},
               {"name": "hook", "kind": "webhook", "schedule": "PT1H"},
               {"name": "internal", "schedule": "PT1M"},
               {"name": "zone", "kind": "time.cron", "schedule": "0 9 * * *", "timezone": "Mars/Olympus"},
               {"name": "cron", "kind": "manual"},
               {"name": "done"}],
             "steps": [{"name": "s", "on": ["cron", "every", "nosched", "hook", "internal", "zone"], "action": "echo.request", "emits": ["done"]}]}
            """)
        let got = problems.map { "\($0.path) \($0.rule.rawValue)" }
        #expect(got.contains("$.events[0].schedule bad_schedule"))
        #expect(got.contains("$.events[1].schedule bad_schedule"))
        #expect(got.contains("$.events[2].schedule external_event"))
        #expect(got.contains("$.events[3].schedule external_event"))
        #expect(got.contains("$.events[4].schedule internal_event"))
        #expect(got.contains("$.events[5].timezone bad_schedule"))
        #expect(got.contains("$.events[6].name duplicate_name"))
        #expect(problems.first { $0.path == "$.events[0].schedule" }?.message == "event \"cron\": \"61 * * * *\": minute field: 61 is outside 0–59")
    }

    @Test func unknownActionsListTheKnownOnesAndMissingArgumentsAreNamed() {
        let (_, problems) = Self.validate("""
            {"name": "x", "graph_type": "acyclic",
             "events": [{"name": "go", "kind": "manual"}, {"name": "a"}, {"name": "b"}],
             "steps": [
               {"name": "one", "on": ["go"], "action": "email.send", "emits": ["a"]},
               {"name": "two", "on": ["a"], "action": "chat.send", "args": {"channel": "c"}, "emits": ["b"]}]}
            """)
        #expect(problems.map(\.description) == [
            "$.steps[0].action: step \"one\": no loaded driver, agent or function provides \"email.send\"; known: chat.send, echo.request, llm.summarize [unknown_action]",
            "$.steps[1].args.content: step \"two\": action chat.send (from chat-agent) requires argument \"content\" [missing_argument]",
        ])
    }

    @Test func unknownEventsGuardsAndTemplatesAreReported() {
        let (_, problems) = Self.validate("""
            {"name": "x", "graph_type": "acyclic",
             "events": [{"name": "go", "kind": "manual"}, {"name": "done"}],
             "steps": [{"name": "s", "on": ["go", "nowhere"], "action": "echo.request", "emits": ["done", "elsewhere"],
                        "guard": "event.data.n >", "args": {"x": "{{ event.data.y", "z": "{{ 1 + 2 }}"}}]}
            """)
        let got = Set(problems.map { "\($0.path) \($0.rule.rawValue)" })
        #expect(got == ["$.steps[0].on[1] unknown_event", "$.steps[0].emits[1] unknown_event", "$.steps[0].guard bad_guard",
                        "$.steps[0].args.x bad_template", "$.steps[0].args.z bad_template"])
    }

    @Test func anAcyclicPlanWithACycleNamesTheCycle() {
        let (_, problems) = Self.validate("""
            {"name": "x", "graph_type": "acyclic",
             "events": [{"name": "go", "kind": "manual"}, {"name": "a"}, {"name": "b"}, {"name": "done"}],
             "steps": [
               {"name": "first", "on": ["go"], "action": "echo.request", "emits": ["a"]},
               {"name": "ping", "on": ["a"], "action": "echo.request", "emits": ["b"]},
               {"name": "pong", "on": ["b"], "action": "echo.request", "emits": ["a", "done"]}]}
            """)
        let cycle = problems.first { $0.rule == .cycle }
        #expect(cycle?.message == "an acyclic plan has a cycle: ping → b → pong → a → ping")
    }

    @Test func aPlanWithoutAnOutcomeIsNoWorkflowNet() {
        let (_, problems) = Self.validate("""
            {"name": "x", "graph_type": "reactive",
             "events": [{"name": "go", "kind": "manual"}, {"name": "a"}],
             "steps": [{"name": "loop", "on": ["a"], "action": "echo.request", "emits": ["a"]},
                       {"name": "start", "on": ["go"], "action": "echo.request", "emits": ["a"]}]}
            """)
        #expect(problems.contains { $0.rule == .notWorkflowNet && $0.message.contains("does not lead to an outcome") })
    }

    @Test func anUnreachableStepIsNoWorkflowNet() {
        let (_, problems) = Self.validate("""
            {"name": "x", "graph_type": "acyclic",
             "events": [{"name": "go", "kind": "manual"}, {"name": "orphan"}, {"name": "done"}, {"name": "other"}],
             "steps": [{"name": "s", "on": ["go"], "action": "echo.request", "emits": ["done"]},
                       {"name": "lost", "on": ["orphan"], "action": "echo.request", "emits": ["other"]}]}
            """)
        #expect(problems.map(\.message).contains("step lost is not reachable from the plan's external events"))
    }

    @Test func anUnsoundPlanIsRefusedWithAFiringSequence() {
        // Two outcomes, but a choice produces only one of them: the (end) join waits forever.
        let (_, problems) = Self.validate("""
            {"name": "x", "graph_type": "acyclic",
             "events": [{"name": "go", "kind": "manual"}, {"name": "yes"}, {"name": "no"}],
             "steps": [{"name": "accept", "on": ["go"], "action": "echo.request", "emits": ["yes"]},
                       {"name": "reject", "on": ["go"], "action": "echo.request", "emits": ["no"]}]}
            """)
        let unsound = problems.filter { $0.rule == .unsound }
        #expect(unsound.first?.message == "the plan can get stuck: after (start) → accept the marking {yes: 1} can no longer reach the end")
    }

    @Test func noExternalEventIsReported() {
        let (_, problems) = Self.validate("""
            {"name": "x", "graph_type": "acyclic", "events": [{"name": "a"}, {"name": "b"}],
             "steps": [{"name": "s", "on": ["a"], "action": "echo.request", "emits": ["b"]}]}
            """)
        #expect(problems.first?.rule == .externalEvent)
    }
}
