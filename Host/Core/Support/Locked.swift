import CHostShims
import Synchronization

/// A value guarded by a mutex, for small state shared across threads and tasks where an actor
/// would force `await` on a synchronous path (C callbacks, `Sendable` closures). The one lock
/// of HostCore: `Watched` and the other locked values are built on it.
///
/// Under ThreadSanitizer (`bash .ci/sanitizers thread`) each hold is announced to TSan
/// (`lt_tsan_acquire` / `lt_tsan_release`, no-ops in other builds): `Mutex` waits in the
/// uninstrumented standard library, so TSan would otherwise see no order between two holders.
public final class Locked<Value: ~Copyable>: Sendable {
    private let mutex: Mutex<Value>
    public init(_ value: consuming sending Value) { mutex = Mutex(value) }

    /// Runs `body` with exclusive access to the value.
    public func withLock<R: ~Copyable, E: Error>(_ body: (inout sending Value) throws(E) -> sending R) throws(E) -> sending R {
        let id = UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque())
        return try mutex.withLock { (value: inout sending Value) throws(E) -> sending R in
            lt_tsan_acquire(id)
            defer { lt_tsan_release(id) }
            return try body(&value)
        }
    }
}

extension Locked where Value: Copyable & Sendable {
    public var value: Value { withLock { $0 } }
}
