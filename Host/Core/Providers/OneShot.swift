/// A one-shot event that any number of tasks can wait for: `fire()` once, every `wait()` (before
/// or after) returns. Used by `WriteGate` for "writes released" and "writes drained". A `Watched`
/// flag: the daemon's one waiter primitive.
final class OneShot: Sendable {
    private let fired = Watched(false)

    /// Wakes every waiter, now and later. Idempotent.
    func fire() { fired.update { $0 = true } }

    /// Returns once `fire()` has been called. Not cancellable: whoever fires must fire on every path.
    func wait() async { await fired.waitIgnoringCancellation { $0 } }
}
