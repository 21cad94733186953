import CSQLite
public import Foundation

/// A thin, safe wrapper over one connection of the system libsqlite3.
///
/// Threading: a connection is not thread-safe; callers serialize access (plugins run every
/// statement of a database on one serial queue). Opened in WAL mode with `synchronous=FULL`
/// unless told otherwise, so a committed transaction survives `kill -9` and power loss.
///
/// Rationale: the storage and bus plugins need prepare/bind/step/transaction and nothing more;
/// a 150-line wrapper over the C API avoids linking GRDB into every plugin library.
public final class SQLiteDatabase {
    public enum Synchronous: String, Sendable { case off = "OFF", normal = "NORMAL", full = "FULL" }

    let handle: OpaquePointer
    public let path: String
    private var statements: [String: Statement] = [:]

    /// Opens (creating if needed) the database at `path` (`:memory:` for a private in-memory one).
    /// - Throws: `SQLiteError` naming the path and SQLite's message.
    public init(path: String, synchronous: Synchronous = .full, busyTimeoutMs: Int32 = 5000) throws {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: "open(\(path)): \(msg)")
        }
        self.handle = db
        self.path = path
        sqlite3_busy_timeout(db, busyTimeoutMs)
        sqlite3_extended_result_codes(db, 1)
        if path != ":memory:" { try execute("PRAGMA journal_mode=WAL") }
        try execute("PRAGMA synchronous=\(synchronous.rawValue)")
        try execute("PRAGMA foreign_keys=ON")
    }

    deinit {
        statements.values.forEach { sqlite3_finalize($0.stmt) }
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements without parameters.
    public func execute(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(err)
            throw SQLiteError(code: rc, message: "\(msg) (in: \(sql.prefix(120)))")
        }
    }

    /// Runs `sql` with `params`; calls `row` for every result row. Statements are cached.
    public func query(_ sql: String, _ params: [SQLiteValue] = [], row: (Row) throws -> Void = { _ in }) throws {
        let st = try statement(sql)
        defer { sqlite3_reset(st.stmt); sqlite3_clear_bindings(st.stmt) }
        try bind(st.stmt, params)
        while true {
            let rc = sqlite3_step(st.stmt)
            if rc == SQLITE_ROW { try row(Row(stmt: st.stmt)); continue }
            if rc == SQLITE_DONE { return }
            throw SQLiteError(code: rc, message: "\(String(cString: sqlite3_errmsg(handle))) (in: \(sql.prefix(120)))")
        }
    }

    /// Runs a statement that returns no rows; returns the number of rows changed.
    @discardableResult
    public func run(_ sql: String, _ params: [SQLiteValue] = []) throws -> Int {
        try query(sql, params)
        return Int(sqlite3_changes(handle))
    }

    /// All rows mapped by `map`.
    public func all<T>(_ sql: String, _ params: [SQLiteValue] = [], map: (Row) throws -> T) throws -> [T] {
        var out: [T] = []
        try query(sql, params) { out.append(try map($0)) }
        return out
    }

    /// The first row mapped by `map`, or nil.
    public func first<T>(_ sql: String, _ params: [SQLiteValue] = [], map: (Row) throws -> T) throws -> T? {
        var out: T?
        try query(sql, params) { r in if out == nil { out = try map(r) } }
        return out
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`; rolls back when it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let v = try body()
            try execute("COMMIT")
            return v
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    private func statement(_ sql: String) throws -> Statement {
        if let s = statements[sql] { return s }
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else {
            throw SQLiteError(code: rc, message: "\(String(cString: sqlite3_errmsg(handle))) (in: \(sql.prefix(120)))")
        }
        let s = Statement(stmt: stmt)
        statements[sql] = s
        return s
    }

    private func bind(_ stmt: OpaquePointer, _ params: [SQLiteValue]) throws {
        for (i, p) in params.enumerated() {
            let idx = Int32(i + 1)
            let rc: Int32
            switch p {
            case .null: rc = sqlite3_bind_null(stmt, idx)
            case .int(let v): rc = sqlite3_bind_int64(stmt, idx, v)
            case .double(let v): rc = sqlite3_bind_double(stmt, idx, v)
            case .text(let v):
                // With its byte length, so that text containing U+0000 is bound whole.
                let bytes = v.utf8CString  // NUL-terminated, so never empty
                rc = bytes.withUnsafeBufferPointer {
                    sqlite3_bind_text64(stmt, idx, $0.baseAddress, UInt64($0.count - 1), SQLITE_TRANSIENT, UInt8(SQLITE_UTF8))
                }
            case .blob(let d):
                rc = d.withUnsafeBytes { sqlite3_bind_blob64(stmt, idx, $0.baseAddress, UInt64($0.count), SQLITE_TRANSIENT) }
            }
            if rc != SQLITE_OK { throw SQLiteError(code: rc, message: "bind parameter \(idx): \(String(cString: sqlite3_errmsg(handle)))") }
        }
    }

    struct Statement { let stmt: OpaquePointer }
}

let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A value bound to a statement parameter.
public enum SQLiteValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case blob(Data)
}

extension SQLiteValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
}

/// One result row; valid only inside the row callback.
public struct Row {
    let stmt: OpaquePointer
    public func isNull(_ i: Int32) -> Bool { sqlite3_column_type(stmt, i) == SQLITE_NULL }
    public func int(_ i: Int32) -> Int64 { sqlite3_column_int64(stmt, i) }
    public func double(_ i: Int32) -> Double { sqlite3_column_double(stmt, i) }
    /// The column as text (whole, even when it contains U+0000); "" for NULL.
    public func text(_ i: Int32) -> String {
        guard let p = sqlite3_column_text(stmt, i) else { return "" }
        let n = Int(sqlite3_column_bytes(stmt, i))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }
    public func optionalText(_ i: Int32) -> String? { isNull(i) ? nil : text(i) }
    public func blob(_ i: Int32) -> Data {
        let n = Int(sqlite3_column_bytes(stmt, i))
        guard n > 0, let p = sqlite3_column_blob(stmt, i) else { return Data() }
        return Data(bytes: p, count: n)
    }
}

/// An error from SQLite with its (extended) result code.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    public var description: String { "SQLite error \(code): \(message)" }
    /// True for a UNIQUE or PRIMARY KEY constraint violation.
    public var isConstraintViolation: Bool { code & 0xff == SQLITE_CONSTRAINT }
}
