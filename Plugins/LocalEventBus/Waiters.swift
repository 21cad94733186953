import Foundation
import Synchronization

/// Receivers parked in a long poll (`bus.receive` with `wait_ms`), per subscription.
///
/// No thread blocks: a parked receive is a suspended task. It wakes when a commit gives its
/// subscription ready work, when its own timer fires (the deadline, or the moment the next
/// delayed retry becomes visible), or at shutdown. A generation counter per subscription closes
/// the race between "found nothing" and "parked": a notification in between is not lost.
final class Waiters: Sendable {
    private struct State {
        var generation: [String: UInt64] = [:]
        var parked: [String: [UInt64: CheckedContinuation<Void, Never>]] = [:]
        var nextId: UInt64 = 0
        var closed = false
    }
    private let state = Mutex(State())

    func generation(_ subscription: String) -> UInt64 {
        state.withLock { $0.generation[subscription] ?? 0 }
    }

    /// Wakes everything parked on these subscriptions.
    func notify(_ subscriptions: Set<String>) {
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

    /// Suspends until notified after `seen`, or until `deadline` (a `Timestamp` in ms).
    func wait(_ subscription: String, seen: UInt64, untilMillis deadline: Int64) async {
        let delay = deadline - Int64(Date().timeIntervalSince1970 * 1000)
        if delay <= 0 { return }
        let id = state.withLock { s -> UInt64 in s.nextId &+= 1; return s.nextId }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let parkedNow = state.withLock { s -> Bool in
                    if s.closed || (s.generation[subscription] ?? 0) != seen { return false }
                    s.parked[subscription, default: [:]][id] = c
                    return true
                }
                guard parkedNow else { c.resume(); return }
                Task {
                    try? await Task.sleep(for: .milliseconds(delay))
                    self.wake(subscription, id)
                }
            }
        } onCancel: {
            self.wake(subscription, id)
        }
    }

    /// Wakes every parked receiver and refuses new ones (instance shutdown).
    func close() {
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

    var isClosed: Bool { state.withLock { $0.closed } }
}
