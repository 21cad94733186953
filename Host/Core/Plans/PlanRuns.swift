import Foundation
import LightningPlanner
import LightningProtocol

/// The runs of plans, kept through the storage provider (container `plan_runs`, document id =
/// run id): one change of a run at a time, each saved before its actions are carried out. An
/// actor alone does not give that: it runs other calls while a change awaits its write, so two
/// steps finishing together both started from the same state and the second write dropped the
/// first step's result (the run then waited forever). `exclusive(_:_:)` holds a run from the
/// read of its state to the end of its write.
///
/// In a cluster (`LIGHTNING_CLUSTER=on`; `node` answers this node's id) every run has an owner
/// (`RunOwner`, the document's `owner`): the node that steps it. Every write is a replace
/// conditioned on the ETag this node last read or wrote (If-Match), so a node whose run was
/// claimed by another (it paused past its membership, or restarted) cannot write it any more:
/// its write is refused, it re-reads the run, and stops stepping it (`RunClaim`). The cache then
/// holds exactly the runs this node steps; the others are read from the store each time.
/// Without the cluster, runs have no owner and are upserted, as on a single daemon.
actor PlanRuns {
    let storage: ProviderSlot
    /// This node's id when the cluster is on, else nil; asked once, at the first use (the
    /// membership service is attached by then).
    private let node: @Sendable () throws -> String?
    private var resolvedNode: String??
    private var cache: [String: Entry] = [:]
    /// The runs a change or claim holds now (`exclusive(_:_:)`).
    private let busy = Watched<Set<String>>([])
    static let container = "plan_runs"

    /// A run as this node last wrote or read it, with the document's ETag and owner.
    struct Entry {
        var machine: PlanRunMachine
        var etag: String?
        var owner: RunOwner?
    }

    init(storage: ProviderSlot, node: @escaping @Sendable () throws -> String? = { nil }) {
        self.storage = storage
        self.node = node
    }

    /// This node's id in a cluster; nil without one.
    func me() throws -> String? {
        if let resolved = resolvedNode { return resolved }
        let id = try node()
        resolvedNode = .some(id)
        return id
    }

    /// Saves a new run; in a cluster this node owns it (token 1) and steps it.
    func create(_ m: PlanRunMachine) async throws {
        _ = try await storage.call(Method.containerCreate, ContainerRequest(container: Self.container), as: ContainerResult.self)
        guard let me = try me() else { return try await save(m) }
        let owner = RunOwner(node: me, token: 1)
        // Stepping from now on, before the write: a sweep that lists the new document meanwhile leaves it.
        cache[m.runId] = Entry(machine: m, etag: nil, owner: owner)
        do {
            let doc = try await storage.call(Method.documentCreate, WriteRequest(container: Self.container, document: Document(id: m.runId, data: try Self.data(m, owner))),
                                             as: Document.self)
            cache[m.runId]?.etag = doc.etag
        } catch {
            cache[m.runId] = nil
            throw error
        }
    }

    /// Applies `change` to run `id` and saves it; returns the new state and the actions to carry out.
    /// In a cluster, with `asStepper` (a step's result, a due retry) only while this node steps
    /// the run, each write conditioned on the run's ETag; without it (a cancel) on any node, on
    /// the run as stored, leaving its owner.
    /// - Throws: `WireError(.notFound)` for an unknown run; `.conflict` when this node does not
    ///   (or no longer) step the run; the storage provider's errors (in a cluster this node then
    ///   stops stepping the run until a sweep resumes it).
    func change(_ id: String, asStepper: Bool = true, _ change: (inout PlanRunMachine) -> [PlanRunMachine.Action]) async throws -> (PlanRunMachine, [PlanRunMachine.Action]) {
        try await exclusive(id) { try await changeHeld(id, asStepper: asStepper, change) }
    }

    /// Holds run `id` while `body` runs: a change or claim of the same run waits for it (FIFO is
    /// not promised; each waiter takes the run when it is free). Cancellation ends the wait.
    private func exclusive<R>(_ id: String, _ body: () async throws -> R) async throws -> R {
        while !busy.update({ $0.insert(id).inserted }) {
            guard await busy.wait(until: { !$0.contains(id) }) else { throw CancellationError() }
        }
        defer { busy.update { _ = $0.remove(id) } }
        return try await body()
    }

    private func changeHeld(_ id: String, asStepper: Bool, _ change: (inout PlanRunMachine) -> [PlanRunMachine.Action]) async throws -> (PlanRunMachine, [PlanRunMachine.Action]) {
        guard try me() != nil else {
            var m = try await get(id)
            let actions = change(&m)
            if m != cache[id]?.machine { try await save(m) }
            return (m, actions)
        }
        if cache[id] == nil {
            guard !asStepper else { throw Self.notStepping(id, by: nil) }
            return try await changeStored(id, change)
        }
        for _ in 0..<5 {
            guard let e = cache[id], let owner = e.owner else { throw Self.notStepping(id, by: nil) }
            var m = e.machine
            let actions = change(&m)
            if m == e.machine { return (m, actions) }
            do {
                let doc = try await write(m, owner: owner, ifMatch: e.etag)
                cache[id] = m.status == .running ? Entry(machine: m, etag: doc.etag, owner: owner) : nil
                return (m, actions)
            } catch let err as WireError where Self.refused(err) {
                // Changed since this node's last write: by a cancel elsewhere (retry on it) or a claim (stop).
                let fresh = try? await read(id)
                guard let fresh, RunClaim.mayRetryRefusedWrite(stored: fresh.owner, mine: owner, exists: true) else {
                    cache[id] = nil
                    throw Self.notStepping(id, by: fresh?.owner)
                }
                cache[id] = fresh.machine.status == .running ? fresh : nil
                if fresh.machine.status != .running { return (fresh.machine, []) }
            } catch {
                cache[id] = nil  // outcome unknown: the next sweep claims it again (resume)
                throw error
            }
        }
        throw WireError(.conflict, "run \(id): changed by others at each of 5 writes; not saved")
    }

    /// A change by a node that does not step the run: on the stored run, conditioned on its
    /// ETag, retried on a refused write.
    private func changeStored(_ id: String, _ change: (inout PlanRunMachine) -> [PlanRunMachine.Action]) async throws -> (PlanRunMachine, [PlanRunMachine.Action]) {
        for _ in 0..<5 {
            let fresh = try await read(id)
            var m = fresh.machine
            let actions = change(&m)
            if m == fresh.machine { return (m, actions) }
            do {
                _ = try await write(m, owner: fresh.owner, ifMatch: fresh.etag)
                return (m, actions)
            } catch let err as WireError where Self.refused(err) {
                continue
            }
        }
        throw WireError(.conflict, "run \(id): changed by others at each of 5 writes; not saved")
    }

    /// Whether this node steps run `id`: always without a cluster.
    func steps(_ id: String) throws -> Bool { try me() == nil || cache[id] != nil }

    /// Run `id`; in a cluster as stored (another node may have changed it, e.g. cancelled it).
    func get(_ id: String) async throws -> PlanRunMachine {
        if try me() != nil { return try await read(id).machine }
        if let e = cache[id] { return e.machine }
        // Not cached here: a change may save a newer state while this read is under way.
        return try await read(id).machine
    }

    /// Every stored run (optionally of one plan), newest last; in a cluster as stored.
    func list(plan: String? = nil) async throws -> [PlanRunMachine] {
        let out = try await storage.allDocuments(in: Self.container, where: plan.map { ["planId": .string($0)] } ?? [:], as: PlanRunMachine.self)
        if try me() != nil { return out }
        return out.map { cache[$0.runId]?.machine ?? $0 }
    }

    /// The ids of the stored runs that are running, with their owners (the sweep's list).
    func running() async throws -> [(id: String, owner: RunOwner?)] {
        struct Head: Decodable { var runId: String; var owner: RunOwner? }
        return try await storage.allDocuments(in: Self.container, where: ["status": "running"], as: Head.self).map { ($0.runId, $0.owner) }
    }

    /// In a cluster: reads run `id`, decides with `RunClaim` (the owner's liveness from
    /// `states`, node id → liveness), and performs the claim it names (a replace with the new
    /// owner, If-Match the ETag read: of several nodes racing, one wins). Returns the decision
    /// and, when this node claimed the run, the run and the actions that resume it at `now`.
    func claim(_ id: String, states: [String: NodeLiveness], now: Int64) async throws -> (RunClaim.Decision, PlanRunMachine?, [PlanRunMachine.Action]) {
        try await exclusive(id) { try await claimHeld(id, states: states, now: now) }
    }

    private func claimHeld(_ id: String, states: [String: NodeLiveness], now: Int64) async throws -> (RunClaim.Decision, PlanRunMachine?, [PlanRunMachine.Action]) {
        guard let me = try me() else { return (.finished, nil, []) }
        let fresh = try await read(id)
        let decision = RunClaim.decide(status: fresh.machine.status, owner: fresh.owner, me: me, stepping: cache[id] != nil,
                                       ownerState: fresh.owner.flatMap { states[$0.node] })
        switch decision {
        case .finished, .lost:
            cache[id] = nil
            return (decision, nil, [])
        case .stepping, .skip:
            return (decision, nil, [])
        case .resume(let owner), .adopt(let owner):
            do {
                let doc = try await write(fresh.machine, owner: owner, ifMatch: fresh.etag)
                cache[id] = Entry(machine: fresh.machine, etag: doc.etag, owner: owner)
                return (decision, fresh.machine, fresh.machine.resumable(now: now))
            } catch let err as WireError where Self.refused(err) {
                return (.skip(owner: fresh.owner ?? owner), nil, [])  // another node claimed it first
            }
        }
    }

    // MARK: Storage

    private func read(_ id: String) async throws -> Entry {
        do {
            let doc = try await storage.call(Method.documentRead, DocumentKey(container: Self.container, id: id), as: Document.self)
            let m = try Wire.decode(PlanRunMachine.self, from: Wire.encode(doc.data), what: "stored run \(id)")
            let owner = try doc.data["owner"].flatMap { $0 == .null ? nil : try Wire.decode(RunOwner.self, from: Wire.encode($0), what: "stored run \(id): field \"owner\"") }
            return Entry(machine: m, etag: doc.etag, owner: owner)
        } catch let e as WireError where e.code == .notFound {
            throw WireError(.notFound, "no run \"\(id)\" (see GET /v1/plans/{id}/runs)")
        }
    }

    /// Replaces the run's document, If-Match `ifMatch` (unconditional when the store gave no ETag).
    private func write(_ m: PlanRunMachine, owner: RunOwner?, ifMatch: String?) async throws -> Document {
        try await storage.call(Method.documentReplace,
                               WriteRequest(container: Self.container, document: Document(id: m.runId, data: try Self.data(m, owner)), ifMatch: ifMatch),
                               as: Document.self)
    }

    private func save(_ m: PlanRunMachine) async throws {
        let data = try Wire.decode(JSONValue.self, from: Wire.encode(m))
        _ = try await storage.call(Method.documentUpsert, WriteRequest(container: Self.container, document: Document(id: m.runId, data: data)),
                                   as: Document.self)
        cache[m.runId] = Entry(machine: m, etag: nil, owner: nil)
        // Finished runs need no cache: they never change again.
        if m.status != .running { cache[m.runId] = nil }
    }

    static func data(_ m: PlanRunMachine, _ owner: RunOwner?) throws -> JSONValue {
        var object = try Wire.decode(JSONValue.self, from: Wire.encode(m)).objectValue ?? [:]
        if let owner { object["owner"] = try Wire.decode(JSONValue.self, from: Wire.encode(owner)) }
        return .object(object)
    }

    static func refused(_ e: WireError) -> Bool { [.conflict, .preconditionFailed, .notFound].contains(e.code) }

    static func notStepping(_ id: String, by owner: RunOwner?) -> WireError {
        WireError(.conflict, "run \(id): not stepped by this node" + (owner.map { " (owned by node \($0.node), token \($0.token))" } ?? ""))
    }
}
