/// A one-shot event that any number of tasks can wait for: `fire()` once, every `wait()` (before
/// or after) returns. Used by `WriteGate` for "writes released" and "writes drained".
///
/// Built on an `AsyncStream` that `fire()` finishes; the waiters await one task that ends with
/// the stream, so there is no list of continuations to keep.
final class OneShot: Sendable {
    private let continuation: AsyncStream<Never>.Continuation
    private let done: Task<Void, Never>

    init() {
        let (stream, continuation) = AsyncStream<Never>.makeStream()
        self.continuation = continuation
        // Owned by this signal: it ends when `fire()` (or deinit) finishes the stream.
        done = Task { for await _ in stream {} }
    }

    deinit { continuation.finish() }

    /// Wakes every waiter, now and later. Idempotent.
    func fire() { continuation.finish() }

    /// Returns once `fire()` has been called. Not cancellable: whoever fires must fire on every path.
    func wait() async { await done.value }
}
