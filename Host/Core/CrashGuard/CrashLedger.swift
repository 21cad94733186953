/// What the daemon remembers about crashes inside in-process plugin code, across restarts
/// (`<data_dir>/crash-ledger.json`). Pure: `CrashGuard` reads and writes it around these rules.
///
/// ```
///  markers found at start ─▶ record ─▶ events[plugin][event] += 1, plugins[plugin].crashes += 1
///                                    └▶ quarantine (policy) / load crash (skip while the sha256 is the same)
///  each delivery ─▶ deadLetterReason(plugin, event) ─▶ nil: deliver | reason: dead-letter, forget
/// ```
///
/// Rationale: the daemon cannot tell which of several deliveries in flight at the moment of the
/// crash faulted, so each is counted (its reason says how many were in flight). A death with no
/// fault signal recorded (`Death.unexplained`: kill -9, the OOM killer, a power loss, `_exit` in
/// plugin code) blames nobody at first: the work inside is handed over again, and only the same
/// event inside the same driver (or the same library loading) at `Policy.unexplainedAsCrash`
/// such deaths in a row counts as a crash.
public struct CrashLedger: Codable, Sendable, Equatable {
    public struct Policy: Sendable, Equatable {
        /// Crashes of the daemon while an event was inside a driver before it is dead-lettered.
        public var deadLetterAfter: Int
        /// Move a driver that crashed the daemon to the `process` tier.
        public var quarantine: Bool
        /// Deaths without a fault signal with the same work inside before they count as a crash.
        public var unexplainedAsCrash: Int
        public init(deadLetterAfter: Int = 1, quarantine: Bool = true, unexplainedAsCrash: Int = 3) {
            self.deadLetterAfter = deadLetterAfter; self.quarantine = quarantine; self.unexplainedAsCrash = unexplainedAsCrash
        }
    }

    /// How the last run ended, as `FaultRecorder` saw it.
    public enum Death: Sendable, Equatable {
        /// A fault signal raised inside the daemon (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS).
        case fault(signal: Int32)
        /// No fault signal was recorded: kill -9, the OOM killer, a power loss, or `_exit` in plugin code.
        case unexplained

        /// `SIGSEGV` for 11, …; the number for a signal without a name here.
        public var signalName: String? {
            guard case .fault(let n) = self else { return nil }
            let names: [Int32: String] = [4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 11: "SIGSEGV", 31: "SIGSYS"]
            return names[n] ?? "signal \(n)"
        }
    }

    public struct PluginRecord: Codable, Sendable, Equatable {
        /// Crashes during a delivery to it.
        public var crashes = 0
        /// Quarantined to the `process` tier while its manifest pins this sha256 ("" = any).
        public var quarantinedSha256: String?
        public var quarantineReason: String?
        /// The daemon crashed while loading the library with this sha256; skipped while pinned.
        public var loadCrashSha256: String?
        public var loadCrashes = 0
        /// Deaths without a fault signal while loading its library (the sha256 of `loadKillSha256`), in a row.
        public var loadKills = 0
        public var loadKillSha256: String?
        public init() {}

        enum CodingKeys: String, CodingKey { case crashes, quarantinedSha256, quarantineReason, loadCrashSha256, loadCrashes, loadKills, loadKillSha256 }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            crashes = try c.decodeIfPresent(Int.self, forKey: .crashes) ?? 0
            quarantinedSha256 = try c.decodeIfPresent(String.self, forKey: .quarantinedSha256)
            quarantineReason = try c.decodeIfPresent(String.self, forKey: .quarantineReason)
            loadCrashSha256 = try c.decodeIfPresent(String.self, forKey: .loadCrashSha256)
            loadCrashes = try c.decodeIfPresent(Int.self, forKey: .loadCrashes) ?? 0
            loadKills = try c.decodeIfPresent(Int.self, forKey: .loadKills) ?? 0
            loadKillSha256 = try c.decodeIfPresent(String.self, forKey: .loadKillSha256)
        }
    }

    public struct EventRecord: Codable, Sendable, Equatable {
        public var crashes = 0
        /// Deliveries of the same plugin in flight at the last crash (1 = this one alone).
        public var inFlight = 1
        /// Deaths without a fault signal with this event inside, in a row.
        public var kills = 0
        public init() {}

        enum CodingKeys: String, CodingKey { case crashes, inFlight, kills }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            crashes = try c.decodeIfPresent(Int.self, forKey: .crashes) ?? 0
            inFlight = try c.decodeIfPresent(Int.self, forKey: .inFlight) ?? 1
            kills = try c.decodeIfPresent(Int.self, forKey: .kills) ?? 0
        }
    }

    public enum Finding: Sendable, Equatable {
        case deliveryCrashed(plugin: String, event: String, crashes: Int)
        /// The daemon died without a fault signal with the event inside: handed over again.
        case deliveryInterrupted(plugin: String, event: String, kills: Int, of: Int)
        /// The daemon died without a fault signal while loading the library: loaded again.
        case loadInterrupted(plugin: String, kills: Int, of: Int)
        case quarantined(plugin: String, reason: String)
        case loadCrashed(plugin: String, sha256: String)
    }

    public var plugins: [String: PluginRecord] = [:]
    /// plugin → event id → record; removed once the event is dead-lettered.
    public var events: [String: [String: EventRecord]] = [:]

    public init() {}

    /// Counts the markers of the last run (`InFlightSlots.open`) against events and plugins,
    /// after a run that ended by `death`.
    /// - Returns: what changed, in marker order (plugins by first appearance).
    public mutating func record(_ markers: [CrashMarker], death: Death, policy: Policy) -> [Finding] {
        var out: [Finding] = []
        var perPlugin: [String: Int] = [:]
        for m in markers where m.kind == .delivery { perPlugin[m.plugin, default: 0] += 1 }
        var quarantinedNow: Set<String> = []
        let threshold = max(1, policy.unexplainedAsCrash)
        for m in markers {
            var p = plugins[m.plugin] ?? PluginRecord()
            switch m.kind {
            case .delivery:
                var e = events[m.plugin]?[m.subject] ?? EventRecord()
                e.inFlight = perPlugin[m.plugin] ?? 1
                if death == .unexplained {
                    e.kills += 1
                    if e.kills < threshold {
                        events[m.plugin, default: [:]][m.subject] = e
                        out.append(.deliveryInterrupted(plugin: m.plugin, event: m.subject, kills: e.kills, of: threshold))
                        continue
                    }
                }
                p.crashes += 1
                e.crashes += 1
                events[m.plugin, default: [:]][m.subject] = e
                out.append(.deliveryCrashed(plugin: m.plugin, event: m.subject, crashes: e.crashes))
                if policy.quarantine, !quarantinedNow.contains(m.plugin), p.quarantinedSha256 != m.sha256 {
                    quarantinedNow.insert(m.plugin)
                    let n = perPlugin[m.plugin] ?? 1
                    let how = death == .unexplained ? "the daemon died \(e.kills) times in a row with no fault signal" : "crashed the daemon"
                    let reason = n == 1 ? "\(how) while handling event \(m.subject)"
                        : "\(how) while handling one of \(n) events in flight (\(m.subject), …)"
                    p.quarantinedSha256 = m.sha256
                    p.quarantineReason = reason
                    out.append(.quarantined(plugin: m.plugin, reason: reason))
                }
            case .loading:
                if death == .unexplained {
                    p.loadKills = p.loadKillSha256 == m.sha256 ? p.loadKills + 1 : 1
                    p.loadKillSha256 = m.sha256
                    if p.loadKills < threshold {
                        plugins[m.plugin] = p
                        out.append(.loadInterrupted(plugin: m.plugin, kills: p.loadKills, of: threshold))
                        continue
                    }
                }
                p.loadCrashes += 1
                p.loadCrashSha256 = m.sha256
                out.append(.loadCrashed(plugin: m.plugin, sha256: m.sha256))
            }
            plugins[m.plugin] = p
        }
        return out
    }

    /// Why `event` must not be handed to `plugin` again, or nil to deliver it.
    public func deadLetterReason(plugin: String, event: String, policy: Policy) -> String? {
        guard let e = events[plugin]?[event], e.crashes >= policy.deadLetterAfter else { return nil }
        return e.inFlight <= 1 ? "crashed the daemon in \(plugin)"
            : "crashed the daemon in \(plugin) (one of \(e.inFlight) deliveries in flight at the crash)"
    }

    /// Forgets an event once it is dead-lettered (or handled).
    public mutating func forget(plugin: String, event: String) {
        events[plugin]?[event] = nil
        if events[plugin]?.isEmpty == true { events[plugin] = nil }
    }

    /// The quarantine reason while `plugin`'s manifest pins `sha256` (a new library lifts it).
    public func quarantineReason(plugin: String, sha256: String) -> String? {
        guard let p = plugins[plugin], let q = p.quarantinedSha256, q.isEmpty || q == sha256.lowercased() else { return nil }
        return p.quarantineReason
    }

    /// Why loading `plugin` with `sha256` is skipped, or nil to load it.
    public func loadSkipReason(plugin: String, sha256: String) -> String? {
        guard let s = plugins[plugin]?.loadCrashSha256, s == sha256.lowercased() else { return nil }
        return "skipped: the daemon crashed while loading this library (sha256 \(s)) at an earlier start; "
            + "it stays skipped until the manifest pins another library (or remove \"\(plugin)\" from crash-ledger.json in the data folder)"
    }
}
