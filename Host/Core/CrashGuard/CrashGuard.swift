public import Foundation
public import Logging

/// Crash containment for in-process plugin code (docs/reliability.md#crash-containment): the
/// in-flight slots around each in-process delivery and each library load, and the ledger that
/// turns the slots found after a crash into dead letters, quarantines and skipped loads.
///
/// ```
///  Daemon.start ─▶ open(dataDir) ─▶ slots of the last run ─▶ CrashLedger.record ─▶ crash-ledger.json
///  EventRouter.deliver ─▶ deadLetterReason? ─▶ nack(retry: false) ─▶ forget
///                      └▶ enter(delivery) ─▶ driver.handle (in-process) ─▶ leave
///  Daemon.makeInstance ─▶ loadSkipReason? ─▶ enter(loading) ─▶ dlopen + create ─▶ leave
/// ```
///
/// Before `open` (or when it failed) every call is a no-op: nothing is marked, nothing is skipped.
public final class CrashGuard: Sendable {
    public let policy: CrashLedger.Policy
    private let slots = Locked<InFlightSlots?>(nil)
    private let ledger = Locked(CrashLedger())
    private let ledgerURL = Locked<URL?>(nil)
    /// Kept for the life of the guard: its page is where the fault handlers write.
    private let faults = Locked<FaultRecorder?>(nil)
    private let logger: Logger

    public init(policy: CrashLedger.Policy = .init(), logger: Logger = Logger(label: "lt.crashguard")) {
        self.policy = policy
        self.logger = logger
    }

    /// Maps `<dataDir>/inflight.slots` and `<dataDir>/inflight.fault`, reads
    /// `<dataDir>/crash-ledger.json`, counts the markers of the last run into the ledger (as
    /// crashes after a fault signal, as interruptions after a death without one) and writes it
    /// back when anything changed. With `recordFaults`, this process's fault signals are recorded
    /// from now on (the daemon; not a test that opens several guards).
    /// - Returns: how the last run died and what its markers changed (`CrashLedger.Finding`), in marker order.
    /// - Throws: `HostError` naming the file when a file cannot be mapped or the ledger
    ///   cannot be written; a ledger that does not parse is logged and started afresh.
    @discardableResult
    public func open(dataDir: URL, recordFaults: Bool = false) throws -> (death: CrashLedger.Death, findings: [CrashLedger.Finding]) {
        let url = dataDir.appendingPathComponent("crash-ledger.json")
        var current = CrashLedger()
        if let data = try? Data(contentsOf: url) {
            do { current = try Self.decoder.decode(CrashLedger.self, from: data) } catch {
                logger.error("\(url.path): expected a crash ledger (JSON), got text that does not parse (\(error)); starting a new one")
            }
        }
        let (s, markers) = try InFlightSlots.open(at: dataDir.appendingPathComponent("inflight.slots"))
        let (recorder, death) = try FaultRecorder.open(at: dataDir.appendingPathComponent("inflight.fault"))
        if recordFaults { try recorder.arm() }
        faults.withLock { $0 = recorder }
        let findings = current.record(markers, death: death, policy: policy)
        ledgerURL.withLock { $0 = url }
        ledger.withLock { $0 = current }
        slots.withLock { $0 = s }
        if !findings.isEmpty { try save(current) }
        return (death, findings)
    }

    // MARK: deliveries

    /// Marks a delivery inside in-process plugin code; pass the result to `leave`.
    public func enterDelivery(plugin: String, sha256: String, event: String) -> Int32? {
        slots.withLock { $0 }?.enter(CrashMarker(kind: .delivery, plugin: plugin, sha256: sha256, subject: event))
    }

    public func leave(_ slot: Int32?) {
        guard let slot, let s = slots.withLock({ $0 }) else { return }
        s.leave(slot)
    }

    /// Why `event` must not be handed to `plugin` again (`crashed the daemon in <plugin>`), or nil.
    public func deadLetterReason(plugin: String, event: String) -> String? {
        ledger.withLock { $0.events.isEmpty ? nil : $0.deadLetterReason(plugin: plugin, event: event, policy: policy) }
    }

    /// Forgets an event the driver handled, when the ledger remembers it (an interruption, or
    /// crashes below the threshold): the count is of deaths in a row.
    public func handled(plugin: String, event: String) {
        guard ledger.withLock({ !$0.events.isEmpty && $0.events[plugin]?[event] != nil }) else { return }
        forget(plugin: plugin, event: event)
    }

    /// Forgets a dead-lettered event and writes the ledger (a failed write is logged: at worst the
    /// event's next redelivery is dead-lettered again).
    public func forget(plugin: String, event: String) {
        let next = ledger.withLock { l -> CrashLedger in l.forget(plugin: plugin, event: event); return l }
        do { try save(next) } catch { logger.error("cannot write the crash ledger: \(error)") }
    }

    // MARK: loads and quarantine

    public func quarantineReason(plugin: String, sha256: String) -> String? {
        ledger.withLock { $0.quarantineReason(plugin: plugin, sha256: sha256) }
    }

    public func loadSkipReason(plugin: String, sha256: String) -> String? {
        ledger.withLock { $0.loadSkipReason(plugin: plugin, sha256: sha256) }
    }

    /// Runs `body` (dlopen, entry, `create`) inside a "loading `plugin`" marker.
    public func loading<T>(plugin: String, sha256: String, _ body: () throws -> T) rethrows -> T {
        let slot = slots.withLock { $0 }?.enter(CrashMarker(kind: .loading, plugin: plugin, sha256: sha256, subject: ""))
        defer { leave(slot) }
        let result = try body()
        // A load that completed ends a row of deaths without a fault during its loading.
        if let next = ledger.withLock({ l -> CrashLedger? in
            guard (l.plugins[plugin]?.loadKills ?? 0) > 0 else { return nil }
            l.plugins[plugin]?.loadKills = 0
            l.plugins[plugin]?.loadKillSha256 = nil
            return l
        }) {
            do { try save(next) } catch { logger.error("cannot write the crash ledger: \(error)") }
        }
        return result
    }

    /// The ledger as it is now (for tests and `/v1/plugins`).
    public var snapshot: CrashLedger { ledger.value }

    private func save(_ l: CrashLedger) throws {
        guard let url = ledgerURL.value else { return }
        do { try Self.encoder.encode(l).write(to: url, options: .atomic) } catch {
            throw HostError(.loadFailed, subject: url.path, "cannot write the crash ledger: \(error)")
        }
    }

    private static let encoder: JSONEncoder = {
        // No key strategy: plugin and event ids are dictionary keys and must stay as they are.
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        return e
    }()
    private static let decoder = JSONDecoder()
}
