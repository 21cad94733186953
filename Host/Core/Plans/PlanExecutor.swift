import Crypto
import Foundation
public import LightningPlanner
public import LightningProtocol
import Logging
public import ServiceLifecycle

/// Runs plans (docs/planner.md#runs): the I/O around `PlanRunMachine`. A `Service` of the daemon's
/// group; its task group runs every step's action.
///
/// ```
///  start(plan, event) ─▶ PlanRuns (actor: machine + save) ─▶ actions ─┬─ execute ─▶ commands ─▶ run(): task group ─▶ action ─▶ result ─▶ PlanRuns …
///                                                                     ├─ retry(after:) ─▶ commands ─▶ a task that waits, then executes
///                                                                     └─ publish ─▶ router (`plan.*`, correlation id = run id)
/// ```
/// A step's action is the action's provider: a driver or agent handles an event of the action's
/// type with the step's arguments as data (its first output event's data is the step's output);
/// a function is invoked with the arguments as input. Run state is saved through the storage
/// provider (container `plan_runs`) after every change, before the next step runs; a run that was
/// running when the daemon stopped is resumed at the next start, its running steps executed again
/// (at least once), its retries at their stored due time. In a cluster (`LIGHTNING_CLUSTER=on`)
/// each run is stepped by its owner only, every write conditioned on the run's ETag, and `sweep()`
/// adopts the runs of gone nodes (docs/cluster.md#plan-runs--each-stepped-by-one-owner).
public final class PlanExecutor: Service, Sendable {
    /// The daemon, set once by its init (the executor is one of its stored properties; both live
    /// as long as the process).
    private let owner = Locked<Daemon?>(nil)
    var daemon: Daemon { owner.value! }
    var runs: PlanRuns { runsBox.value! }
    private let runsBox = Locked<PlanRuns?>(nil)
    let logger = Logger(label: "lt.planner")
    private let commands: AsyncStream<Command>
    private let sink: AsyncStream<Command>.Continuation

    enum Command: Sendable {
        case execute(runId: String, PlanRunMachine.Action)
    }

    init() { (commands, sink) = AsyncStream.makeStream(of: Command.self) }

    func attach(_ daemon: Daemon) {
        owner.withLock { $0 = daemon }
        let cluster = daemon.cluster
        runsBox.withLock { $0 = PlanRuns(storage: daemon.providers.storage, node: { cluster.enabled ? try cluster.nodeId() : nil }) }
    }

    public func run() async throws {
        if daemon.cluster.enabled {
            await sweep()
        } else {
            await resumeRuns()
        }
        await withDiscardingTaskGroup { group in
            if daemon.cluster.enabled {
                // Claims the runs of gone nodes (and this node's own it dropped), every heartbeat interval.
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: self.daemon.cluster.policy.heartbeatInterval)
                        if Task.isCancelled { return }
                        await self.sweep()
                    }
                }
            }
            for await command in commands.cancelOnGracefulShutdown() {
                group.addTask { await self.perform(command) }
            }
            // Steps in flight are cut short: they run again at the next start (at least once).
            group.cancelAll()
        }
    }

    /// Starts a run of plan `id` (its current version) at external event `event`.
    /// - Throws: `WireError(.notFound)` for an unknown plan, `.invalidArgument` for an event that
    ///   is not one of its external events.
    public func start(planId: String, event: String?, data: JSONValue) async throws -> PlanRunMachine {
        let stored = try await PlanStore(storage: daemon.providers.storage).get(planId)
        let name = event ?? stored.plan.externalEvents.first { $0.kind == .manual || $0.kind == .webhook }?.name ?? stored.plan.externalEvents.first?.name ?? ""
        var machine = PlanRunMachine(runId: "run_" + UUID().uuidString.lowercased().prefix(12), planId: stored.id, version: stored.version, plan: stored.plan)
        let actions: [PlanRunMachine.Action]
        do { actions = try machine.start(event: name, data: data) } catch let e as PlanRunError {
            throw WireError(.invalidArgument, e.description)
        }
        try await runs.create(machine)
        await carryOut(actions, of: machine)
        return try await runs.get(machine.runId)
    }

    /// Cancels a running run.
    public func cancel(_ runId: String) async throws -> PlanRunMachine {
        let (m, actions) = try await runs.change(runId, asStepper: false) { $0.cancel(reason: "cancelled by the operator") }
        await carryOut(actions, of: m)
        return m
    }

    // MARK: Carrying out

    func carryOut(_ actions: [PlanRunMachine.Action], of m: PlanRunMachine) async {
        var events: [Event] = []
        for a in actions {
            switch a {
            case .publish(let type, let data):
                var d = data.objectValue ?? [:]
                d["run_id"] = .string(m.runId)
                d["plan"] = .string(m.planId)
                events.append(Event(type: type, source: "planner", data: .object(d), correlationId: m.runId))
            case .execute, .retry:
                sink.yield(.execute(runId: m.runId, a))
            }
        }
        if !events.isEmpty {
            do { _ = try await daemon.router.publish(events) } catch {
                logger.warning("run \(m.runId): cannot publish \(events.map(\.type)): \(error)")
            }
        }
    }

    private func perform(_ command: Command) async {
        guard case .execute(let runId, let action) = command else { return }
        switch action {
        case .retry(let firing, let ms):
            try? await Task.sleep(for: .milliseconds(ms))
            if Task.isCancelled { return }
            await feed(runId) { $0.retryDue(firing: firing) }
        case .execute(let firing, let step, let name, let args, let attempt, let timeoutMs):
            // In a cluster, only while this node steps the run (another may have claimed it meanwhile).
            guard (try? await runs.steps(runId)) == true else {
                logger.notice("run \(runId): step \(step) not run here: another node steps the run now")
                return
            }
            let key = Self.idempotencyKey(runId: runId, step: step, firing: firing, attempt: attempt)
            let outcome = await execute(action: name, args: args, timeoutMs: timeoutMs, key: key, runId: runId)
            if Task.isCancelled { return }
            if case .success = outcome { CrashTestHook.afterAction(name) }
            switch outcome {
            case .success(let output): await feed(runId) { $0.stepSucceeded(firing: firing, output: output) }
            case .failure(let e):
                logger.info("run \(runId): step \(step) failed: \(e.message)")
                let now = Timestamp.now().millis
                await feed(runId) { $0.stepFailed(firing: firing, reason: e.message, now: now) }
            }
        case .publish:
            break
        }
    }

    private func feed(_ runId: String, _ change: @Sendable (inout PlanRunMachine) -> [PlanRunMachine.Action]) async {
        do {
            let (m, actions) = try await runs.change(runId, change)
            await carryOut(actions, of: m)
        } catch let e as WireError where e.code == .conflict {
            logger.notice("run \(runId): \(e.message); its result here is dropped")
        } catch {
            logger.error("run \(runId): cannot save its state: \(error)")
        }
    }

    /// The idempotency key of one attempt of one firing of a step (docs/planner.md#exactly-once-steps):
    /// the same when the daemon restarts and runs a step whose result it lost again.
    static func idempotencyKey(runId: String, step: String, firing: Int, attempt: Int) -> String {
        "\(runId)/\(step)#\(firing)/\(attempt)"
    }

    /// Runs one action: the provider named by the catalog, or the daemon's own (`task.create`).
    /// `key` goes with it: the event's `idempotency_key` for a driver or agent, the invocation's
    /// `idempotency_key` for a function (docs/functions.md#idempotency-keys); the task's id for
    /// `task.create`.
    func execute(action: String, args: JSONValue, timeoutMs: Int?, key: String? = nil, runId: String? = nil) async -> Result<JSONValue, WireError> {
        if action == "task.create" {
            do {
                let draft = try TaskItem.Draft.parse(args, creating: true, what: "task.create arguments")
                let t = try await daemon.tasks.create(draft, source: .planRun, runId: runId, id: key.map(Self.taskId(forKey:)))
                return .success(try Wire.decode(JSONValue.self, from: Wire.encode(t.task)))
            } catch let e as WireError {
                return .failure(e)
            } catch {
                return .failure(WireError(.internal, "\(error)"))
            }
        }
        guard let entry = daemon.actionCatalog.actions[action] else {
            return .failure(WireError(.unavailable, "no loaded driver, agent or function provides \"\(action)\" now"))
        }
        let work: @Sendable () async throws -> JSONValue = { [daemon] in
            if daemon.manifest(entry.providedBy)?.kind == .function {
                let inv = try await daemon.providers.functions.call(Method.functionInvoke, InvokeRequest(function: entry.providedBy, input: args, idempotencyKey: key),
                                                                  as: Invocation.self)
                if let e = inv.error { throw e }
                return inv.output ?? .null
            }
            guard let driver = daemon.router.drivers.first(where: { $0.name == entry.providedBy }) else {
                throw WireError(.unavailable, "\(entry.providedBy) (provider of \(action)) is not running")
            }
            let out = try await driver.handle(Event(type: action, source: "planner", data: args, idempotencyKey: key))
            return out.first?.data ?? .object([:])
        }
        do {
            guard let ms = timeoutMs else { return .success(try await work()) }
            return .success(try await withThrowingTaskGroup(of: JSONValue.self) { g in
                g.addTask { try await work() }
                g.addTask {
                    try await Task.sleep(for: .milliseconds(ms))
                    throw WireError(.timeout, "\(action) did not answer within \(ms) ms")
                }
                defer { g.cancelAll() }
                return try await g.next()!
            })
        } catch let e as WireError {
            return .failure(e)
        } catch {
            return .failure(WireError(.internal, "\(error)"))
        }
    }

    /// Runs left running by a stopped daemon: their running steps run again, their retries when due.
    private func resumeRuns() async {
        do {
            let now = Timestamp.now().millis
            for m in try await runs.list() where m.status == .running {
                logger.notice("run \(m.runId) of plan \(m.planId): resumed after a restart")
                await carryOut(m.resumable(now: now), of: m)
            }
        } catch {
            logger.error("cannot read the runs to resume: \(error)")
        }
    }

    /// In a cluster (docs/cluster.md#plan-runs): every running run whose owner is gone (by
    /// membership) or that has none is claimed (compare-and-swap on its owner; one node wins) and
    /// resumed here; this node's own runs it does not step (it restarted, or dropped one after a
    /// write of unknown outcome) likewise; runs another node claimed are no longer stepped here.
    func sweep() async {
        do {
            let now = Timestamp.now()
            let states = Dictionary(try await daemon.cluster.nodes(now: now).map { ($0.record.id, $0.state) }, uniquingKeysWith: { a, _ in a })
            guard let me = try await runs.me() else { return }
            for (id, owner) in try await runs.running() {
                // As listed: runs of live others and runs stepped here need no read.
                switch RunClaim.decide(status: .running, owner: owner, me: me, stepping: try await runs.steps(id), ownerState: owner.flatMap { states[$0.node] }) {
                case .skip, .stepping: continue
                default: break
                }
                do {
                    let (decision, m, actions) = try await runs.claim(id, states: states, now: Timestamp.now().millis)
                    switch decision {
                    case .resume(let o):
                        logger.notice("run \(id): resumed by its owner (this node, token \(o.token))")
                    case .adopt(let o):
                        logger.notice("run \(id): adopted by this node (token \(o.token)): its owner is gone or it had none")
                    case .lost(let o):
                        logger.notice("run \(id): claimed by node \(o.node) (token \(o.token)): no longer stepped here")
                    case .finished, .stepping, .skip:
                        break
                    }
                    if let m { await carryOut(actions, of: m) }
                } catch let e as WireError where e.code == .notFound {
                    continue  // deleted meanwhile
                } catch {
                    // One run that cannot be claimed now (its row locked, a timeout) must not
                    // hold up the others: the next interval tries it again.
                    logger.warning("run \(id): cannot claim it now (next interval retries): \(error)")
                }
            }
        } catch {
            logger.warning("cannot sweep the runs of the cluster (next interval retries): \(error)")
        }
    }

    /// The task id `task.create` uses for an idempotency key: a repeated attempt finds its task.
    static func taskId(forKey key: String) -> String {
        "task_p" + SHA256.hash(data: Data(key.utf8)).prefix(12).map { String(format: "%02x", $0) }.joined()
    }
}
