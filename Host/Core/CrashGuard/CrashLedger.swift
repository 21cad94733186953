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
/// crash faulted, so each is counted (its reason says how many were in flight).
public struct CrashLedger: Codable, Sendable, Equatable {
    public struct Policy: Sendable, Equatable {
        /// Crashes of the daemon while an event was inside a driver before it is dead-lettered.
        public var deadLetterAfter: Int
        /// Move a driver that crashed the daemon to the `process` tier.
        public var quarantine: Bool
        public init(deadLetterAfter: Int = 1, quarantine: Bool = true) {
            self.deadLetterAfter = deadLetterAfter; self.quarantine = quarantine
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
        public init() {}
    }

    public struct EventRecord: Codable, Sendable, Equatable {
        public var crashes = 0
        /// Deliveries of the same plugin in flight at the last crash (1 = this one alone).
        public var inFlight = 1
    }

    public enum Finding: Sendable, Equatable {
        case deliveryCrashed(plugin: String, event: String, crashes: Int)
        case quarantined(plugin: String, reason: String)
        case loadCrashed(plugin: String, sha256: String)
    }

    public var plugins: [String: PluginRecord] = [:]
    /// plugin → event id → record; removed once the event is dead-lettered.
    public var events: [String: [String: EventRecord]] = [:]

    public init() {}

    /// Counts the markers of the last run (`InFlightSlots.open`) against events and plugins.
    /// - Returns: what changed, in marker order (plugins by first appearance).
    public mutating func record(_ markers: [CrashMarker], policy: Policy) -> [Finding] {
        var out: [Finding] = []
        var perPlugin: [String: Int] = [:]
        for m in markers where m.kind == .delivery { perPlugin[m.plugin, default: 0] += 1 }
        var quarantinedNow: Set<String> = []
        for m in markers {
            var p = plugins[m.plugin] ?? PluginRecord()
            switch m.kind {
            case .delivery:
                p.crashes += 1
                var e = events[m.plugin]?[m.subject] ?? EventRecord()
                e.crashes += 1
                e.inFlight = perPlugin[m.plugin] ?? 1
                events[m.plugin, default: [:]][m.subject] = e
                out.append(.deliveryCrashed(plugin: m.plugin, event: m.subject, crashes: e.crashes))
                if policy.quarantine, !quarantinedNow.contains(m.plugin), p.quarantinedSha256 != m.sha256 {
                    quarantinedNow.insert(m.plugin)
                    let n = perPlugin[m.plugin] ?? 1
                    let reason = n == 1 ? "crashed the daemon while handling event \(m.subject)"
                        : "crashed the daemon while handling one of \(n) events in flight (\(m.subject), …)"
                    p.quarantinedSha256 = m.sha256
                    p.quarantineReason = reason
                    out.append(.quarantined(plugin: m.plugin, reason: reason))
                }
            case .loading:
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
