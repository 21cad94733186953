import Synchronization

/// A value guarded by a mutex, for small state shared across threads and tasks where an actor
/// would force `await` on a synchronous path (C callbacks, `Sendable` closures).
public final class Locked<Value: ~Copyable>: Sendable {
    private let mutex: Mutex<Value>
    public init(_ value: consuming sending Value) { mutex = Mutex(value) }

    /// Runs `body` with exclusive access to the value.
    public func withLock<R: ~Copyable, E: Error>(_ body: (inout sending Value) throws(E) -> sending R) throws(E) -> sending R {
        try mutex.withLock(body)
    }
}

extension Locked where Value: Copyable & Sendable {
    public var value: Value { withLock { $0 } }
}
