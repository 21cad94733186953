import Foundation
import LightningPlanner
import LightningProtocol
import Testing

/// A plan run's decisions without I/O: firing order, templates, guards, retries, completion,
/// stuck runs, cancellation, and what a restarted executor runs again.
@Suite struct PlanRunMachineTests {
    static func plan(_ json: String) throws -> Plan {
        let (plan, problems) = PlanParser.parse(Data(json.utf8))
        #expect(problems == [])
        return try #require(plan)
    }

    static let sequence = """
        {"name": "digest", "graph_type": "acyclic",
         "events": [{"name": "check", "kind": "manual"}, {"name": "summary"}, {"name": "sent"}],
         "steps": [
           {"name": "summarize", "on": ["check"], "action": "llm.summarize", "args": {"text": "{{ event.data.body }}", "run": "{{ run.id }}"},
            "emits": ["summary"], "retry": {"max_attempts": 3, "backoff_ms": 100}},
           {"name": "notify", "on": ["summary"], "action": "chat.send", "args": {"content": "Summary: {{ event.data.summary }}"},
            "emits": ["sent"], "guard": "event.data.summary != null"}]}
        """

    static func executes(_ actions: [PlanRunMachine.Action]) -> [String] {
        actions.compactMap { if case .execute(_, let step, _, _, _, _) = $0 { return step } else { return nil } }
    }

    static func published(_ actions: [PlanRunMachine.Action]) -> [String] {
        actions.compactMap { if case .publish(let type, _) = $0 { return type } else { return nil } }
    }

    @Test func aSequenceRunsStepByStepWithTemplatedArgs() throws {
        var m = PlanRunMachine(runId: "r1", planId: "digest", version: 2, plan: try Self.plan(Self.sequence))
        let a1 = try m.start(event: "check", data: ["body": "long mail"])
        #expect(Self.published(a1) == ["plan.run.started", "plan.step.started"])
        #expect(a1.contains(.execute(firing: 1, step: "summarize", action: "llm.summarize", args: ["text": "long mail", "run": "r1"], attempt: 1, timeoutMs: nil)))
        let a2 = m.stepSucceeded(firing: 1, output: ["summary": "short"])
        #expect(a2.contains(.execute(firing: 2, step: "notify", action: "chat.send", args: ["content": "Summary: short"], attempt: 1, timeoutMs: nil)))
        let a3 = m.stepSucceeded(firing: 2, output: ["ok": true])
        #expect(Self.published(a3) == ["plan.step.completed", "plan.run.completed"])
        #expect(m.status == .completed)
        #expect(m.marking["sent"] == [["ok": true]])
    }

    @Test func aParallelSplitJoinsWhenBothBranchesAreDone() throws {
        var m = PlanRunMachine(runId: "r", planId: "p", version: 1, plan: try Self.plan("""
            {"name": "fan", "graph_type": "acyclic",
             "events": [{"name": "go", "kind": "webhook"}, {"name": "x"}, {"name": "y"}, {"name": "x2"}, {"name": "y2"}, {"name": "done"}],
             "steps": [{"name": "split", "on": ["go"], "action": "a", "emits": ["x", "y"]},
                       {"name": "left", "on": ["x"], "action": "a", "emits": ["x2"]},
                       {"name": "right", "on": ["y"], "action": "a", "emits": ["y2"]},
                       {"name": "join", "on": ["x2", "y2"], "action": "a", "args": {"l": "{{ events[\\"x2\\"].data.n }}"}, "emits": ["done"]}]}
            """))
        #expect(Self.executes(try m.start(event: "go", data: [:])) == ["split"])
        #expect(Self.executes(m.stepSucceeded(firing: 1, output: [:])) == ["left", "right"])
        #expect(Self.executes(m.stepSucceeded(firing: 3, output: ["n": 2])) == [], "the join waits for the left branch")
        let a = m.stepSucceeded(firing: 2, output: ["n": 1])
        #expect(a.contains(.execute(firing: 4, step: "join", action: "a", args: ["l": 1], attempt: 1, timeoutMs: nil)))
        _ = m.stepSucceeded(firing: 4, output: [:])
        #expect(m.status == .completed)
    }

    @Test func aFailedStepIsRetriedWithGrowingBackoffThenFailsTheRun() throws {
        var m = PlanRunMachine(runId: "r", planId: "p", version: 1, plan: try Self.plan(Self.sequence))
        _ = try m.start(event: "check", data: ["body": "b"])
        let f1 = m.stepFailed(firing: 1, reason: "model overloaded")
        #expect(f1.last == .retry(firing: 1, afterMs: 100))
        #expect(Self.executes(m.retryDue(firing: 1)) == ["summarize"])
        #expect(m.stepFailed(firing: 1, reason: "model overloaded").last == .retry(firing: 1, afterMs: 200))
        _ = m.retryDue(firing: 1)
        let f3 = m.stepFailed(firing: 1, reason: "model overloaded")
        #expect(Self.published(f3) == ["plan.step.failed", "plan.run.failed"])
        #expect(m.status == .failed)
        #expect(m.reason == "step summarize failed after 3 attempts: model overloaded")
    }

    @Test func aFalseGuardLeavesTheRunStuckAndSaysWhere() throws {
        var m = PlanRunMachine(runId: "r", planId: "p", version: 1, plan: try Self.plan(Self.sequence))
        _ = try m.start(event: "check", data: ["body": "b"])
        let a = m.stepSucceeded(firing: 1, output: ["nothing": true])
        #expect(Self.executes(a) == [])
        #expect(m.status == .failed)
        #expect(m.reason == "stuck: no step can fire and the plan's outcomes are not all reached (tokens: {summary: 1})")
    }

    @Test func resultsAfterACancelAreIgnored() throws {
        var m = PlanRunMachine(runId: "r", planId: "p", version: 1, plan: try Self.plan(Self.sequence))
        _ = try m.start(event: "check", data: [:])
        #expect(Self.published(m.cancel(reason: "by the operator")) == ["plan.run.cancelled"])
        #expect(m.stepSucceeded(firing: 1, output: [:]) == [])
        #expect(m.status == .cancelled)
    }

    @Test func duplicateAndUnknownResultsChangeNothing() throws {
        var m = PlanRunMachine(runId: "r", planId: "p", version: 1, plan: try Self.plan(Self.sequence))
        _ = try m.start(event: "check", data: [:])
        _ = m.stepSucceeded(firing: 1, output: ["summary": "s"])
        let before = m
        #expect(m.stepSucceeded(firing: 1, output: ["summary": "again"]) == [])
        #expect(m.stepFailed(firing: 99, reason: "?") == [])
        #expect(m == before)
    }

    @Test func onlyExternalEventsStartARun() throws {
        var m = PlanRunMachine(runId: "r", planId: "digest", version: 1, plan: try Self.plan(Self.sequence))
        #expect(throws: PlanRunError("run r: \"summary\" is not an external event of plan digest (external: check)")) {
            try m.start(event: "summary", data: [:])
        }
    }

    @Test func aStoredRunResumesTheStepsThatWereRunning() throws {
        var m = PlanRunMachine(runId: "r", planId: "p", version: 1, plan: try Self.plan(Self.sequence))
        _ = try m.start(event: "check", data: ["body": "b"])
        let restored = try JSONDecoder().decode(PlanRunMachine.self, from: JSONEncoder().encode(m))
        #expect(restored == m)
        #expect(Self.executes(restored.resumable()) == ["summarize"])
    }

    /// A retry's due time is kept in the stored run (docs/cluster.md#plan-runs): whoever resumes
    /// the run (a restarted daemon, another node) waits only what is left of it, fires it at once
    /// when past due, and fires it once: a second `retryDue` changes nothing.
    @Test func aRetrysDueTimeIsStoredAndResumedWithWhatIsLeft() throws {
        var m = PlanRunMachine(runId: "r", planId: "p", version: 1, plan: try Self.plan(Self.sequence))
        _ = try m.start(event: "check", data: ["body": "b"])
        #expect(m.stepFailed(firing: 1, reason: "overloaded", now: 1_000_000).last == .retry(firing: 1, afterMs: 100))
        #expect(m.firings[0].retryAt == 1_000_100)
        let restored = try JSONDecoder().decode(PlanRunMachine.self, from: JSONEncoder().encode(m))
        #expect(restored.firings[0].retryAt == 1_000_100, "the due time survives the store")
        #expect(restored.resumable(now: 1_000_030) == [.retry(firing: 1, afterMs: 70)])
        #expect(restored.resumable(now: 1_000_100) == [.retry(firing: 1, afterMs: 0)])
        #expect(restored.resumable(now: 2_000_000) == [.retry(firing: 1, afterMs: 0)], "past due: at once")
        #expect(restored.resumable(now: 999_000) == [.retry(firing: 1, afterMs: 1_100)], "the resumer's clock behind: waits the difference")
        #expect(restored.resumable() == [.retry(firing: 1, afterMs: 0)], "without a clock: at once (as before)")

        var a = restored
        #expect(Self.executes(a.retryDue(firing: 1)) == ["summarize"])
        #expect(a.firings[0].retryAt == nil && a.firings[0].attempt == 2)
        #expect(a.retryDue(firing: 1) == [], "a second due retry (two timers) does nothing")
        #expect(a.resumable(now: 2_000_000) == [.execute(firing: 1, step: "summarize", action: "llm.summarize",
                                                          args: ["text": "b", "run": "r"], attempt: 2, timeoutMs: nil)],
                "after the retry fired, a resume runs attempt 2 again (at least once), not another retry")
        // The next failure doubles the backoff from its own time.
        _ = a.stepFailed(firing: 1, reason: "overloaded", now: 5_000_000)
        #expect(a.firings[0].retryAt == 5_000_200)
        // Without a time (older callers), no due time is kept.
        var b = PlanRunMachine(runId: "r", planId: "p", version: 1, plan: try Self.plan(Self.sequence))
        _ = try b.start(event: "check", data: [:])
        _ = b.stepFailed(firing: 1, reason: "x")
        #expect(b.firings[0].retryAt == nil)
    }

    /// A run stored before due times existed (no `retryAt` key) still decodes.
    @Test func aRunStoredWithoutDueTimesDecodes() throws {
        var m = PlanRunMachine(runId: "r", planId: "p", version: 1, plan: try Self.plan(Self.sequence))
        _ = try m.start(event: "check", data: ["body": "b"])
        _ = m.stepFailed(firing: 1, reason: "x")
        let json = String(decoding: try JSONEncoder().encode(m), as: UTF8.self)
        #expect(!json.contains("retryAt"))
        let restored = try JSONDecoder().decode(PlanRunMachine.self, from: Data(json.utf8))
        #expect(restored.resumable(now: 1) == [.retry(firing: 1, afterMs: 0)])
    }
}
