import LightningProtocol
import Synchronization

/// The child's outstanding requests to the host: id → the continuation waiting for the answer.
///
/// Ids come from one atomic counter (`1, 2, 3, …`), so they are unique among the child's own
/// outstanding requests. A response resolves its entry exactly once: whichever of `resolve`,
/// `fail`, `failAll` removes the entry first resumes the continuation; the others find nothing.
///
/// Threading: any thread (the reader thread resolves, handler tasks insert and cancel).
final class PendingCalls: Sendable {
    typealias Waiter = CheckedContinuation<JSONValue, any Error>

    private struct State {
        var waiters: [RPCID: Waiter] = [:]
        /// Set when the connection closed: new calls fail at once with this error.
        var closedError: WireError?
    }
    private let state = Mutex(State())
    private let counter = Atomic<Int64>(0)

    /// A fresh request id.
    func nextID() -> RPCID { .int(counter.add(1, ordering: .relaxed).newValue) }

    /// Registers `waiter` for `id`.
    /// - Returns: nil when registered; else the error to resume it with (connection closed).
    func insert(_ id: RPCID, _ waiter: Waiter) -> WireError? {
        state.withLock { s in
            if let closed = s.closedError { return closed }
            s.waiters[id] = waiter
            return nil
        }
    }

    /// Resumes the waiter of `id` with `result`.
    /// - Returns: false when no call with that id is outstanding.
    @discardableResult
    func resolve(_ id: RPCID, with result: Result<JSONValue, any Error>) -> Bool {
        guard let waiter = state.withLock({ $0.waiters.removeValue(forKey: id) }) else { return false }
        waiter.resume(with: result)
        return true
    }

    /// Fails the call `id` (if still outstanding) with `error`.
    func fail(_ id: RPCID, _ error: any Error) { resolve(id, with: .failure(error)) }

    /// Fails every outstanding call with `error` and makes later calls fail with it too.
    func failAll(_ error: WireError) {
        let waiters = state.withLock { s in
            s.closedError = s.closedError ?? error
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for w in waiters { w.resume(throwing: error) }
    }
}
