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

    /// One watcher: iterate `items`; it ends when the tap closes.
    public struct Watch: Sendable {
        public let items: AsyncStream<Item>
        let id: UInt64
        let tap: EventTap
        /// Injects a heartbeat (the SSE route does this on a timer).
        public func heartbeat() { tap.send(.heartbeat, to: id) }
    }

    private struct Watcher {
        let patterns: [String]
        let sink: AsyncStream<Item>.Continuation
        var dropped = 0
    }

    private struct State {
        var watchers: [UInt64: Watcher] = [:]
        var nextId: UInt64 = 0
        var closed = false
    }

    private let state = Locked(State())
    let bufferSize: Int

    public init(bufferSize: Int = 4096) { self.bufferSize = bufferSize }

    /// Starts watching events whose type matches one of `patterns`.
    public func watch(patterns: [String]) -> Watch {
        let (stream, sink) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .bufferingNewest(bufferSize))
        let id = state.withLock { s -> UInt64? in
            if s.closed { return nil }
            s.nextId += 1
            s.watchers[s.nextId] = Watcher(patterns: patterns, sink: sink)
            return s.nextId
        }
        guard let id else {
            sink.finish()
            return Watch(items: stream, id: 0, tap: self)
        }
        sink.onTermination = { [weak self] _ in self?.state.withLock { _ = $0.watchers.removeValue(forKey: id) } }
        return Watch(items: stream, id: id, tap: self)
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

    private func send(_ item: Item, to id: UInt64) {
        state.withLock { s in _ = s.watchers[id]?.sink.yield(item) }
    }

    /// Ends every watch (daemon shutdown) and refuses new ones.
    func close() {
        let sinks = state.withLock { s -> [AsyncStream<Item>.Continuation] in
            s.closed = true
            defer { s.watchers = [:] }
            return s.watchers.values.map(\.sink)
        }
        sinks.forEach { $0.finish() }
    }
}
