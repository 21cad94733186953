import Foundation
import LightningProtocol
import Logging

/// The daemon's side of crash containment (docs/reliability.md#crash-containment): read what the
/// last run left in the in-flight slots, skip a library whose load crashed the daemon, load the
/// rest inside a "loading" marker, and start a quarantined driver in the `process` tier.
extension Daemon {
    /// Opens the crash guard on the data folder and logs what the last run's markers mean. A guard
    /// that cannot open is logged and stays off (the daemon starts without crash containment).
    func openCrashGuard() {
        do {
            for f in try crashGuard.open(dataDir: config.dataDir) {
                switch f {
                case .deliveryCrashed(let plugin, let event, let crashes):
                    logger.error("the daemon died while event \(event) was inside in-process driver \(plugin) (crash \(crashes) of this event)",
                                 metadata: ["lt.plugin": "\(plugin)", "lt.event": "\(event)"])
                case .quarantined(let plugin, let reason):
                    newlyQuarantined.withLock { $0[plugin] = reason }
                    logger.error("plugin \(plugin) quarantined to the process isolation tier: \(reason)", metadata: ["lt.plugin": "\(plugin)"])
                case .loadCrashed(let plugin, let sha256):
                    logger.error("the daemon died while loading plugin \(plugin) (library sha256 \(sha256)): it is skipped until its library changes",
                                 metadata: ["lt.plugin": "\(plugin)"])
                }
            }
        } catch {
            logger.error("crash containment is off for this run: \(error)")
        }
    }

    /// The quarantine in force for `m` (a driver that crashed the daemon), or nil.
    func quarantineReason(_ m: Manifest) -> String? {
        guard m.kind == .driver, m.isolation != .process else { return nil }
        return crashGuard.quarantineReason(plugin: m.id, sha256: Self.pinnedSha256(m))
    }

    /// Loads `m`'s library in-process and creates an instance, inside a "loading" marker; refuses
    /// a library whose load crashed the daemon before.
    /// - Throws: `HostError(.loadFailed)` with the skip reason; the loader's and `create`'s errors.
    func makeInProcessInstance(_ m: Manifest, config cfg: [String: JSONValue]) throws -> (connection: any ProviderConnection, sha256: String) {
        let pinned = Self.pinnedSha256(m)
        if let skip = crashGuard.loadSkipReason(plugin: m.id, sha256: pinned) {
            throw HostError(.loadFailed, subject: m.displayPath, skip)
        }
        return try crashGuard.loading(plugin: m.id, sha256: pinned) {
            let plugin = try loadLibrary(m)
            return (try plugin.makeInstance(config: .object(cfg)), plugin.sha256)
        }
    }

    /// Marks a started driver's status quarantined and publishes `plugin.quarantined` the first
    /// time (the start after the crash).
    func noteQuarantine(_ m: Manifest, reason: String, status: inout PluginStatus) async {
        status.isolation = Manifest.Isolation.process.rawValue
        status.quarantined = reason
        guard let fresh = newlyQuarantined.withLock({ $0.removeValue(forKey: m.id) }) else { return }
        let event = Event(type: "plugin.quarantined", source: "daemon", data: [
            "plugin": .string(m.id), "reason": .string(fresh), "isolation": .string(Manifest.Isolation.process.rawValue),
        ], priority: .high)
        do { _ = try await router.publish([event]) } catch {
            logger.error("cannot publish plugin.quarantined: \(error)", metadata: ["lt.plugin": "\(m.id)"])
        }
    }

    static func pinnedSha256(_ m: Manifest) -> String { m.library?.sha256.lowercased() ?? "" }
}
