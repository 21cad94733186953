/// The answer to one `ProviderManager` command: resumed exactly once, by the command loop, or
/// (when the command is dropped unanswered because the manager stopped) by `deinit`, so a caller
/// never waits forever.
final class Reply<T: Sendable>: Sendable {
    private let continuation: Locked<CheckedContinuation<T, any Error>?>

    init(_ continuation: CheckedContinuation<T, any Error>) { self.continuation = Locked(continuation) }

    /// Resumes the caller; later calls do nothing.
    func resume(_ result: Result<T, any Error>) {
        continuation.withLock { c in defer { c = nil }; return c }?.resume(with: result)
    }

    deinit { resume(.failure(ProviderManager.stoppedError)) }
}
