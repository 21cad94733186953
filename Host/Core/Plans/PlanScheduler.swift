import Foundation
public import LightningPlanner
public import LightningProtocol
import Logging
public import ServiceLifecycle

/// Fires the `time.cron` and `time.interval` events of saved plans (docs/planner.md#schedules):
/// a `Service` that, every second, brings the schedules in line with the plans (new, changed and
/// deleted time events), asks each `Schedule` whether it is due, starts the runs, publishes
/// `schedule.fired` / `schedule.skipped`, and saves the schedules through the storage provider
/// (container `schedules`) so next fire times survive a restart (a fire missed while the daemon
/// was down is run once or skipped, per the event's `misfire`).
public final class PlanScheduler: Service, Sendable {
    private let owner = Locked<Daemon?>(nil)
    var daemon: Daemon { owner.value! }
    let logger = Logger(label: "lt.scheduler")
    static let container = "schedules"
    /// The tick; each fire happens within one tick of its time.
    let period: Duration

    init(period: Duration = .seconds(1)) { self.period = period }

    func attach(_ daemon: Daemon) { owner.withLock { $0 = daemon } }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do { try await tick(now: Date()) } catch {
                logger.warning("scheduler: \(error)")
            }
            try? await Task.sleep(for: period)
        }
    }

    /// One pass: sync with the plans, fire what is due, save. In a cluster (`LIGHTNING_CLUSTER=on`)
    /// only the holder of the singleton lease passes, and the fires of the pass are committed in
    /// the lease document first (`LeaseService.commit`, the fencing check): a fire is done only
    /// once that write landed, and never again for a time the lease's ledger already holds.
    func tick(now: Date) async throws {
        let lease: LeaseService? = daemon.cluster.enabled ? daemon.lease : nil
        if let lease, !lease.holds(now: Timestamp.now().millis) { return }
        let storage = daemon.providers.storage
        let plans = try await PlanStore(storage: storage).list()
        var stored = Dictionary(try await list().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var wanted: [String: Schedule] = [:]
        for p in plans {
            for e in p.plan.events {
                guard let s = try? Schedule(plan: p.id, event: e, now: now) else { continue }
                wanted[s.id] = s
            }
        }
        // Deleted plans and events: their schedules go.
        for id in stored.keys where wanted[id] == nil {
            do {
                _ = try await storage.call(Method.documentDelete, DocumentKey(container: Self.container, id: id), as: DeleteResult.self)
            } catch {
                logger.warning("schedule \(id): its plan or event is gone but it could not be removed (next tick retries): \(error)")
                continue
            }
            stored[id] = nil
        }
        // Decide every schedule first (pure), then commit the fires, then do them.
        var passes: [(schedule: Schedule, changed: Bool, decisions: [Schedule.Decision])] = []
        for (id, fresh) in wanted.sorted(by: { $0.key < $1.key }) {
            var s = stored[id].map { old in old.sameTiming(as: fresh) ? old : fresh } ?? fresh
            let before = s
            let decisions = try s.dueFires(at: now)
            passes.append((s, s != before || stored[id] == nil, decisions))
        }
        if let lease {
            let ledger = lease.ledger(now: Timestamp.now().millis) ?? [:]
            var fires: [String: Int64] = [:]
            for i in passes.indices {
                let id = passes[i].schedule.id
                // Fires the ledger holds were committed by this or an earlier holder: not again.
                passes[i].decisions = passes[i].decisions.filter { d in
                    guard case .fire(let at, _) = d else { return true }
                    return Timestamp(at).millis > (ledger[id] ?? .min)
                }
                for case .fire(let at, _) in passes[i].decisions { fires[id] = max(fires[id] ?? .min, Timestamp(at).millis) }
            }
            let keeping = Set(wanted.keys)
            let stale = Set(ledger.keys).subtracting(keeping)
            if !fires.isEmpty || !stale.isEmpty {
                guard await lease.commit(fires, keeping: keeping) else { return }  // not the holder (any more): nothing fired
            }
        }
        for (s, changed, decisions) in passes {
            for d in decisions {
                switch d {
                case .wait: break
                case .fire(let at, let late):
                    await fire(s, scheduledAt: at, late: late)
                case .skip(let at):
                    await publish("schedule.skipped", s, ["scheduled_at": .string(Timestamp(at).description), "reason": "missed while the daemon was down (misfire: skip)"])
                }
            }
            if changed { try await save(s) }
        }
    }

    private func fire(_ s: Schedule, scheduledAt: Date, late: Bool) async {
        let at = Timestamp(scheduledAt).description
        do {
            let run = try await daemon.plans.start(planId: s.plan, event: s.event,
                                                   data: ["scheduled_at": .string(at), "schedule": .string(s.id), "late": .bool(late)])
            await publish("schedule.fired", s, ["scheduled_at": .string(at), "run_id": .string(run.runId), "late": .bool(late)])
        } catch {
            logger.error("schedule \(s.id): cannot start a run: \(error)")
            await publish("schedule.failed", s, ["scheduled_at": .string(at), "reason": .string("\((error as? WireError)?.message ?? "\(error)")")])
        }
    }

    private func publish(_ type: String, _ s: Schedule, _ data: [String: JSONValue]) async {
        var d = data
        d["schedule"] = .string(s.id); d["plan"] = .string(s.plan); d["event"] = .string(s.event)
        _ = try? await daemon.router.publish([Event(type: type, source: "scheduler", data: .object(d))])
    }

    /// Every stored schedule, by id.
    public func list() async throws -> [Schedule] {
        try await daemon.providers.storage.allDocuments(in: Self.container, as: Schedule.self).sorted { $0.id < $1.id }
    }

    private func save(_ s: Schedule) async throws {
        _ = try await daemon.providers.storage.call(Method.containerCreate, ContainerRequest(container: Self.container), as: ContainerResult.self)
        let data = try Wire.decode(JSONValue.self, from: Wire.encode(s))
        _ = try await daemon.providers.storage.call(Method.documentUpsert,
                                                    WriteRequest(container: Self.container, document: Document(id: s.id, data: data)), as: Document.self)
    }
}
