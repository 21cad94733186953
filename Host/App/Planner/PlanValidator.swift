public import Foundation
public import LightningProtocol

/// The actions a plan may use: what loaded drivers, agents and functions declare in their
/// manifests (`actions`, each with an input JSON schema).
public struct ActionCatalog: Sendable, Equatable {
    public struct Action: Sendable, Equatable, Codable {
        public var name: String
        /// The manifest id of the driver, agent or function that provides it.
        public var providedBy: String
        /// `required` of its input schema.
        public var requiredArgs: [String]
        public var inputSchema: JSONValue?

        public init(name: String, providedBy: String, requiredArgs: [String] = [], inputSchema: JSONValue? = nil) {
            self.name = name; self.providedBy = providedBy; self.requiredArgs = requiredArgs; self.inputSchema = inputSchema
        }

        enum CodingKeys: String, CodingKey {
            case name
            case providedBy = "provided_by", requiredArgs = "required_args", inputSchema = "input_schema"
        }
    }

    public var actions: [String: Action]

    public init(_ actions: [Action]) { self.actions = Dictionary(actions.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }) }
}

/// Checks a plan before anything runs and reports every problem at once (docs/planner.md):
/// names, external and internal events and their schedules, actions and their arguments, guards,
/// argument templates, cycles in acyclic plans, and workflow-net soundness.
public enum PlanValidator {
    /// Parses and validates a plan document.
    public static func validate(_ data: Data, actions: ActionCatalog) -> (plan: Plan?, problems: [PlanProblem]) {
        let (plan, problems) = PlanParser.parse(data)
        guard let plan else { return (nil, problems) }
        let more = validate(plan, actions: actions)
        return (more.isEmpty ? plan : nil, more)
    }

    public static func validate(_ plan: Plan, actions: ActionCatalog) -> [PlanProblem] {
        var out: [PlanProblem] = []
        var events: [String: Int] = [:]
        for (i, e) in plan.events.enumerated() {
            let path = "$.events[\(i)]"
            if e.name.isEmpty { out.append(PlanProblem("\(path).name", .invalidValue, "expected a non-empty name")) }
            if let first = events[e.name] {
                out.append(PlanProblem("\(path).name", .duplicateName, "event \"\(e.name)\" is already declared at $.events[\(first)]"))
            } else {
                events[e.name] = i
            }
            out += eventProblems(e, at: path)
        }
        var steps: [String: Int] = [:]
        for (i, s) in plan.steps.enumerated() {
            let path = "$.steps[\(i)]"
            if s.name.isEmpty { out.append(PlanProblem("\(path).name", .invalidValue, "expected a non-empty name")) }
            if let first = steps[s.name] {
                out.append(PlanProblem("\(path).name", .duplicateName, "step \"\(s.name)\" is already declared at $.steps[\(first)]"))
            } else {
                steps[s.name] = i
            }
            for (j, e) in s.on.enumerated() where events[e] == nil {
                out.append(PlanProblem("\(path).on[\(j)]", .unknownEvent, "step \"\(s.name)\": event \"\(e)\" is not declared in $.events"))
            }
            for (j, e) in s.emits.enumerated() where events[e] == nil {
                out.append(PlanProblem("\(path).emits[\(j)]", .unknownEvent, "step \"\(s.name)\": event \"\(e)\" is not declared in $.events"))
            }
            out += actionProblems(s, at: path, actions)
            if let g = s.guard {
                do { _ = try GuardExpression(parsing: g) } catch let e as GuardError {
                    out.append(PlanProblem("\(path).guard", .badGuard, "step \"\(s.name)\": \(e.description)"))
                } catch {}
            }
            for key in s.args.keys.sorted() {
                for problem in ArgTemplate.problems(in: s.args[key]!) {
                    out.append(PlanProblem("\(path).args.\(key)", .badTemplate, "step \"\(s.name)\": \(problem)"))
                }
            }
        }
        if plan.externalEvents.isEmpty {
            out.append(PlanProblem("$.events", .externalEvent, "no external event (one with a kind: time.cron, time.interval, webhook or manual) starts the plan"))
        }
        // The graph checks need every reference resolved.
        guard !out.contains(where: { $0.rule == .unknownEvent || $0.rule == .duplicateName }) else { return out }
        if plan.graphType == .acyclic, let cycle = findCycle(plan) {
            out.append(PlanProblem("$.steps", .cycle, "an acyclic plan has a cycle: \(cycle.joined(separator: " → "))"))
        }
        let net = WorkflowNet(plan: plan)
        let structure = net.workflowNetProblems()
        if !structure.isEmpty {
            for p in structure { out.append(PlanProblem("$", .notWorkflowNet, p)) }
            return out
        }
        for v in SoundnessChecker.check(net) {
            out.append(PlanProblem("$", .unsound, "the plan \(v.description)"))
        }
        return out
    }

    static func eventProblems(_ e: PlanEvent, at path: String) -> [PlanProblem] {
        var out: [PlanProblem] = []
        guard let kind = e.kind else {
            for (field, value) in [("schedule", e.schedule), ("timezone", e.timezone), ("misfire", e.misfire?.rawValue)] where value != nil {
                out.append(PlanProblem("\(path).\(field)", .internalEvent, "event \"\(e.name)\" has no kind (it is internal: steps emit it), so it takes no \(field)"))
            }
            return out
        }
        switch kind {
        case .cron, .interval:
            guard let s = e.schedule else {
                out.append(PlanProblem("\(path).schedule", .externalEvent, "event \"\(e.name)\" of kind \(kind.rawValue) needs a schedule (\(kind == .cron ? "a cron expression, e.g. \"0 9 * * MON-FRI\"" : "an ISO-8601 duration, e.g. \"PT1H\""))"))
                return out
            }
            do {
                if kind == .cron { _ = try CronExpression(parsing: s) } else { _ = try ISODuration(parsing: s) }
            } catch let err as ScheduleError {
                out.append(PlanProblem("\(path).schedule", .badSchedule, "event \"\(e.name)\": \(err.description)"))
            } catch {}
            if let tz = e.timezone {
                if kind != .cron { out.append(PlanProblem("\(path).timezone", .externalEvent, "event \"\(e.name)\": a time zone applies to time.cron only")) }
                else if TimeZone(identifier: tz) == nil { out.append(PlanProblem("\(path).timezone", .badSchedule, "event \"\(e.name)\": unknown time zone \"\(tz)\" (an IANA name such as \"Europe/Oslo\")")) }
            }
        case .webhook, .manual:
            for (field, value) in [("schedule", e.schedule), ("timezone", e.timezone), ("misfire", e.misfire?.rawValue)] where value != nil {
                out.append(PlanProblem("\(path).\(field)", .externalEvent, "event \"\(e.name)\" of kind \(kind.rawValue) takes no \(field)"))
            }
        }
        return out
    }

    static func actionProblems(_ s: PlanStep, at path: String, _ catalog: ActionCatalog) -> [PlanProblem] {
        guard let action = catalog.actions[s.action] else {
            let known = catalog.actions.keys.sorted()
            return [PlanProblem("\(path).action", .unknownAction,
                                "step \"\(s.name)\": no loaded driver, agent or function provides \"\(s.action)\"; known: \(known.isEmpty ? "none" : known.joined(separator: ", "))")]
        }
        return action.requiredArgs.filter { s.args[$0] == nil }.map {
            PlanProblem("\(path).args.\($0)", .missingArgument, "step \"\(s.name)\": action \(s.action) (from \(action.providedBy)) requires argument \"\($0)\"")
        }
    }

    /// A cycle among steps (a step that emits an event a later step in the cycle consumes), as
    /// `step → event → step → …`, or nil.
    static func findCycle(_ plan: Plan) -> [String]? {
        var consumers: [String: [Int]] = [:]
        for (i, s) in plan.steps.enumerated() { for e in s.on { consumers[e, default: []].append(i) } }
        var color = Array(repeating: 0, count: plan.steps.count)  // 0 new, 1 on stack, 2 done
        var stack: [(step: Int, via: String?)] = []
        func visit(_ i: Int, via: String?) -> [String]? {
            color[i] = 1
            stack.append((i, via))
            for e in plan.steps[i].emits {
                for j in consumers[e] ?? [] {
                    if color[j] == 1 {
                        let start = stack.firstIndex { $0.step == j }!
                        var path = [plan.steps[j].name]
                        for k in stack.index(after: start)..<stack.count { path += [stack[k].via ?? "?", plan.steps[stack[k].step].name] }
                        return path + [e, plan.steps[j].name]
                    }
                    if color[j] == 0, let c = visit(j, via: e) { return c }
                }
            }
            stack.removeLast()
            color[i] = 2
            return nil
        }
        for i in plan.steps.indices where color[i] == 0 {
            if let c = visit(i, via: nil) { return c }
        }
        return nil
    }
}
