public import Foundation
public import LightningProtocol

/// Reads a plan document (JSON), recording every shape problem with its JSON path instead of
/// stopping at the first: unknown fields, missing fields, wrong types, values out of range.
public enum PlanParser {
    /// Parses `data`; returns the plan when its shape is right (it still needs `PlanValidator`),
    /// and every problem found either way.
    public static func parse(_ data: Data) -> (plan: Plan?, problems: [PlanProblem]) {
        let value: JSONValue
        do { value = try Wire.decode(JSONValue.self, from: data) } catch {
            return (nil, [PlanProblem("$", .invalidJSON, "not a JSON document: \(error)")])
        }
        return parse(value)
    }

    public static func parse(_ value: JSONValue) -> (plan: Plan?, problems: [PlanProblem]) {
        var r = Reader()
        guard let o = r.object(value, "$") else { return (nil, r.problems) }
        r.known(o, ["name", "graph_type", "description", "events", "steps"], at: "$")
        let name = r.string(o, "name", at: "$", required: true) ?? ""
        if o["name"] != nil, name.isEmpty { r.fail("$.name", .invalidValue, "expected a non-empty name, got \"\"") }
        let graph = r.string(o, "graph_type", at: "$", required: true).flatMap { g -> Plan.GraphType? in
            guard let t = Plan.GraphType(rawValue: g) else {
                r.fail("$.graph_type", .invalidValue, "expected \"acyclic\" or \"reactive\", got \"\(g)\"")
                return nil
            }
            return t
        }
        let description = r.string(o, "description", at: "$", required: false)
        let events = (r.array(o, "events", at: "$", required: true) ?? []).enumerated().compactMap { i, v in event(v, at: "$.events[\(i)]", &r) }
        let steps = (r.array(o, "steps", at: "$", required: true) ?? []).enumerated().compactMap { i, v in step(v, at: "$.steps[\(i)]", &r) }
        guard r.problems.isEmpty, let graph else { return (nil, r.problems) }
        return (Plan(name: name, graphType: graph, description: description, events: events, steps: steps), [])
    }

    static func event(_ v: JSONValue, at path: String, _ r: inout Reader) -> PlanEvent? {
        guard let o = r.object(v, path) else { return nil }
        r.known(o, ["name", "kind", "schedule", "timezone", "misfire", "description"], at: path)
        let name = r.string(o, "name", at: path, required: true)
        var e = PlanEvent(name: name ?? "")
        if let k = r.string(o, "kind", at: path, required: false) {
            if let kind = PlanEvent.Kind(rawValue: k) { e.kind = kind } else {
                r.fail("\(path).kind", .invalidValue, "expected one of \(PlanEvent.Kind.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), got \"\(k)\"")
            }
        }
        e.schedule = r.string(o, "schedule", at: path, required: false)
        e.timezone = r.string(o, "timezone", at: path, required: false)
        if let m = r.string(o, "misfire", at: path, required: false) {
            if let misfire = PlanEvent.Misfire(rawValue: m) { e.misfire = misfire } else {
                r.fail("\(path).misfire", .invalidValue, "expected \"run_once\" or \"skip\", got \"\(m)\"")
            }
        }
        e.description = r.string(o, "description", at: path, required: false)
        return name == nil ? nil : e
    }

    static func step(_ v: JSONValue, at path: String, _ r: inout Reader) -> PlanStep? {
        guard let o = r.object(v, path) else { return nil }
        r.known(o, ["name", "on", "action", "args", "emits", "guard", "retry", "timeout_ms", "description"], at: path)
        let name = r.string(o, "name", at: path, required: true)
        let on = r.strings(o, "on", at: path, required: true) ?? []
        if o["on"] != nil, on.isEmpty, o["on"]?.arrayValue != nil { r.fail("\(path).on", .invalidValue, "expected at least one event, got []") }
        let action = r.string(o, "action", at: path, required: true)
        var args: [String: JSONValue] = [:]
        if let a = o["args"] {
            if let obj = a.objectValue { args = obj } else { r.fail("\(path).args", .wrongType, "expected an object, got \(a.typeDescription)") }
        }
        let emits = r.strings(o, "emits", at: path, required: false) ?? []
        var s = PlanStep(name: name ?? "", on: on, action: action ?? "", args: args, emits: emits)
        s.guard = r.string(o, "guard", at: path, required: false)
        s.description = r.string(o, "description", at: path, required: false)
        if let t = o["timeout_ms"] {
            if let ms = t.intValue, (1...86_400_000).contains(ms) { s.timeoutMs = ms } else {
                r.fail("\(path).timeout_ms", .invalidValue, "expected an integer from 1 to 86400000, got \(t)")
            }
        }
        if let rv = o["retry"] {
            if let ro = r.object(rv, "\(path).retry") {
                r.known(ro, ["max_attempts", "backoff_ms"], at: "\(path).retry")
                var retry = PlanStep.Retry()
                if let m = ro["max_attempts"] {
                    if let n = m.intValue, (1...100).contains(n) { retry.maxAttempts = n } else {
                        r.fail("\(path).retry.max_attempts", .invalidValue, "expected an integer from 1 to 100, got \(m)")
                    }
                }
                if let b = ro["backoff_ms"] {
                    if let n = b.intValue, (0...3_600_000).contains(n) { retry.backoffMs = n } else {
                        r.fail("\(path).retry.backoff_ms", .invalidValue, "expected an integer from 0 to 3600000, got \(b)")
                    }
                }
                s.retry = retry
            }
        }
        return name == nil || action == nil ? nil : s
    }

    /// Collects problems while reading.
    struct Reader {
        var problems: [PlanProblem] = []

        mutating func fail(_ path: String, _ rule: PlanProblem.Rule, _ message: String) { problems.append(PlanProblem(path, rule, message)) }

        mutating func object(_ v: JSONValue, _ path: String) -> [String: JSONValue]? {
            guard let o = v.objectValue else { fail(path, .wrongType, "expected an object, got \(v.typeDescription)"); return nil }
            return o
        }

        mutating func known(_ o: [String: JSONValue], _ fields: [String], at path: String) {
            for key in o.keys.sorted() where !fields.contains(key) {
                fail("\(path).\(key)", .unknownField, "unknown field; expected one of \(fields.joined(separator: ", "))")
            }
        }

        mutating func string(_ o: [String: JSONValue], _ key: String, at path: String, required: Bool) -> String? {
            guard let v = o[key] else {
                if required { fail("\(path).\(key)", .missingField, "required") }
                return nil
            }
            guard let s = v.stringValue else { fail("\(path).\(key)", .wrongType, "expected a string, got \(v.typeDescription)"); return nil }
            return s
        }

        mutating func array(_ o: [String: JSONValue], _ key: String, at path: String, required: Bool) -> [JSONValue]? {
            guard let v = o[key] else {
                if required { fail("\(path).\(key)", .missingField, "required") }
                return nil
            }
            guard let a = v.arrayValue else { fail("\(path).\(key)", .wrongType, "expected an array, got \(v.typeDescription)"); return nil }
            return a
        }

        mutating func strings(_ o: [String: JSONValue], _ key: String, at path: String, required: Bool) -> [String]? {
            guard let a = array(o, key, at: path, required: required) else { return nil }
            var out: [String] = []
            for (i, v) in a.enumerated() {
                if let s = v.stringValue { out.append(s) } else { fail("\(path).\(key)[\(i)]", .wrongType, "expected a string, got \(v.typeDescription)") }
            }
            return out
        }
    }
}
