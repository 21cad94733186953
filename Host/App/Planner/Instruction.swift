public import Foundation
public import LightningProtocol

/// An instruction: "when an event like this happens, do that" (docs/planner.md#instructions).
///
/// ```
///  event ─▶ Instruction.matching(all, event, now) ─▶ for each: render action.config with {event}
///          (enabled, trigger.event_type pattern,        ─▶ run_plan │ emit_event │ invoke_function │ create_task
///           conditions: time_range, data, contains)      ─▶ execution_count + 1, last_executed_at, instruction.executed │ .failed
/// ```
/// This type is the rule without I/O: parsing (every problem at once) and trigger matching. The
/// daemon's `InstructionEngine` consumes events from the bus and carries the actions out.
public struct Instruction: Codable, Sendable, Equatable {
    public var name: String
    public var enabled: Bool
    public var description: String?
    public var trigger: Trigger
    public var action: Action
    public var executionCount: Int
    public var lastExecutedAt: Timestamp?
    public var updatedAt: Timestamp?

    public struct Trigger: Codable, Sendable, Equatable {
        /// An event-type pattern (`*`, `order.*`, `order.placed`).
        public var eventType: String
        public var conditions: Conditions?
        enum CodingKeys: String, CodingKey { case conditions, eventType = "event_type" }
    }

    /// Every given condition must hold (AND).
    public struct Conditions: Codable, Sendable, Equatable {
        public var timeRange: TimeRange?
        /// Dotted paths of the event's `data` and the value each must equal.
        public var data: [String: JSONValue]?
        /// Dotted paths of the event's `data` and what each must contain: a substring of a
        /// string, or an element of an array.
        public var contains: [String: JSONValue]?
        enum CodingKeys: String, CodingKey { case data, contains, timeRange = "time_range" }
    }

    /// A daily window `start`–`end` (`HH:MM`, end excluded) in `timezone` (IANA, default UTC); a
    /// window whose end is before its start spans midnight (`22:00`–`06:00`).
    public struct TimeRange: Codable, Sendable, Equatable {
        public var start: String
        public var end: String
        public var timezone: String?

        /// Minutes since midnight of an `HH:MM` text, or nil.
        static func minutes(_ s: String) -> Int? {
            let p = s.split(separator: ":", omittingEmptySubsequences: false)
            guard p.count == 2, p[0].count == 2, p[1].count == 2, let h = Int(p[0]), let m = Int(p[1]), (0...23).contains(h), (0...59).contains(m) else { return nil }
            return h * 60 + m
        }

        public func contains(_ date: Date) -> Bool {
            guard let s = Self.minutes(start), let e = Self.minutes(end) else { return false }
            var cal = Calendar(identifier: .gregorian)
            cal.timeZone = timezone.flatMap(TimeZone.init(identifier:)) ?? .gmt
            let c = cal.dateComponents([.hour, .minute], from: date)
            let now = (c.hour ?? 0) * 60 + (c.minute ?? 0)
            if s == e { return true }
            return s < e ? (now >= s && now < e) : (now >= s || now < e)
        }
    }

    public struct Action: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable, CaseIterable {
            case runPlan = "run_plan", emitEvent = "emit_event", invokeFunction = "invoke_function", createTask = "create_task"

            /// Config fields: required, then optional.
            var fields: (required: [String], optional: [String]) {
                switch self {
                case .runPlan: return (["plan"], ["event", "data"])
                case .emitEvent: return (["type"], ["data", "priority"])
                case .invokeFunction: return (["function"], ["input"])
                case .createTask: return (["title"], ["description", "assignee", "priority", "due"])
                }
            }
        }
        public var type: Kind
        /// The action's settings; strings may hold `{{ event.… }}` templates, rendered from the
        /// triggering event.
        public var config: [String: JSONValue]
    }

    enum CodingKeys: String, CodingKey {
        case name, enabled, description, trigger, action
        case executionCount = "execution_count", lastExecutedAt = "last_executed_at", updatedAt = "updated_at"
    }

    public init(name: String, enabled: Bool = true, description: String? = nil, trigger: Trigger, action: Action,
                executionCount: Int = 0, lastExecutedAt: Timestamp? = nil) {
        self.name = name; self.enabled = enabled; self.description = description; self.trigger = trigger; self.action = action
        self.executionCount = executionCount; self.lastExecutedAt = lastExecutedAt
    }

    // MARK: Matching

    /// True when `event` triggers this instruction at `now`: enabled, the type matches the
    /// pattern, and every condition holds. `instruction.*` events never trigger an instruction
    /// (an instruction reacting to its own report would loop).
    public func matches(_ event: Event, at now: Date) -> Bool {
        guard enabled, !event.type.hasPrefix("instruction."), EventPattern.matches(trigger.eventType, event.type) else { return false }
        guard let c = trigger.conditions else { return true }
        if let r = c.timeRange, !r.contains(now) { return false }
        for (path, want) in c.data ?? [:] where event.data.value(atPath: path) != want { return false }
        for (path, want) in c.contains ?? [:] {
            switch (event.data.value(atPath: path), want) {
            case (.string(let s)?, .string(let w)): if !s.contains(w) { return false }
            case (.array(let a)?, let w): if !a.contains(w) { return false }
            default: return false
            }
        }
        return true
    }

    /// The instructions of `all` that `event` triggers at `now`, by name.
    public static func matching(_ all: [Instruction], _ event: Event, at now: Date) -> [Instruction] {
        all.filter { $0.matches(event, at: now) }.sorted { $0.name < $1.name }
    }

    /// The template context of an action: `event` (`id`, `type`, `source`, `data`, `correlation_id`).
    public static func context(of event: Event) -> JSONValue {
        ["event": ["id": .string(event.id), "type": .string(event.type), "source": .string(event.source), "data": event.data,
                   "correlation_id": event.correlationId.map(JSONValue.string) ?? .null]]
    }

    /// The action's config with its templates rendered from `event`.
    public func renderedConfig(for event: Event) -> [String: JSONValue] {
        ArgTemplate.render(.object(action.config), Self.context(of: event)).objectValue ?? [:]
    }

    // MARK: Parsing

    /// Instruction names: 1–64 of lowercase letters, digits, `-`, `_`, `.`, starting with a letter or digit.
    public static func checkName(_ name: String) throws {
        let ok = (1...64).contains(name.utf8.count) && name.utf8.first.map { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) } == true
            && name.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 95 || $0 == 46 }
        guard ok else {
            throw WireError(.invalidArgument, "instruction name \"\(name)\": expected 1–64 lowercase letters, digits, '-', '_' or '.', starting with a letter or digit")
        }
    }

    /// Parses an instruction document (`name` may be left out when `name` is given: the URL's).
    /// Every problem is reported at once, each with its JSON path.
    /// - Throws: `WireError(.invalidArgument)` listing every problem.
    public static func parse(_ body: JSONValue, name given: String?) throws -> Instruction {
        var problems: [String] = []
        func unknown(_ o: [String: JSONValue], _ allowed: [String], at path: String) {
            for k in o.keys.sorted() where !allowed.contains(k) {
                problems.append("\(path).\(k): unknown field; expected one of \(allowed.joined(separator: ", "))")
            }
        }
        func string(_ v: JSONValue?, at path: String, required: Bool) -> String? {
            guard let v else { if required { problems.append("\(path): required") }; return nil }
            guard let s = v.stringValue else { problems.append("\(path): expected a string, got \(v.typeDescription)"); return nil }
            return s
        }
        guard let o = body.objectValue else {
            throw WireError(.invalidArgument, "$: expected an instruction object {name, enabled, trigger, action}, got \(body.typeDescription)")
        }
        unknown(o, ["name", "enabled", "description", "trigger", "action", "execution_count", "last_executed_at", "updated_at"], at: "$")
        var name = string(o["name"], at: "$.name", required: given == nil) ?? given ?? ""
        if let given, name != given {
            problems.append("$.name: \"\(name)\" differs from the name in the URL, \"\(given)\"")
            name = given
        }
        do { try checkName(name) } catch let e as WireError { problems.append("$.name: \(e.message)") } catch {}
        var enabled = true
        if let v = o["enabled"] {
            if let b = v.boolValue { enabled = b } else { problems.append("$.enabled: expected true or false, got \(v.typeDescription)") }
        }
        let description = string(o["description"], at: "$.description", required: false)

        var trigger = Trigger(eventType: "*", conditions: nil)
        if let t = o["trigger"]?.objectValue {
            unknown(t, ["event_type", "conditions"], at: "$.trigger")
            if let p = string(t["event_type"], at: "$.trigger.event_type", required: true) {
                if EventPattern.isValidPattern(p) { trigger.eventType = p } else {
                    problems.append("$.trigger.event_type: expected \"*\", an event type, or a type followed by \".*\", got \"\(p)\"")
                }
            }
            if let cv = t["conditions"] {
                if let c = cv.objectValue {
                    unknown(c, ["time_range", "data", "contains"], at: "$.trigger.conditions")
                    var conditions = Conditions()
                    if let rv = c["time_range"] {
                        if let r = rv.objectValue {
                            unknown(r, ["start", "end", "timezone"], at: "$.trigger.conditions.time_range")
                            let s = string(r["start"], at: "$.trigger.conditions.time_range.start", required: true)
                            let e = string(r["end"], at: "$.trigger.conditions.time_range.end", required: true)
                            let tz = string(r["timezone"], at: "$.trigger.conditions.time_range.timezone", required: false)
                            for (k, v) in [("start", s), ("end", e)] {
                                if let v, TimeRange.minutes(v) == nil {
                                    problems.append("$.trigger.conditions.time_range.\(k): expected a time HH:MM (00:00–23:59), got \"\(v)\"")
                                }
                            }
                            if let tz, TimeZone(identifier: tz) == nil {
                                problems.append("$.trigger.conditions.time_range.timezone: unknown time zone \"\(tz)\" (expected an IANA name such as \"Europe/Oslo\")")
                            }
                            if let s, let e { conditions.timeRange = TimeRange(start: s, end: e, timezone: tz) }
                        } else {
                            problems.append("$.trigger.conditions.time_range: expected an object {start, end, timezone}, got \(rv.typeDescription)")
                        }
                    }
                    for key in ["data", "contains"] {
                        guard let v = c[key] else { continue }
                        guard let m = v.objectValue else {
                            problems.append("$.trigger.conditions.\(key): expected an object of data paths and values, got \(v.typeDescription)")
                            continue
                        }
                        if key == "data" { conditions.data = m } else { conditions.contains = m }
                    }
                    trigger.conditions = conditions
                } else {
                    problems.append("$.trigger.conditions: expected an object {time_range, data, contains}, got \(cv.typeDescription)")
                }
            }
        } else {
            problems.append(o["trigger"] == nil ? "$.trigger: required" : "$.trigger: expected an object {event_type, conditions}, got \(o["trigger"]!.typeDescription)")
        }

        var action = Action(type: .emitEvent, config: [:])
        if let a = o["action"]?.objectValue {
            unknown(a, ["type", "config"], at: "$.action")
            var kind: Action.Kind?
            if let t = string(a["type"], at: "$.action.type", required: true) {
                kind = Action.Kind(rawValue: t)
                if kind == nil {
                    problems.append("$.action.type: expected one of \(Action.Kind.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), got \"\(t)\"")
                }
            }
            var config: [String: JSONValue] = [:]
            if let cv = a["config"] {
                if let c = cv.objectValue { config = c } else { problems.append("$.action.config: expected an object, got \(cv.typeDescription)") }
            }
            if let kind {
                let (req, opt) = kind.fields
                unknown(config, req + opt, at: "$.action.config")
                for r in req where config[r] == nil { problems.append("$.action.config.\(r): required by \(kind.rawValue)") }
                for k in ["plan", "type", "function", "title", "event"] where config[k] != nil && config[k]?.stringValue == nil {
                    problems.append("$.action.config.\(k): expected a string, got \(config[k]!.typeDescription)")
                }
                if kind == .emitEvent, let t = config["type"]?.stringValue, !t.contains("{{"), !EventPattern.isValidType(t) {
                    problems.append("$.action.config.type: expected an event type (dot-separated letters, digits, '_' or '-'), got \"\(t)\"")
                }
                if kind == .emitEvent, let t = config["type"]?.stringValue, t.hasPrefix("instruction.") {
                    problems.append("$.action.config.type: \"\(t)\": instruction.* events are the engine's own reports")
                }
                for p in ArgTemplate.problems(in: .object(config)) { problems.append("$.action.config: \(p)") }
                action = Action(type: kind, config: config)
            }
        } else {
            problems.append(o["action"] == nil ? "$.action: required" : "$.action: expected an object {type, config}, got \(o["action"]!.typeDescription)")
        }
        if !problems.isEmpty {
            throw WireError(.invalidArgument, "instruction \(name.isEmpty ? "(no name)" : name): \(problems.count) problem\(problems.count == 1 ? "" : "s"): " + problems.joined(separator: "; "))
        }
        return Instruction(name: name, enabled: enabled, description: description, trigger: trigger, action: action)
    }
}
