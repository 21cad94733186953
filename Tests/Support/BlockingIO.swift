import Foundation

/// Blocking system calls (connect, poll, recv on a blocking socket) made by tests, each on a
/// thread of its own: never on the concurrency pool, which on the 2-core CI machine has two
/// threads for every test running at once (two blocked readers there stall the whole run).
public enum BlockingIO {
    /// Runs `body` on a new thread and returns its result (or rethrows its error).
    public static func onThread<T: Sendable>(_ name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            let t = Thread { c.resume(with: Result { try body() }) }
            t.name = name
            t.stackSize = 1 << 20
            t.start()
        }
    }

    /// Runs `body` on a new thread and returns its result.
    public static func onThread<T: Sendable>(_ name: String, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (c: CheckedContinuation<T, Never>) in
            let t = Thread { c.resume(returning: body()) }
            t.name = name
            t.stackSize = 1 << 20
            t.start()
        }
    }
}
