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
        libraryProbe.open(dataDir: config.dataDir)
        do {
            let (death, findings) = try crashGuard.open(dataDir: config.dataDir, recordFaults: true)
            let how = death.signalName.map { "died of \($0)" } ?? "died"
            for f in findings {
                switch f {
                case .deliveryCrashed(let plugin, let event, let crashes):
                    logger.error("the daemon \(how) while event \(event) was inside in-process driver \(plugin) (crash \(crashes) of this event)",
                                 metadata: ["lt.plugin": "\(plugin)", "lt.event": "\(event)"])
                case .deliveryInterrupted(let plugin, let event, let kills, let threshold):
                    logger.warning("the daemon died without a fault signal (kill -9, the OOM killer, a power loss) while event \(event) was inside in-process driver \(plugin): handed over again (\(kills) of \(threshold) such deaths in a row before it counts as a crash)",
                                   metadata: ["lt.plugin": "\(plugin)", "lt.event": "\(event)"])
                case .loadInterrupted(let plugin, let kills, let threshold):
                    logger.warning("the daemon died without a fault signal while loading plugin \(plugin): loaded again (\(kills) of \(threshold) such deaths in a row before it counts as a crash)",
                                   metadata: ["lt.plugin": "\(plugin)"])
                case .quarantined(let plugin, let reason):
                    newlyQuarantined.withLock { $0[plugin] = reason }
                    logger.error("plugin \(plugin) quarantined to the process isolation tier: \(reason)", metadata: ["lt.plugin": "\(plugin)"])
                case .loadCrashed(let plugin, let sha256):
                    logger.error("the daemon \(how) while loading plugin \(plugin) (library sha256 \(sha256)): it is skipped until its library changes",
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
    func makeInProcessInstance(_ m: Manifest, config cfg: [String: JSONValue]) async throws -> (connection: any ProviderConnection, sha256: String) {
        let pinned = Self.pinnedSha256(m)
        if let skip = crashGuard.loadSkipReason(plugin: m.id, sha256: pinned) {
            throw HostError(.loadFailed, subject: m.displayPath, skip)
        }
        try await probeNewLibrary(m)
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

    /// Loads `m`'s library in a `plugin-host --probe` child first unless a verdict for its sha256
    /// is cached. Without a `lightning` binary to probe with, the library loads unprobed (logged).
    /// - Throws: `HostError(.loadFailed)` when the probe crashed (now or before: the cached
    ///   verdict) or did not finish loading in time.
    func probeNewLibrary(_ m: Manifest) async throws {
        // A missing library, or one the pin refuses, is the loader's to report.
        guard let url = m.libraryURL(pluginDirs: pluginDirs), FileManager.default.fileExists(atPath: url.path),
              let digest = try? PluginLoader.sha256(ofFileAt: url, subject: m.displayPath) else { return }
        let (verdict, run) = await libraryProbe.verdict(library: url, sha256: digest) { try self.pluginHostExecutable(m) }
        switch (verdict, run) {
        case (.clean?, _):
            if run != nil { logger.info("library probed in a child: loads cleanly", metadata: ["lt.plugin": "\(m.id)", "sha256": "\(digest)"]) }
        case (.crashed(let exit)?, _):
            throw HostError(.loadFailed, subject: m.displayPath,
                            "library \(url.path) (sha256 \(digest)) crashed the probe child while loading (\(exit))\(run == nil ? ", verdict cached in probe-verdicts.json" : ""): not loaded into the daemon")
        case (nil, .timedOut(let limit)?):
            throw HostError(.loadFailed, subject: m.displayPath,
                            "library \(url.path) (sha256 \(digest)) did not finish loading in the probe child within \(limit): not loaded into the daemon")
        case (nil, _):
            // A refusal by the loader's checks (the daemon's loader gives the same, with its
            // message), or a probe that could not start (logged; loaded unprobed).
            if case .failed(let why)? = run { logger.warning("library \(url.path) loads without a probe: \(why)", metadata: ["lt.plugin": "\(m.id)"]) }
        }
    }

    static func pinnedSha256(_ m: Manifest) -> String { m.library?.sha256.lowercased() ?? "" }
}
