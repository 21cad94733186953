import Foundation
import LightningProtocol
import Synchronization

/// What this plugin instance knows about its invocations: per-function counters, calls in
/// flight, and the last `capacity` invocations (oldest dropped first) for `functions.invocation`.
/// Azure keeps its own records in Application Insights; these are only what passed through here,
/// since the instance was created.
///
/// Threading: every method may be called from any task (one `Mutex`).
final class InvocationBook: Sendable {
    private struct State {
        var stats: [String: FunctionStats] = [:]
        var busy: [String: Int] = [:]
        var invokeMsTotal: [String: Double] = [:]
        var records: [String: Invocation] = [:]
        var order: [String] = []
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// Counts an invocation that is about to be sent.
    func started(_ function: String) {
        state.withLock {
            $0.stats[function, default: FunctionStats()].invocations += 1
            $0.busy[function, default: 0] += 1
        }
    }

    /// Counts how an invocation ended: `invocation` when it produced one, else the error thrown
    /// before Azure answered (throttled, timeout, unreachable).
    func finished(_ function: String, invocation: Invocation?, thrown: WireError?) {
        state.withLock { s in
            s.busy[function, default: 1] -= 1
            var st = s.stats[function, default: FunctionStats()]
            if let inv = invocation {
                switch inv.status {
                case .succeeded:
                    st.succeeded += 1
                    if let d = inv.durationMs {
                        s.invokeMsTotal[function, default: 0] += d
                        st.warmInvokeMsAvg = s.invokeMsTotal[function, default: 0] / Double(st.succeeded)
                    }
                case .failed:
                    if inv.error?.code == .timeout { st.timeouts += 1 } else { st.failed += 1 }
                    st.lastError = inv.error?.message
                case .running:
                    break
                }
            } else if let e = thrown {
                switch e.code {
                case .throttled: st.throttled += 1
                case .timeout: st.timeouts += 1
                default: st.failed += 1
                }
                st.lastError = e.message
            }
            s.stats[function] = st
        }
    }

    func stats(_ function: String) -> (stats: FunctionStats, busy: Int) {
        state.withLock { ($0.stats[function] ?? FunctionStats(), $0.busy[function] ?? 0) }
    }

    /// Keeps (or replaces) an invocation's record.
    func record(_ inv: Invocation) {
        state.withLock { s in
            if s.records.updateValue(inv, forKey: inv.invocationId) == nil {
                s.order.append(inv.invocationId)
                if s.order.count > capacity {
                    let drop = s.order.count - capacity
                    for id in s.order.prefix(drop) { s.records[id] = nil }
                    s.order.removeFirst(drop)
                }
            }
        }
    }

    func lookup(_ id: String) -> Invocation? { state.withLock { $0.records[id] } }

    /// The latest `limit` records of `function` (case-insensitive, as Azure's names), the latest
    /// started first.
    func recent(of function: String, limit: Int) -> [Invocation] {
        let mine = state.withLock { s in
            s.order.reversed().compactMap { s.records[$0] }.filter { $0.function.caseInsensitiveCompare(function) == .orderedSame }
        }
        return Array(mine.enumerated().sorted { ($0.element.startedAt, -$0.offset) > ($1.element.startedAt, -$1.offset) }.prefix(limit).map(\.element))
    }
}
