import Crypto
import Foundation
import LightningPlanner
import LightningProtocol
import Logging
public import ServiceLifecycle

/// Carries out instructions (docs/planner.md#instructions): a `Service` of the daemon's group with
/// its own durable subscription on the bus, `instructions`, whose patterns are the event types of
/// the enabled instructions (no subscription while none is enabled, so no event is kept for it).
///
/// ```
///  bus ─▶ subscription "instructions" ─▶ run(): receive (long poll, lease) ─▶ Instruction.matching (pure)
///        ─▶ each match: run_plan │ emit_event │ invoke_function │ create_task (config rendered from the event)
///        ─▶ InstructionStore.recordExecution ─▶ instruction.executed │ instruction.failed ─▶ ack
/// ```
/// It does not go through the `EventRouter`'s consumers: it only publishes through the router.
/// A failed action is reported (`instruction.failed`) and not retried; the delivery is
/// acknowledged once every matching instruction has been carried out, so a daemon that dies
/// before that runs them again at its next start (at least once; `create_task` derives the task's
/// id from the event and the instruction, so a repeated create finds the same task).
public final class InstructionEngine: Service, Sendable {
    private let owner = Locked<Daemon?>(nil)
    var daemon: Daemon { owner.value! }
    let logger = Logger(label: "lt.instructions")
    static let subscription = "instructions"
    let state = InstructionSet()

    init() {}

    func attach(_ daemon: Daemon) { owner.withLock { $0 = daemon } }

    var store: InstructionStore { InstructionStore(storage: daemon.providers.storage) }

    /// The enabled instructions and the bus subscription that follows them: one change at a time.
    actor InstructionSet {
        private(set) var enabled: [Instruction] = []
        private var generation = 0

        /// Reads every instruction and makes the subscription's patterns those of the enabled
        /// ones. A refresh that overlapped a later one reads again, so the last word is the
        /// newest list.
        func refresh(store: InstructionStore, bus: ProviderSlot) async throws {
            generation += 1
            while true {
                let mine = generation
                let list = try await store.list().filter(\.enabled)
                let patterns = Array(Set(list.map(\.trigger.eventType))).sorted()
                if patterns.isEmpty {
                    do {
                        _ = try await bus.call(Method.unsubscribe, SubscriptionName(subscription: InstructionEngine.subscription), as: DeleteResult.self)
                    } catch let e as WireError where e.code == .notFound {}
                } else {
                    _ = try await bus.call(Method.subscribe, Subscription(name: InstructionEngine.subscription, patterns: patterns.contains("*") ? ["*"] : patterns,
                                                                          maxAttempts: 3, backoffMs: 500),
                                           as: SubscriptionInfo.self)
                }
                if mine == generation {
                    enabled = list
                    return
                }
            }
        }
    }

    /// Brings the cached instructions and the subscription in line with storage (the API calls
    /// it after every change).
    public func refresh() async throws {
        try await state.refresh(store: store, bus: daemon.providers.eventbus)
    }

    public func run() async throws {
        var failures = 0
        while true {
            do {
                try await refresh()
                break
            } catch {
                failures += 1
                if failures == 1 || failures % 30 == 0 { logger.warning("cannot read the instructions (retrying): \(error)") }
                try? await Task.sleep(for: .seconds(1))
                if Task.isCancelled || Task.isShuttingDownGracefully { return }
            }
        }
        await consume()
    }

    /// The consumer loop: lease a batch, carry out each delivery's instructions, ack it.
    func consume() async {
        var failures = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if await state.enabled.isEmpty {
                try? await Task.sleep(for: .milliseconds(100))
                continue
            }
            guard let conn = daemon.providers.eventbus.current?.connection else {
                try? await Task.sleep(for: .milliseconds(200))
                continue
            }
            let batch: [Delivery]
            do {
                batch = try await conn.call(Method.receive, ReceiveRequest(subscription: Self.subscription, max: 64, waitMs: 500, leaseMs: 60_000),
                                            as: ReceiveResult.self).deliveries
                failures = 0
            } catch {
                if error is CancellationError { return }
                failures += 1
                // `not_found`: the last instruction was disabled meanwhile (no subscription).
                if failures == 1 || failures % 50 == 0, (error as? WireError)?.code != .notFound {
                    logger.warning("cannot receive from the bus: \(error)")
                }
                try? await Task.sleep(for: .milliseconds(min(2000, 50 * failures)))
                continue
            }
            await withDiscardingTaskGroup { group in
                for d in batch {
                    group.addTask {
                        await self.handle(d.event)
                        do {
                            _ = try await conn.call(Method.ack, AckRequest(subscription: Self.subscription, deliveryIds: [d.deliveryId]), as: AckResult.self)
                        } catch {
                            self.logger.error("cannot ack event \(d.event.id) (its instructions run again when the lease ends): \(error)")
                        }
                    }
                }
            }
        }
    }

    /// Carries out every enabled instruction `event` triggers.
    func handle(_ event: Event) async {
        for i in Instruction.matching(await state.enabled, event, at: Date()) {
            let started = ContinuousClock.now
            let result: Result<JSONValue, WireError>
            do { result = .success(try await perform(i, for: event)) } catch let e as WireError {
                result = .failure(e)
            } catch {
                result = .failure(WireError(.internal, "\(error)"))
            }
            var data: [String: JSONValue] = ["instruction": .string(i.name), "action": .string(i.action.type.rawValue),
                                             "event_id": .string(event.id), "event_type": .string(event.type),
                                             "duration_ms": .double((ContinuousClock.now - started).milliseconds)]
            let type: String
            switch result {
            case .success(let out):
                type = "instruction.executed"
                data["result"] = out
                do { try await store.recordExecution(i.name, at: .now()) } catch {
                    logger.warning("instruction \(i.name): executed, but its count could not be saved: \(error)")
                }
            case .failure(let e):
                type = "instruction.failed"
                data["reason"] = .string(e.message)
                logger.info("instruction \(i.name) failed on event \(event.id): \(e.message)")
            }
            let hops = (event.metadata[EventMetadataKey.hops]?.intValue ?? 0) + 1
            let report = Event(type: type, source: "instructions", data: .object(data),
                               metadata: [EventMetadataKey.hops: .int(hops), EventMetadataKey.emittedBy: .string("instruction:\(i.name)")],
                               correlationId: event.id, userId: event.userId)
            do { _ = try await daemon.router.publish([report]) } catch {
                logger.warning("instruction \(i.name): cannot publish \(type): \(error)")
            }
        }
    }

    /// One instruction's action; returns what the action answered (run id, event id, output, task).
    func perform(_ i: Instruction, for event: Event) async throws -> JSONValue {
        let config = i.renderedConfig(for: event)
        switch i.action.type {
        case .runPlan:
            let run = try await daemon.plans.start(planId: config["plan"]?.stringValue ?? "", event: config["event"]?.stringValue,
                                                   data: config["data"] ?? event.data)
            return ["run_id": .string(run.runId), "plan": .string(run.planId)]
        case .emitEvent:
            let hops = (event.metadata[EventMetadataKey.hops]?.intValue ?? 0) + 1
            guard hops <= daemon.router.hopLimit else {
                throw WireError(.invalidArgument, "hop limit \(daemon.router.hopLimit) reached: the event \(event.id) is \(hops - 1) hops from its origin; nothing emitted")
            }
            var priority = Priority.normal
            if let p = config["priority"] {
                guard let s = p.stringValue, let v = Priority(rawValue: s) else {
                    throw WireError(.invalidArgument, "config \"priority\": expected low, normal, high or critical, got \(p)")
                }
                priority = v
            }
            let out = Event(type: config["type"]?.stringValue ?? "", source: "instruction:\(i.name)", data: config["data"] ?? event.data,
                            metadata: [EventMetadataKey.hops: .int(hops), EventMetadataKey.emittedBy: .string("instruction:\(i.name)")],
                            correlationId: event.id, priority: priority, userId: event.userId)
            _ = try await daemon.router.publish([out])
            return ["event_id": .string(out.id), "type": .string(out.type)]
        case .invokeFunction:
            let name = config["function"]?.stringValue ?? ""
            let inv = try await daemon.providers.functions.call(Method.functionInvoke, InvokeRequest(function: name, input: config["input"] ?? event.data,
                                                                                                                    idempotencyKey: "instruction:\(i.name)/\(event.id)"),
                                                                as: Invocation.self)
            if let e = inv.error { throw e }
            return ["function": .string(name), "invocation_id": .string(inv.invocationId), "output": inv.output ?? .null]
        case .createTask:
            var body = config
            body["status"] = nil
            let draft = try TaskItem.Draft.parse(.object(body), creating: true, what: "instruction \(i.name): config")
            let task = try await daemon.tasks.create(draft, source: .instruction, instruction: i.name, id: Self.taskId(instruction: i.name, event: event.id))
            return ["task_id": .string(task.task.id)]
        }
    }

    /// The id of the task an instruction creates for an event: the same for a redelivered event.
    static func taskId(instruction: String, event: String) -> String {
        let digest = SHA256.hash(data: Data("\(instruction)\n\(event)".utf8))
        return "task_i" + digest.prefix(12).map { String(format: "%02x", $0) }.joined()
    }
}
