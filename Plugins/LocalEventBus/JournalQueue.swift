import Dispatch
import Foundation
import LightningProtocol
import SQLiteSupport
import Synchronization

/// Runs every journal operation on one serial queue and commits writes in groups.
///
/// Group commit: writes that arrive while a transaction is being committed (fsync) wait
/// together and commit in the next single transaction, each in its own savepoint, so one failed
/// operation never undoes another and a burst of N publishes costs one fsync instead of N.
/// A write's caller resumes only after its transaction committed: for `bus.publish`, that is the
/// durability acknowledgement.
final class JournalQueue: Sendable {
    private let queue = DispatchQueue(label: "lightning.local-eventbus.journal")
    private let journal: Journal
    private let batch = Mutex(Batch())
    /// Called after each commit with the subscriptions that got ready work.
    private let onCommit: @Sendable (Set<String>) -> Void

    private struct Batch {
        var writes: [PendingWrite] = []
        var scheduled = false
    }

    /// One queued write: `run` executes inside the transaction and reports success; `finish`
    /// resumes the caller once the transaction's fate is known.
    private struct PendingWrite: @unchecked Sendable {
        let run: (Journal) -> Bool
        let finish: ((any Error)?) -> Void
    }

    init(journal: Journal, onCommit: @escaping @Sendable (Set<String>) -> Void) {
        self.journal = journal
        self.onCommit = onCommit
    }

    /// Runs a read-only operation on the queue.
    func read<T: Sendable>(_ body: @escaping @Sendable (Journal) throws -> T) async throws -> T {
        let journal = self.journal
        return try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            queue.async { c.resume(with: Result { try Self.mapping { try body(journal) } }) }
        }
    }

    /// Runs a mutating operation in the next group transaction; returns after it committed.
    func write<T: Sendable>(_ body: @escaping @Sendable (Journal, Int64) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            let slot = ResultSlot<T>()
            let write = PendingWrite(
                run: { j in
                    let r = Result { try Self.mapping { try body(j, Timestamp.now().millis) } }
                    slot.result = r
                    if case .success = r { return true } else { return false }
                },
                finish: { commitError in
                    if let commitError { c.resume(throwing: commitError) } else if let r = slot.result { c.resume(with: r) } else {
                        c.resume(throwing: WireError(.internal, "journal write finished without a result"))
                    }
                })
            let schedule = batch.withLock { b in
                b.writes.append(write)
                if b.scheduled { return false }
                b.scheduled = true
                return true
            }
            if schedule { queue.async { self.flush() } }
        }
    }

    private func flush() {
        let writes = batch.withLock { b in
            let w = b.writes
            b.writes = []
            b.scheduled = false
            return w
        }
        guard !writes.isEmpty else { return }
        let db = journal.db
        let before = journal.memory
        journal.memory.notify = []
        do {
            try db.execute("BEGIN IMMEDIATE")
        } catch {
            let e = WireError(.unavailable, "event journal: cannot begin a transaction: \(error)")
            writes.forEach { $0.finish(e) }
            return
        }
        for w in writes {
            let saved = journal.memory
            do { try db.execute("SAVEPOINT op") } catch {
                journal.memory = before
                try? db.execute("ROLLBACK")
                writes.forEach { $0.finish(WireError(.unavailable, "event journal: \(error)")) }
                return
            }
            if w.run(journal) {
                try? db.execute("RELEASE op")
            } else {
                journal.memory = saved
                try? db.execute("ROLLBACK TO op")
                try? db.execute("RELEASE op")
            }
        }
        try? journal.pruneIfDue(now: Timestamp.now().millis)
        do {
            try db.execute("COMMIT")
        } catch {
            try? db.execute("ROLLBACK")
            journal.memory = before
            writes.forEach { $0.finish(WireError(.unavailable, "event journal: commit failed, nothing was written: \(error)")) }
            return
        }
        let notify = journal.memory.notify
        journal.memory.notify = []
        writes.forEach { $0.finish(nil) }
        if !notify.isEmpty { onCommit(notify) }
    }

    /// SQLite failures surface as `unavailable` with SQLite's message; contract errors pass through.
    private static func mapping<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as SQLiteError {
            throw WireError(.unavailable, "event journal: \(e.message)")
        }
    }
}

/// Holds one write's result between the transaction and the caller's resumption; written and
/// read on the journal queue only.
private final class ResultSlot<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
