import Dispatch
import LightningProtocol
import SQLiteSupport

/// Owns the storage plugin's one SQLite connection and runs every statement on one serial
/// `DispatchQueue`, bridged to async callers.
///
/// ```
///  task A ─ run { … } ─┐                       ┌─► resume A
///  task B ─ run { … } ─┼─► serial queue ─► db ─┼─► resume B
///  task C ─ run { … } ─┘   (FIFO, one at a time)└─► resume C
/// ```
///
/// Callers suspend on a continuation while their block waits or runs, so no Swift concurrency
/// thread is ever blocked on the database. The connection is closed when the last reference to
/// this object goes away; queued blocks retain it, so that happens only after they ran.
///
/// Threading: `@unchecked Sendable` because `SQLiteDatabase` is not thread-safe; every access
/// goes through `withDatabase`, which checks with `dispatchPrecondition` that it runs on `queue`.
final class DatabaseQueue: @unchecked Sendable {
    private let queue: DispatchQueue
    private let db: SQLiteDatabase
    /// The database path, for messages.
    let path: String

    /// Opens the database on the queue and runs `prepare` (schema setup) there.
    /// - Throws: `WireError(.unavailable)` naming the path and SQLite's message.
    init(path: String, synchronous: SQLiteDatabase.Synchronous, label: String,
         prepare: (SQLiteDatabase) throws -> Void) throws {
        let queue = DispatchQueue(label: label)
        self.queue = queue
        self.path = path
        self.db = try queue.sync {
            do {
                let db = try SQLiteDatabase(path: path, synchronous: synchronous)
                try prepare(db)
                return db
            } catch let e as SQLiteError {
                throw WireError(.unavailable, "storage database \"\(path)\": \(e.message)")
            }
        }
    }

    /// Runs `body` on the queue and returns its result without blocking the calling thread.
    /// SQLite failures become `WireError` (`.unavailable` when the database is busy or locked,
    /// `.internal` otherwise); a `WireError` thrown by `body` passes through unchanged.
    func run<T: Sendable>(_ body: @escaping @Sendable (SQLiteDatabase) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            queue.async {
                c.resume(with: Result { try self.withDatabase(body) })
            }
        }
    }

    /// Waits until every block queued before this call has run.
    func drain() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            queue.async { c.resume() }
        }
    }

    private func withDatabase<T>(_ body: (SQLiteDatabase) throws -> T) throws -> T {
        dispatchPrecondition(condition: .onQueue(queue))
        do {
            return try body(db)
        } catch let e as SQLiteError {
            throw Self.wireError(e, path: path)
        }
    }

    static func wireError(_ e: SQLiteError, path: String) -> WireError {
        // SQLITE_BUSY (5) and SQLITE_LOCKED (6): another connection holds the database.
        let primary = e.code & 0xff
        let code: WireError.Code = primary == 5 || primary == 6 ? .unavailable : .internal
        return WireError(code, "storage database \"\(path)\": \(e.message)")
    }
}
