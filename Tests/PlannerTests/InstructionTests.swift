import Foundation
import LightningPlanner
import LightningProtocol
import Testing

/// Instructions without I/O: parsing with every problem at once, and trigger matching (pattern,
/// time range across midnight and in a time zone, data equality, contains, disabled, own reports).
@Suite struct InstructionTests {
    static func instruction(_ json: JSONValue, name: String? = nil) throws -> Instruction {
        try Instruction.parse(json, name: name)
    }

    static let base: JSONValue = [
        "name": "big-orders", "enabled": true,
        "trigger": ["event_type": "order.*", "conditions": ["data": ["country": "NO"], "contains": ["tags": "vip", "note": "rush"]]],
        "action": ["type": "create_task", "config": ["title": "Call {{ event.data.customer }}", "priority": "high"]],
    ]

    static func at(_ hhmm: String, _ day: String = "2026-12-06") -> Date { Timestamp(rfc3339: "\(day)T\(hhmm):00Z")!.date }

    @Test func aTriggerMatchesTypeAndEveryCondition() throws {
        let i = try Self.instruction(Self.base)
        let yes = Event(type: "order.placed", data: ["country": "NO", "tags": ["vip", "new"], "note": "a rush order", "customer": "Ada"])
        #expect(i.matches(yes, at: Self.at("12:00")))
        #expect(!i.matches(Event(type: "invoice.sent", data: yes.data), at: Self.at("12:00")), "type")
        var other = yes; other.data = ["country": "SE", "tags": ["vip"], "note": "rush"]
        #expect(!i.matches(other, at: Self.at("12:00")), "data equality")
        other.data = ["country": "NO", "tags": ["new"], "note": "rush"]
        #expect(!i.matches(other, at: Self.at("12:00")), "array contains")
        other.data = ["country": "NO", "tags": ["vip"], "note": "slow"]
        #expect(!i.matches(other, at: Self.at("12:00")), "substring")
        other.data = ["country": "NO", "tags": "vip", "note": 7]
        #expect(!i.matches(other, at: Self.at("12:00")), "contains on a number never holds")
        // The action's config, rendered from the event.
        #expect(i.renderedConfig(for: yes)["title"] == "Call Ada")
        // Disabled: never. Its own reports: never.
        var off = i; off.enabled = false
        #expect(!off.matches(yes, at: Self.at("12:00")))
        let all = try Self.instruction(["name": "all", "trigger": ["event_type": "*"], "action": ["type": "emit_event", "config": ["type": "seen"]]])
        #expect(all.matches(Event(type: "anything"), at: Self.at("00:00")))
        #expect(!all.matches(Event(type: "instruction.executed"), at: Self.at("00:00")))
        #expect(Instruction.matching([i, all, off], yes, at: Self.at("12:00")).map(\.name) == ["all", "big-orders"])
    }

    @Test func timeRangesWrapMidnightAndUseTheirZone() throws {
        func range(_ start: String, _ end: String, _ tz: String? = nil) throws -> Instruction {
            var r: [String: JSONValue] = ["start": .string(start), "end": .string(end)]
            if let tz { r["timezone"] = .string(tz) }
            return try Self.instruction(["name": "t", "trigger": ["event_type": "x", "conditions": ["time_range": .object(r)]],
                                         "action": ["type": "emit_event", "config": ["type": "y"]]])
        }
        let e = Event(type: "x")
        let day = try range("09:00", "17:00")
        #expect(day.matches(e, at: Self.at("09:00")) && day.matches(e, at: Self.at("16:59")))
        #expect(!day.matches(e, at: Self.at("17:00")) && !day.matches(e, at: Self.at("08:59")))
        let night = try range("22:00", "06:00")
        #expect(night.matches(e, at: Self.at("23:30")) && night.matches(e, at: Self.at("05:59")))
        #expect(!night.matches(e, at: Self.at("12:00")) && !night.matches(e, at: Self.at("06:00")))
        // 08:30 UTC is 09:30 in Oslo in December (UTC+1).
        let oslo = try range("09:00", "10:00", "Europe/Oslo")
        #expect(oslo.matches(e, at: Self.at("08:30")))
        #expect(!oslo.matches(e, at: Self.at("09:30")))
    }

    @Test func parsingReportsEveryProblemWithItsPath() throws {
        let bad: JSONValue = [
            "name": "Bad Name", "enabled": "yes", "colour": 1,
            "trigger": ["event_type": "order..x", "conditions": ["time_range": ["start": "25:00", "timezone": "Mars/Base"], "data": 3]],
            "action": ["type": "send_mail", "config": ["to": "x"]],
        ]
        do {
            _ = try Self.instruction(bad)
            Issue.record("accepted")
        } catch let e as WireError {
            #expect(e.code == .invalidArgument)
            for want in ["$.colour: unknown field", "$.name: instruction name \"Bad Name\"", "$.enabled: expected true or false",
                         "$.trigger.event_type: expected \"*\", an event type", "$.trigger.conditions.time_range.end: required",
                         "$.trigger.conditions.time_range.start: expected a time HH:MM", "unknown time zone \"Mars/Base\"",
                         "$.trigger.conditions.data: expected an object", "$.action.type: expected one of \"run_plan\""] {
                #expect(e.message.contains(want), "\(want) in \(e.message)")
            }
        }
        // The action's config is checked per type.
        #expect(throws: WireError.self) {
            try Self.instruction(["name": "p", "trigger": ["event_type": "x"], "action": ["type": "run_plan", "config": ["event": "go"]]])
        }
        do {
            _ = try Self.instruction(["name": "p", "trigger": ["event_type": "x"], "action": ["type": "run_plan", "config": ["event": "go", "when": 1]]])
        } catch let e as WireError {
            #expect(e.message.contains("$.action.config.plan: required by run_plan"))
            #expect(e.message.contains("$.action.config.when: unknown field"))
        }
        #expect(throws: WireError.self, "an instruction may not emit the engine's own reports") {
            try Self.instruction(["name": "p", "trigger": ["event_type": "x"], "action": ["type": "emit_event", "config": ["type": "instruction.executed"]]])
        }
        // The URL's name wins and must agree with the body's.
        #expect(try Self.instruction(["trigger": ["event_type": "x"], "action": ["type": "emit_event", "config": ["type": "y"]]], name: "from-url").name == "from-url")
        #expect(throws: WireError.self) {
            try Self.instruction(["name": "a", "trigger": ["event_type": "x"], "action": ["type": "emit_event", "config": ["type": "y"]]], name: "b")
        }
    }

    @Test func countersSurviveTheWireForm() throws {
        var i = try Self.instruction(Self.base)
        i.executionCount = 3
        i.lastExecutedAt = Timestamp(millis: 1000)
        let json = try Wire.decode(JSONValue.self, from: Wire.encode(i))
        #expect(json["execution_count"] == 3)
        #expect(json["trigger"]?["event_type"] == "order.*")
        #expect(json["action"]?["type"] == "create_task")
        #expect(try Wire.decode(Instruction.self, from: Wire.encode(i)) == i)
        // A saved document (with its counters) parses back as input too: apply -f of a `get`.
        #expect(try Instruction.parse(json, name: nil).name == "big-orders")
    }
}
