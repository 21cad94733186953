/// A first-come first-served lock for async code: `acquire()` suspends (never blocks a thread)
/// until the holder calls `release()`. Not reentrant; pair every `acquire` with one `release`.
/// Used where an actor would not do: an actor's methods interleave at every `await`, and the
/// lease service must keep one read-decide-write of a document whole.
///
/// Threading: any task; the state is behind one lock (`Locked`).
final class AsyncGate: Sendable {
    private struct State {
        var held = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Locked(State())

    /// Waits until the gate is free and takes it.
    func acquire() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.held { s.waiters.append(c); return false }
                s.held = true
                return true
            }
            if now { c.resume() }
        }
    }

    /// Gives the gate to the longest waiter, or frees it.
    func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard !s.waiters.isEmpty else { s.held = false; return nil }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }
}
