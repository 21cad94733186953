public import LightningProtocol

/// One run of a plan as a pure state machine (docs/planner.md#runs): Petri-net semantics over the
/// plan's events (places holding tokens, each token carrying the data of the event that made it)
/// and steps (transitions), with guards, retries and completion. It does no I/O: the executor
/// feeds it what happened (a start, a step's result, a cancel) and carries out the actions it
/// returns (run a step's action, wait to retry, publish `plan.*` events, save the state).
///
/// ```
///  start(event, data) ─▶ token on event ─▶ fire every enabled step (each `on` event has a token, guard true)
///       stepSucceeded(firing, output) ─▶ tokens on `emits` ─▶ fire … ─▶ every outcome marked: completed
///       stepFailed(firing, reason) ─▶ attempts left: retry(after:) │ none: the run fails with the reason
///       nothing running, nothing enabled, not complete ─▶ failed: stuck (the marking is in the reason)
/// ```
/// The state is `Codable` so a run survives a restart of the daemon (the executor stores it).
public struct PlanRunMachine: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable { case running, completed, failed, cancelled }

    /// One firing of a step: the tokens it consumed and what happened.
    public struct Firing: Sendable, Equatable, Codable {
        public enum State: String, Sendable, Codable { case running, waitingRetry = "waiting_retry", succeeded, failed }
        public var id: Int
        public var step: String
        /// The consumed tokens' data, by input event name (the step's template and guard context).
        public var inputs: [String: JSONValue]
        public var attempt: Int
        public var state: State
        public var error: String?
        public var output: JSONValue?
        /// While `waitingRetry`: when the retry is due (ms since 1970, the clock of the node that
        /// failed the attempt), so whichever node steps the run after a crash fires it then
        /// (docs/cluster.md#plan-runs). Nil when the failure was fed without a time.
        public var retryAt: Int64?
    }

    /// What the executor must do.
    public enum Action: Sendable, Equatable {
        /// Run the step's action with `args` (templates rendered) as attempt `attempt` of firing `firing`.
        case execute(firing: Int, step: String, action: String, args: JSONValue, attempt: Int, timeoutMs: Int?)
        /// Run firing `firing` again after `ms`.
        case retry(firing: Int, afterMs: Int)
        /// Publish a `plan.*` event with `data` (the executor adds the run id and plan).
        case publish(type: String, data: JSONValue)
    }

    public let runId: String
    public let planId: String
    public let version: Int
    public let plan: Plan
    public private(set) var status: Status = .running
    /// Tokens per event (each its data), oldest first.
    public private(set) var marking: [String: [JSONValue]] = [:]
    public private(set) var firings: [Firing] = []
    public private(set) var reason: String?

    public init(runId: String, planId: String, version: Int, plan: Plan) {
        self.runId = runId; self.planId = planId; self.version = version; self.plan = plan
    }

    /// The plan's outcomes: events emitted and never consumed (all marked = completed).
    public var outcomes: [String] {
        let consumed = Set(plan.steps.flatMap(\.on))
        var out: [String] = []
        for e in plan.steps.flatMap(\.emits) where !consumed.contains(e) && !out.contains(e) { out.append(e) }
        return out
    }

    // MARK: Inputs

    /// The run starts with a token on `event` (an external event of the plan) carrying `data`.
    /// - Throws: `PlanRunError` when `event` is not one of the plan's external events.
    public mutating func start(event: String, data: JSONValue) throws -> [Action] {
        guard plan.externalEvents.contains(where: { $0.name == event }) else {
            throw PlanRunError("run \(runId): \"\(event)\" is not an external event of plan \(planId) (external: \(plan.externalEvents.map(\.name).joined(separator: ", ")))")
        }
        marking[event, default: []].append(data)
        var actions: [Action] = [.publish(type: "plan.run.started", data: ["event": .string(event), "version": .int(version)])]
        actions += advance()
        return actions
    }

    /// Firing `firing` finished; its action answered `output`.
    public mutating func stepSucceeded(firing id: Int, output: JSONValue) -> [Action] {
        guard status == .running, let i = firings.firstIndex(where: { $0.id == id }), firings[i].state == .running else { return [] }
        firings[i].state = .succeeded
        firings[i].output = output
        let step = plan.steps.first { $0.name == firings[i].step }!
        for e in step.emits { marking[e, default: []].append(output) }
        var actions: [Action] = [.publish(type: "plan.step.completed", data: ["step": .string(step.name), "firing": .int(id), "attempt": .int(firings[i].attempt)])]
        actions += advance()
        return actions
    }

    /// Firing `firing` failed with `reason`: retried while attempts are left, else the run fails.
    /// With `now` (ms since 1970), the retry's due time `now + delay` is kept in the firing
    /// (`retryAt`), so it survives in the stored run.
    public mutating func stepFailed(firing id: Int, reason: String, now: Int64? = nil) -> [Action] {
        guard status == .running, let i = firings.firstIndex(where: { $0.id == id }), firings[i].state == .running else { return [] }
        let step = plan.steps.first { $0.name == firings[i].step }!
        let retry = step.retry ?? PlanStep.Retry(maxAttempts: 1)
        firings[i].error = reason
        if firings[i].attempt < retry.maxAttempts {
            firings[i].state = .waitingRetry
            let delay = retry.backoffMs * (1 << min(10, firings[i].attempt - 1))
            firings[i].retryAt = now.map { $0 + Int64(delay) }
            return [.publish(type: "plan.step.failed", data: ["step": .string(step.name), "firing": .int(id), "attempt": .int(firings[i].attempt),
                                                               "reason": .string(reason), "retrying": true]),
                    .retry(firing: id, afterMs: delay)]
        }
        firings[i].state = .failed
        var actions: [Action] = [.publish(type: "plan.step.failed", data: ["step": .string(step.name), "firing": .int(id), "attempt": .int(firings[i].attempt),
                                                                          "reason": .string(reason), "retrying": false])]
        actions += finish(.failed, reason: "step \(step.name) failed after \(firings[i].attempt) attempt\(firings[i].attempt == 1 ? "" : "s"): \(reason)")
        return actions
    }

    /// The retry wait of `firing` is over: run it again.
    public mutating func retryDue(firing id: Int) -> [Action] {
        guard status == .running, let i = firings.firstIndex(where: { $0.id == id }), firings[i].state == .waitingRetry else { return [] }
        firings[i].state = .running
        firings[i].attempt += 1
        firings[i].retryAt = nil
        return [executeAction(firings[i])]
    }

    /// The operator cancels the run; running steps' results are ignored from now on.
    public mutating func cancel(reason: String) -> [Action] {
        guard status == .running else { return [] }
        return finish(.cancelled, reason: reason)
    }

    /// Firings to run again after the executor restarted or took the run over (those that were
    /// running or waiting to retry when it stopped): at least once. A retry whose due time is
    /// stored waits for what is left of it at `now` (ms since 1970; none when past due or
    /// `now` is nil); one without waits for nothing.
    public func resumable(now: Int64? = nil) -> [Action] {
        guard status == .running else { return [] }
        return firings.compactMap { f in
            switch f.state {
            case .running: return executeAction(f)
            case .waitingRetry:
                guard let now, let due = f.retryAt else { return .retry(firing: f.id, afterMs: 0) }
                return .retry(firing: f.id, afterMs: Int(max(0, min(due - now, Int64(Int32.max)))))
            case .succeeded, .failed: return nil
            }
        }
    }

    // MARK: Firing

    /// Fires every enabled step until none is, then checks for completion or a stuck run.
    mutating func advance() -> [Action] {
        var actions: [Action] = []
        var fired = true
        while fired && status == .running {
            fired = false
            for step in plan.steps where enabled(step) {
                var inputs: [String: JSONValue] = [:]
                for e in step.on { inputs[e] = marking[e]?.first ?? .null }
                if let g = step.guard, (try? GuardExpression(parsing: g).evaluate(context(inputs, last: step.on.last))) != true { continue }
                for e in step.on { marking[e]?.removeFirst() }
                let firing = Firing(id: firings.count + 1, step: step.name, inputs: inputs, attempt: 1, state: .running)
                firings.append(firing)
                actions.append(.publish(type: "plan.step.started", data: ["step": .string(step.name), "firing": .int(firing.id), "action": .string(step.action)]))
                actions.append(executeAction(firing))
                fired = true
            }
        }
        guard status == .running else { return actions }
        let outs = outcomes
        if !outs.isEmpty, outs.allSatisfy({ !(marking[$0] ?? []).isEmpty }) {
            return actions + finish(.completed, reason: nil)
        }
        if !firings.contains(where: { $0.state == .running || $0.state == .waitingRetry }) {
            let tokens = marking.filter { !$0.value.isEmpty }.map { "\($0.key): \($0.value.count)" }.sorted().joined(separator: ", ")
            return actions + finish(.failed, reason: "stuck: no step can fire and the plan's outcomes are not all reached (tokens: {\(tokens)})")
        }
        return actions
    }

    func enabled(_ step: PlanStep) -> Bool { step.on.allSatisfy { !(marking[$0] ?? []).isEmpty } }

    /// The guard and template context of a firing: `event` (the last input), `events[name]`, `run`.
    func context(_ inputs: [String: JSONValue], last: String?) -> JSONValue {
        func event(_ name: String) -> JSONValue { ["type": .string(name), "data": inputs[name] ?? .null] }
        return ["event": last.map(event) ?? .null,
                "events": .object(Dictionary(uniqueKeysWithValues: inputs.keys.map { ($0, event($0)) })),
                "run": ["id": .string(runId), "plan": .string(planId), "version": .int(version)]]
    }

    func executeAction(_ f: Firing) -> Action {
        let step = plan.steps.first { $0.name == f.step }!
        let args = ArgTemplate.render(.object(step.args), context(f.inputs, last: step.on.last))
        return .execute(firing: f.id, step: step.name, action: step.action, args: args, attempt: f.attempt, timeoutMs: step.timeoutMs)
    }

    mutating func finish(_ s: Status, reason: String?) -> [Action] {
        status = s
        self.reason = reason
        var data: [String: JSONValue] = ["status": .string(s.rawValue)]
        if let reason { data["reason"] = .string(reason) }
        return [.publish(type: "plan.run.\(s.rawValue)", data: .object(data))]
    }
}

/// A run that cannot do what was asked (a start event the plan does not have).
public struct PlanRunError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
