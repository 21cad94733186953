import Foundation
import LightningProtocol
import Logging
public import ServiceLifecycle

/// Keeps the cluster's singleton lease (docs/cluster.md#leases): a `Service` that drives the pure
/// `LeaseMachine` against the storage provider, one document `cluster_leases/singleton`, with
/// create / replace-if-match as the compare-and-swap. Only with `LIGHTNING_CLUSTER=on`; nothing
/// uses the lease yet (schedules are not wired to it).
///
/// ```
/// loop: read lease ─► machine.observed ─► create | replace(if_match) | wait
///                        write ok ─► wrote(etag)   conflict/412/404 ─► writeRejected   other ─► writeFailed
/// ```
///
/// Threading: the machine is mutated by `run()` only and read by `status(now:)`; it sits behind
/// one lock (`Locked`).
public final class LeaseService: Service, Sendable {
    static let container = "cluster_leases"
    static let name = "singleton"
    private let owner = Locked<Daemon?>(nil)
    private let machine: Locked<LeaseMachine?> = Locked(nil)
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

    /// One read, decision and write; returns when to look again.
    func step() async throws -> Int64 {
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
