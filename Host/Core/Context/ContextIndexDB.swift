import CSQLite
import Foundation

/// The index's one SQLite connection (system libsqlite3, FTS5). Not thread-safe: only
/// `ContextIndex` (an actor) uses it.
///
/// Rationale: HostCore does not link `SQLiteSupport` (the plugins' wrapper) because the same
/// Swift types would then exist in the daemon and in every SQLite plugin library it loads.
final class ContextIndexDB {
    private let handle: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]

    /// Opens (creating) the database at `path`; `synchronous=OFF`: the index is derived data,
    /// rebuilt from storage at every start.
    init(path: String) throws {
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw ContextIndexError("open(\(path)): \(msg)")
        }
        handle = db
        sqlite3_busy_timeout(db, 5000)
        try execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF")
    }

    deinit {
        statements.values.forEach { sqlite3_finalize($0) }
        sqlite3_close_v2(handle)
    }

    func execute(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(handle, sql, nil, nil, &err) != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(err)
            throw ContextIndexError("\(msg) (in: \(sql.prefix(100)))")
        }
    }

    enum Value { case int(Int64), text(String), null }

    /// Runs `sql` with `params`, calling `row` for each result row.
    func query(_ sql: String, _ params: [Value] = [], row: (Row) throws -> Void = { _ in }) throws {
        let st = try statement(sql)
        defer { sqlite3_reset(st); sqlite3_clear_bindings(st) }
        for (i, p) in params.enumerated() {
            let idx = Int32(i + 1)
            switch p {
            case .int(let v): sqlite3_bind_int64(st, idx, v)
            case .null: sqlite3_bind_null(st, idx)
            case .text(let v):
                let bytes = v.utf8CString
                _ = bytes.withUnsafeBufferPointer {
                    sqlite3_bind_text64(st, idx, $0.baseAddress, UInt64($0.count - 1), contextTransient, UInt8(SQLITE_UTF8))
                }
            }
        }
        while true {
            let rc = sqlite3_step(st)
            if rc == SQLITE_ROW { try row(Row(stmt: st)); continue }
            if rc == SQLITE_DONE { return }
            throw ContextIndexError("\(String(cString: sqlite3_errmsg(handle))) (in: \(sql.prefix(100)))")
        }
    }

    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    private func statement(_ sql: String) throws -> OpaquePointer {
        if let s = statements[sql] { return s }
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil) == SQLITE_OK, let stmt else {
            throw ContextIndexError("\(String(cString: sqlite3_errmsg(handle))) (in: \(sql.prefix(100)))")
        }
        statements[sql] = stmt
        return stmt
    }

    struct Row {
        let stmt: OpaquePointer
        func int(_ i: Int32) -> Int64 { sqlite3_column_int64(stmt, i) }
        func double(_ i: Int32) -> Double { sqlite3_column_double(stmt, i) }
        func text(_ i: Int32) -> String {
            guard let p = sqlite3_column_text(stmt, i) else { return "" }
            return String(decoding: UnsafeBufferPointer(start: p, count: Int(sqlite3_column_bytes(stmt, i))), as: UTF8.self)
        }
    }
}

private let contextTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A failure of the search index's database (HTTP 500; `lightning context reindex` rebuilds it).
struct ContextIndexError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { "context index: \(message)" }
}
