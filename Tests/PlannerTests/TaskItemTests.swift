import Foundation
import LightningPlanner
import LightningProtocol
import Testing

/// Tasks without I/O: which status changes are allowed, what a create or update body may hold,
/// and what an update reports as changed.
@Suite struct TaskItemTests {
    typealias Status = TaskItem.Status

    @Test func statusTransitionsFollowTheRules() {
        // Every pair, against the table in docs/planner.md#tasks.
        let allowed: Set<String> = ["open>in_progress", "open>done", "open>cancelled", "in_progress>open", "in_progress>done",
                                    "in_progress>cancelled", "done>open", "cancelled>open"]
        for from in Status.allCases {
            for to in Status.allCases {
                let want = from == to || allowed.contains("\(from.rawValue)>\(to.rawValue)")
                #expect(from.allows(to) == want, "\(from.rawValue) → \(to.rawValue)")
            }
        }
        #expect(Status.done.isFinished && Status.cancelled.isFinished && !Status.open.isFinished && !Status.inProgress.isFinished)
    }

    @Test func aCreateBodyNeedsATitleAndReportsEveryProblem() throws {
        let d = try TaskItem.Draft.parse(["title": "Write the report", "assignee": "ada", "priority": "high", "due": "2026-12-24T17:00:00Z"], creating: true)
        #expect(d.title == "Write the report")
        #expect(d.priority == .high)
        #expect(d.due == .some(Timestamp(rfc3339: "2026-12-24T17:00:00Z")))
        let t = TaskItem(id: "task_1", draft: d, source: .api, now: Timestamp(millis: 0))
        #expect(t.status == .open && t.priority == .high && t.assignee == "ada" && t.source == .api)

        #expect(throws: WireError(.invalidArgument, "request body: field \"title\": required")) {
            try TaskItem.Draft.parse(["assignee": "ada"], creating: true)
        }
        do {
            _ = try TaskItem.Draft.parse(["title": "", "priority": "urgent", "due": "tomorrow", "status": 3, "colour": "red"], creating: true)
            Issue.record("accepted a bad body")
        } catch let e as WireError {
            #expect(e.code == .invalidArgument)
            #expect(e.message.contains("field \"colour\": unknown"))
            #expect(e.message.contains("field \"title\": expected a non-empty string"))
            #expect(e.message.contains("field \"priority\": expected \"low\", \"medium\" or \"high\", got \"urgent\""))
            #expect(e.message.contains("field \"due\": expected an RFC 3339 time"))
            #expect(e.message.contains("field \"status\": expected \"open\", \"in_progress\", \"done\" or \"cancelled\", got an integer") ||
                    e.message.contains("field \"status\": expected \"open\", \"in_progress\", \"done\" or \"cancelled\", got"))
        }
        #expect(throws: WireError.self) { try TaskItem.Draft.parse("a string", creating: true) }
    }

    @Test func anUpdateReportsWhatChangedAndRefusesForbiddenMoves() throws {
        var t = TaskItem(id: "task_1", title: "a", assignee: "ada", createdAt: Timestamp(millis: 0))
        let c1 = try t.apply(try TaskItem.Draft.parse(["status": "in_progress", "assignee": nil, "title": "a"], creating: false), now: Timestamp(millis: 5))
        #expect(c1.fields == ["assignee", "status"])
        #expect(c1.status?.from == .open)
        #expect(c1.status?.to == .inProgress)
        #expect(t.assignee == nil && t.updatedAt == Timestamp(millis: 5))
        let same = try t.apply(try TaskItem.Draft.parse(["status": "in_progress"], creating: false), now: Timestamp(millis: 9))
        #expect(same.fields.isEmpty && same.status == nil && t.updatedAt == Timestamp(millis: 5), "no change, no new time")
        _ = try t.apply(TaskItem.Draft(status: .done), now: Timestamp(millis: 10))
        #expect(throws: WireError(.conflict, "task task_1: cannot move from done to in_progress (from done: open)")) {
            try t.apply(TaskItem.Draft(status: .inProgress), now: Timestamp(millis: 11))
        }
        #expect(t.status == .done, "a refused change changes nothing")
        _ = try t.apply(TaskItem.Draft(status: .open), now: Timestamp(millis: 12))
        #expect(t.status == .open, "done reopens")
    }

    @Test func taskIds() throws {
        try TaskItem.checkId("task_abc-1_2")
        for bad in ["abc", "task_", "task_ABC", "task_a b", "task_" + String(repeating: "a", count: 65)] {
            #expect(throws: WireError.self, "\(bad)") { try TaskItem.checkId(bad) }
        }
    }

    @Test func theWireFormIsSnakeCase() throws {
        let t = TaskItem(id: "task_1", title: "t", source: .planRun, runId: "run_1", createdAt: Timestamp(millis: 0))
        let json = try Wire.decode(JSONValue.self, from: Wire.encode(t))
        #expect(json["run_id"] == "run_1")
        #expect(json["source"] == "plan_run")
        #expect(json["status"] == "open")
        #expect(json["priority"] == "medium")
        #expect(try Wire.decode(TaskItem.self, from: Wire.encode(t)) == t)
    }
}
