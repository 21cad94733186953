import Foundation
public import LightningProtocol

/// A live feed of the events this daemon accepted (`GET /v1/events/stream`, `lightning events
/// tail`). Not a delivery mechanism: a watcher that falls behind loses the oldest events of its
/// buffer (and is told how many), never slows publishing, and sees nothing from before it
/// connected. Durable consumers use bus subscriptions instead.
public final class EventTap: Sendable {
    public enum Item: Sendable {
        case event(Event)
        /// The watcher was too slow; this many events were dropped from its buffer.
        case dropped(Int)
        /// Nothing happened for a while (keeps connections alive, detects gone clients).
        case heartbeat
    }

    /// One watcher: iterate `items`; it ends when the tap closes. Dropping it ends the watch.
    public struct Watch: Sendable {
        public let items: AsyncStream<Item>
    }

    private struct Watcher {
        let patterns: [String]
        let sink: AsyncStream<Item>.Continuation
        var dropped = 0
        /// When a heartbeat is due, and how often, if this watcher asked for them.
        var beat: (every: Duration, next: ContinuousClock.Instant)?
    }

    private struct State {
        var watchers: [UInt64: Watcher] = [:]
        var nextId: UInt64 = 0
        var closed = false
    }

    private let state = Locked(State())
    let bufferSize: Int
    /// Wakes `runHeartbeats` when a watcher that wants heartbeats arrives (at most one pending).
    private let wakes: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    /// How often `runHeartbeats` looks for due heartbeats while a watcher wants them.
    static let heartbeatTick: Duration = .milliseconds(50)

    public init(bufferSize: Int = 4096) {
        self.bufferSize = bufferSize
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Starts watching events whose type matches one of `patterns`. With `heartbeat`, a
    /// `.heartbeat` item arrives every that long (from `runHeartbeats`, which the router runs),
    /// so the reader can keep a connection alive and notice a gone client without a timer of
    /// its own.
    public func watch(patterns: [String], heartbeat: Duration? = nil) -> Watch {
        let (stream, sink) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .bufferingNewest(bufferSize))
        let id = state.withLock { s -> UInt64? in
            if s.closed { return nil }
            s.nextId += 1
            var w = Watcher(patterns: patterns, sink: sink)
            if let heartbeat { w.beat = (heartbeat, .now + heartbeat) }
            s.watchers[s.nextId] = w
            return s.nextId
        }
        guard let id else {
            sink.finish()
            return Watch(items: stream)
        }
        sink.onTermination = { [weak self] _ in self?.state.withLock { _ = $0.watchers.removeValue(forKey: id) } }
        if heartbeat != nil { wake.yield() }
        return Watch(items: stream)
    }

    /// Sends the heartbeats that are due at `now`; answers whether any watcher wants them.
    @discardableResult
    func sendDueHeartbeats(now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { s in
            var wanted = false
            for id in Array(s.watchers.keys) {
                guard var beat = s.watchers[id]?.beat else { continue }
                wanted = true
                guard beat.next <= now else { continue }
                _ = s.watchers[id]?.sink.yield(.heartbeat)
                beat.next = max(beat.next + beat.every, now)
                s.watchers[id]?.beat = beat
            }
            return wanted
        }
    }

    /// The one timer behind every watcher's heartbeats, a child of the router's task group:
    /// ticks while some watcher wants heartbeats, sleeps on `wakes` while none does. Returns
    /// when cancelled or when the tap closes.
    func runHeartbeats() async {
        var wakeups = wakes.makeAsyncIterator()
        while !Task.isCancelled {
            if sendDueHeartbeats() {
                do { try await Task.sleep(for: Self.heartbeatTick) } catch { return }
            } else if await wakeups.next() == nil {
                return
            }
        }
    }

    public var watcherCount: Int { state.withLock { $0.watchers.count } }

    /// Offers accepted events to every watcher whose patterns match.
    func publish(_ events: [Event]) {
        state.withLock { s in
            guard !s.watchers.isEmpty else { return }
            for id in Array(s.watchers.keys) {
                guard var w = s.watchers[id] else { continue }
                for e in events where EventPattern.matchesAny(w.patterns, e.type) {
                    if w.dropped > 0, case .enqueued = w.sink.yield(.dropped(w.dropped)) { w.dropped = 0 }
                    if case .dropped = w.sink.yield(.event(e)) { w.dropped += 1 }
                }
                s.watchers[id] = w
            }
        }
    }

    /// Ends every watch (daemon shutdown) and refuses new ones.
    func close() {
        let sinks = state.withLock { s -> [AsyncStream<Item>.Continuation] in
            s.closed = true
            defer { s.watchers = [:] }
            return s.watchers.values.map(\.sink)
        }
        sinks.forEach { $0.finish() }
        wake.finish()
    }
}
