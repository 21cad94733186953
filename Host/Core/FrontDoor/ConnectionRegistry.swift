import NIOCore

/// The open connections of one listener and what each is doing, so that at the cap the one idle
/// longest can be closed to admit a new one (as nginx reuses keep-alive connections): idle
/// connections cannot starve a health probe or an operator. Connections in the middle of a
/// request are never chosen; a head still arriving (a slow client) only when none is idle.
///
/// Thread-safe: connections live on several event loops; each updates its entry when its phase
/// changes (a few times per request), under one lock.
final class ConnectionRegistry: Sendable {
    /// What a connection is doing, in the order in which they are chosen for eviction.
    enum Activity: Int, Comparable, Sendable {
        case idle = 0, readingHead = 1, busy = 2
        static func < (a: Activity, b: Activity) -> Bool { a.rawValue < b.rawValue }
    }

    private struct Entry {
        var channel: any Channel
        var activity: Activity
        var since: NIODeadline
        /// The peer's credentials (unix socket connections).
        var peer: PeerCredentials?
        /// Closed to make room; its close is under way.
        var evicting = false
    }

    private struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
        /// A new connection waits for room and nothing could be evicted: the next connection that
        /// becomes idle is closed.
        var wantsRoom = false
        var evictions = 0
    }

    private let state = Locked(State())

    var count: Int { state.withLock { $0.entries.count } }
    /// Connections closed to make room since the listener started.
    var evictions: Int { state.withLock { $0.evictions } }

    func opened(_ channel: any Channel, peer: PeerCredentials? = nil, at now: NIODeadline) {
        state.withLock { $0.entries[ObjectIdentifier(channel)] = Entry(channel: channel, activity: .idle, since: now, peer: peer) }
    }

    /// The credentials recorded when `channel` was opened (unix socket connections).
    func peer(of channel: any Channel) -> PeerCredentials? {
        state.withLock { $0.entries[ObjectIdentifier(channel)]?.peer }
    }

    func closed(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        state.withLock { $0.entries[id] = nil }
    }

    /// Records what `channel` does now; an idle connection is closed at once when a new one waits for room.
    func update(_ channel: any Channel, _ activity: Activity, at now: NIODeadline) {
        let id = ObjectIdentifier(channel)
        let victim: (any Channel)? = state.withLock { s in
            guard let entry = s.entries[id], !entry.evicting else { return nil }
            s.entries[id]?.activity = activity
            s.entries[id]?.since = now
            guard activity != .busy, s.wantsRoom else { return nil }
            s.wantsRoom = false
            s.entries[id]?.evicting = true
            s.evictions += 1
            return s.entries[id]?.channel
        }
        victim?.close(promise: nil)
    }

    /// Closes the connection idle longest (else the one whose head has been arriving longest) to
    /// make room; its close lets the listener accept again. The listener asks once per wait, so
    /// each admitted connection costs at most one eviction.
    /// - Returns: false when none could be chosen (all are in the middle of a request, or being
    ///   closed already); then, unless closes are under way, the next connection to become idle is closed.
    @discardableResult
    func evictOne() -> Bool {
        let victim: (any Channel)? = state.withLock { s in
            let best = s.entries.filter { $0.value.activity != .busy && !$0.value.evicting }
                .min { ($0.value.activity, $0.value.since) < ($1.value.activity, $1.value.since) }
            guard let best else {
                if !s.entries.values.contains(where: \.evicting) { s.wantsRoom = true }
                return nil
            }
            s.entries[best.key]?.evicting = true
            s.evictions += 1
            return best.value.channel
        }
        victim?.close(promise: nil)
        return victim != nil
    }
}
