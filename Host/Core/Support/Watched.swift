/// A value behind one mutex whose changes wake the tasks waiting for a condition on it: the one
/// waiter primitive of HostCore (a child's readiness and exit, a free function instance, a
/// backoff a stop interrupts).
///
/// ```
///  update { v in … } ──▶ value changed ──▶ every waiter whose condition now holds resumes (true)
///  wait(for: d) { cond } ──▶ true at once if cond holds, else suspends until an update makes it
///                            hold (true), its own deadline passes (false), or its task is
///                            cancelled (false)
/// ```
///
/// Each waiter has its own deadline and its own cancellation: a waiter that gives up removes
/// only itself, so one waiter's timeout never wakes another (a defect of the hand-written
/// waiter lists this replaces). Conditions run under the lock: keep them cheap and free of I/O.
public final class Watched<Value: Sendable>: Sendable {
    private struct Waiter {
        let condition: @Sendable (Value) -> Bool
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct Inner {
        var value: Value
        var waiters: [UInt64: Waiter] = [:]
        var nextId: UInt64 = 0
    }

    private let inner: Locked<Inner>

    public init(_ value: Value) { inner = Locked(Inner(value: value)) }

    /// The current value (a copy).
    public var value: Value { inner.withLock { $0.value } }

    /// Reads the value under the lock without waking anyone.
    public func read<R: Sendable>(_ body: (Value) throws -> R) rethrows -> R {
        try inner.withLock { try body($0.value) }
    }

    /// Changes the value under the lock, then resumes the waiters whose condition now holds.
    @discardableResult
    public func update<R: Sendable>(_ body: (inout Value) throws -> R) rethrows -> R {
        let (result, woken) = try inner.withLock { i -> (R, [CheckedContinuation<Bool, Never>]) in
            let r = try body(&i.value)
            guard !i.waiters.isEmpty else { return (r, []) }
            var woken: [CheckedContinuation<Bool, Never>] = []
            for (id, w) in i.waiters where w.condition(i.value) {
                woken.append(w.continuation)
                i.waiters[id] = nil
            }
            return (r, woken)
        }
        for c in woken { c.resume(returning: true) }
        return result
    }

    /// Waits until `condition` holds for the value.
    /// - Parameters:
    ///   - timeout: how long this waiter waits at most; nil waits until the condition holds or
    ///     the task is cancelled.
    /// - Returns: whether the condition holds (false after the timeout or a cancellation).
    public func wait(for timeout: Duration? = nil, until condition: @escaping @Sendable (Value) -> Bool) async -> Bool {
        if read(condition) { return true }
        guard let timeout else { return await suspend(until: condition) }
        let met = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.suspend(until: condition) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        // The condition may have come true in the instant the deadline fired.
        return met || read(condition)
    }

    /// Suspends until an update makes `condition` hold (true) or the task is cancelled (false).
    private func suspend(until condition: @escaping @Sendable (Value) -> Bool) async -> Bool {
        let id = inner.withLock { i -> UInt64 in
            i.nextId &+= 1
            return i.nextId
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
                // Registered under the lock after checking cancellation there too: a cancel that
                // came before this finds nothing to remove, so it must be seen here.
                let now = inner.withLock { i -> Bool? in
                    if Task.isCancelled { return false }
                    if condition(i.value) { return true }
                    i.waiters[id] = Waiter(condition: condition, continuation: c)
                    return nil
                }
                if let now { c.resume(returning: now) }
            }
        } onCancel: {
            let w = inner.withLock { $0.waiters.removeValue(forKey: id) }
            w?.continuation.resume(returning: false)
        }
    }

    /// Waits until `condition` holds, whatever happens to the calling task: for waits that must
    /// not end early (a process's exit, which the caller must see to clean up after it).
    public func waitIgnoringCancellation(until condition: @escaping @Sendable (Value) -> Bool) async {
        if read(condition) { return }
        let id = inner.withLock { i -> UInt64 in
            i.nextId &+= 1
            return i.nextId
        }
        _ = await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
            let now = inner.withLock { i -> Bool in
                if condition(i.value) { return true }
                i.waiters[id] = Waiter(condition: condition, continuation: c)
                return false
            }
            if now { c.resume(returning: true) }
        }
    }

    /// How many tasks are waiting (tests, stats).
    public var waiterCount: Int { inner.withLock { $0.waiters.count } }
}
