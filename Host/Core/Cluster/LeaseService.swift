import Foundation
import LightningProtocol
import Logging
public import ServiceLifecycle

/// Keeps the cluster's singleton lease (docs/cluster.md#leases): a `Service` that drives the pure
/// `LeaseMachine` against the storage provider, one document `cluster_leases/singleton`, with
/// create / replace-if-match as the compare-and-swap. Only with `LIGHTNING_CLUSTER=on`. The
/// scheduler fires only on the holder, each fire committed first by `commit` (the fencing check).
///
/// ```
/// loop: read lease ─► machine.observed ─► create | replace(if_match) | wait
///                        write ok ─► wrote(etag)   conflict/412/404 ─► writeRejected   other ─► writeFailed
/// ```
///
/// Threading: the machine is mutated by `run()` and `commit` (one at a time, through the
/// `AsyncGate`) and read by `status(now:)`, `holds` and `ledger`; it sits behind one lock (`Locked`).
public final class LeaseService: Service, Sendable {
    static let container = "cluster_leases"
    static let name = "singleton"
    private let owner = Locked<Daemon?>(nil)
    private let machine: Locked<LeaseMachine?> = Locked(nil)
    /// One writer of the lease document at a time: the run loop's `step` and `commit`.
    private let writes = AsyncGate()
    var daemon: Daemon { owner.value! }
    let enabled: Bool
    /// Lease time in ms (`LIGHTNING_CLUSTER_LEASE_MS`, default 15000).
    let ttl: Int64
    let logger = Logger(label: "lt.cluster.lease")

    init(enabled: Bool, environment: [String: String]) {
        self.enabled = enabled
        let ms = environment["LIGHTNING_CLUSTER_LEASE_MS"].flatMap(Int64.init).flatMap { (300...3_600_000).contains($0) ? $0 : nil }
        ttl = ms ?? 15_000
    }

    func attach(_ daemon: Daemon) { owner.withLock { $0 = daemon } }

    /// Whether this daemon holds the lease at `now` (ms), and its fencing token.
    public func status(now: Int64) -> LeaseStatus {
        let m = machine.value
        var observed: LeaseMachine.Record? = nil
        switch m?.state {
        case .following(let o)?: observed = o
        case .holding(let r, _)?: observed = r
        case .acquiring(_, let renewing)?: observed = renewing?.record
        case nil: break
        }
        return LeaseStatus(name: Self.name, held: m?.token(at: now) != nil, token: m?.token(at: now) ?? observed?.token,
                           holder: observed?.holder, expiresAt: observed?.expiresAt)
    }

    public func run() async throws {
        guard enabled else {
            try? await gracefulShutdown()  // returning would stop the daemon's service group
            return
        }
        let me = try daemon.cluster.nodeId()
        machine.withLock { $0 = LeaseMachine(me: me, ttl: ttl, renewBefore: ttl / 3, safetyMargin: ttl / 10) }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let until: Int64
            do { until = try await step() } catch {
                logger.warning("lease \(Self.name): \(error)")
                until = Timestamp.now().millis + ttl / 10
            }
            let delay = max(20, min(until - Timestamp.now().millis, ttl / 3))
            try? await Task.sleep(for: .milliseconds(delay))
        }
    }

    /// Whether this daemon holds the lease at `now` (ms): false when the cluster is off.
    public func holds(now: Int64) -> Bool { machine.value?.token(at: now) != nil }

    /// The ledger of fires committed under the lease (`LeaseMachine.Record.fired`) while this
    /// daemon holds it at `now`; nil when it does not.
    func ledger(now: Int64) -> [String: Int64]? { machine.value?.ledger(at: now) }

    /// Commits singleton work (schedule fires: id → fire time, ms) in the lease document before
    /// it is done, with the fencing check of `LeaseMachine.commit`: one conditional replace of
    /// the lease document on the ETag of this daemon's hold.
    /// - Parameter keeping: the ids whose ledger entries stay (the schedules that exist).
    /// - Returns: true when the write landed: the work may be done, exactly once. False when
    ///   this daemon does not hold the lease, lost it (another took over: the ETag changed) or
    ///   the outcome is unknown (storage failed): the work must not be done.
    func commit(_ fires: [String: Int64], keeping: Set<String>) async -> Bool {
        await writes.acquire()
        defer { writes.release() }
        let now = Timestamp.now().millis
        guard case .replace(let record, let etag)? = machine.withLock({ $0?.commit(fires, keeping: keeping, now: now) }) else {
            // The pass began while this node held the lease and it lapsed meanwhile (a stall, a
            // store call that hung on a partition): the pass's decision is stale.
            if !fires.isEmpty { logger.info("lease \(Self.name): no longer held at the commit of \(fires.keys.sorted()): not fired (the holder fires them)") }
            return false
        }
        do {
            let data = try Wire.decode(JSONValue.self, from: Wire.encode(record))
            let write = WriteRequest(container: Self.container, document: Document(id: Self.name, data: data), ifMatch: etag)
            let stored = try await daemon.providers.storage.call(Method.documentReplace, write, as: Document.self)
            _ = machine.withLock { $0!.wrote(etag: stored.etag ?? "") }
            return true
        } catch let e as WireError where [.conflict, .preconditionFailed, .notFound].contains(e.code) {
            _ = machine.withLock { $0!.writeRejected(now: Timestamp.now().millis) }
            logger.info("lease \(Self.name): lost before committing \(fires.keys.sorted()) (another node holds it)")
        } catch {
            _ = machine.withLock { $0!.writeFailed(retryAt: Timestamp.now().millis + ttl / 10) }
            logger.warning("lease \(Self.name): commit of \(fires.keys.sorted()) failed, outcome unknown (not done): \(error)")
        }
        return false
    }

    /// One read, decision and write; returns when to look again. Serialized with `commit` (one
    /// writer of the lease document at a time, so a commit never races this node's renewal).
    func step() async throws -> Int64 {
        await writes.acquire()
        defer { writes.release() }
        let storage = daemon.providers.storage
        _ = try await storage.call(Method.containerCreate, ContainerRequest(container: Self.container), as: ContainerResult.self)
        var current: (record: LeaseMachine.Record, etag: String)? = nil
        do {
            let doc = try await storage.call(Method.documentRead, DocumentKey(container: Self.container, id: Self.name), as: Document.self)
            current = (try Wire.decode(LeaseMachine.Record.self, from: Wire.encode(doc.data), what: "lease \(Self.name)"), doc.etag ?? "")
        } catch let e as WireError where e.code == .notFound {}
        let now = Timestamp.now().millis
        let action = machine.withLock { $0!.observed(current, now: now) }
        let next: LeaseMachine.Action
        switch action {
        case .wait(let until): return until
        case .create(let r), .replace(let r, _):
            let data = try Wire.decode(JSONValue.self, from: Wire.encode(r))
            var ifMatch: String? = nil
            if case .replace(_, let e) = action { ifMatch = e }
            let write = WriteRequest(container: Self.container, document: Document(id: Self.name, data: data), ifMatch: ifMatch)
            do {
                let stored = try await storage.call(ifMatch == nil ? Method.documentCreate : Method.documentReplace, write, as: Document.self)
                next = machine.withLock { $0!.wrote(etag: stored.etag ?? "") }
            } catch let e as WireError where [.conflict, .preconditionFailed, .notFound].contains(e.code) {
                next = machine.withLock { $0!.writeRejected(now: Timestamp.now().millis) }
            } catch {
                next = machine.withLock { $0!.writeFailed(retryAt: Timestamp.now().millis + ttl / 10) }
                logger.warning("lease \(Self.name): write failed, outcome unknown: \(error)")
            }
        }
        if case .wait(let until) = next { return until }
        return Timestamp.now().millis
    }
}

/// The lease as one daemon sees it (`GET /v1/cluster`, `leases`).
public struct LeaseStatus: Codable, Sendable, Equatable {
    public var name: String
    /// This daemon holds it now.
    public var held: Bool
    /// The fencing token: this daemon's while it holds it, else the last one seen.
    public var token: Int64?
    /// The holder's node id as last read.
    public var holder: String?
    /// Its expiry as last read (ms since 1970, the holder's clock).
    public var expiresAt: Int64?
    enum CodingKeys: String, CodingKey { case name, held, token, holder, expiresAt = "expires_at" }
}
