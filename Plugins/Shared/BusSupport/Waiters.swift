import Dispatch
import Foundation
import Synchronization

/// Receivers parked in a long poll (`bus.receive` with `wait_ms`), per subscription.
///
/// No thread blocks: a parked receive is a suspended task. It wakes when its subscription gets
/// ready work (from this instance, or, for a shared bus, from another daemon), when its own
/// timer fires (the deadline, or the moment the next delayed retry or lease expiry is due), or at
/// shutdown. A generation counter per subscription closes the race between "found nothing" and
/// "parked": a notification in between is not lost. Shared by the local and the Redis bus.
public final class Waiters: Sendable {
    public init() {}
    private struct State {
        var generation: [String: UInt64] = [:]
        var allGeneration: UInt64 = 0
        var parked: [String: [UInt64: CheckedContinuation<Void, Never>]] = [:]
        var nextId: UInt64 = 0
        var closed = false
    }
    private let state = Mutex(State())

    /// What `wait` compares against to notice a notification that came in between.
    public func generation(_ subscription: String) -> UInt64 {
        state.withLock { ($0.generation[subscription] ?? 0) &+ $0.allGeneration }
    }

    /// Wakes everything parked on these subscriptions.
    public func notify(_ subscriptions: some Sequence<String>) {
        let wake = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            var out: [CheckedContinuation<Void, Never>] = []
            for name in subscriptions {
                s.generation[name, default: 0] &+= 1
                if let p = s.parked.removeValue(forKey: name) { out += p.values }
            }
            return out
        }
        wake.forEach { $0.resume() }
    }

    /// Wakes every parked receiver (the wake channel reconnected: messages may have been missed).
    public func notifyAll() {
        let wake = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.allGeneration &+= 1
            let out = s.parked.values.flatMap(\.values)
            s.parked = [:]
            return out
        }
        wake.forEach { $0.resume() }
    }

    /// Suspends for at most `delayMs`, or until notified after `seen`.
    public func wait(_ subscription: String, seen: UInt64, delayMs: Int64) async {
        if delayMs <= 0 { return }
        let id = state.withLock { s -> UInt64 in s.nextId &+= 1; return s.nextId }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let parkedNow = state.withLock { s -> Bool in
                    if s.closed || (s.generation[subscription] ?? 0) &+ s.allGeneration != seen { return false }
                    s.parked[subscription, default: [:]][id] = c
                    return true
                }
                guard parkedNow else { c.resume(); return }
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(min(delayMs, 3_600_000)))) {
                    self.wake(subscription, id)
                }
            }
        } onCancel: {
            self.wake(subscription, id)
        }
    }

    /// Wakes every parked receiver and refuses new ones (instance shutdown).
    public func close() {
        let all = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.closed = true
            let out = s.parked.values.flatMap(\.values)
            s.parked = [:]
            return out
        }
        all.forEach { $0.resume() }
    }

    private func wake(_ subscription: String, _ id: UInt64) {
        let c = state.withLock { s in s.parked[subscription]?.removeValue(forKey: id) }
        c?.resume()
    }

    public var isClosed: Bool { state.withLock { $0.closed } }
}
