import LightningProtocol
import StorageSupport
import SQLiteSupport

/// The tables of the storage database and the row ⇄ `Document` mapping.
///
/// ```
/// containers(name PK, partition_key_path, created_at)
/// documents(container → containers.name ON DELETE CASCADE, partition_key, id,
///           data  -- JSON text as written by Wire.encode (sorted keys, compact),
///           created_at, updated_at  -- milliseconds since 1970,
///           etag,
///           PK (container, partition_key, id))   -- also the query and paging order
/// ```
///
/// The schema version is kept in `PRAGMA user_version`; a database written by a newer plugin is
/// refused rather than misread.
enum StorageSchema {
    static let version: Int64 = 1

    /// Columns selected by every document read, in the order `document(from:)` expects.
    static let documentColumns = "id, partition_key, data, created_at, updated_at, etag"

    /// Creates the tables when missing; refuses a database from a newer schema version.
    /// - Throws: `WireError(.unavailable)` for a newer schema; `SQLiteError` from SQLite.
    static func prepare(_ db: SQLiteDatabase) throws {
        let found = try db.first("PRAGMA user_version") { $0.int(0) } ?? 0
        if found > version {
            throw WireError(.unavailable, "storage database \"\(db.path)\": schema version \(found) is newer than this plugin's (\(version))")
        }
        guard found < version else { return }
        try db.transaction {
            try db.execute("""
                CREATE TABLE IF NOT EXISTS containers (
                    name TEXT NOT NULL PRIMARY KEY,
                    partition_key_path TEXT,
                    created_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS documents (
                    container TEXT NOT NULL REFERENCES containers(name) ON DELETE CASCADE,
                    partition_key TEXT NOT NULL,
                    id TEXT NOT NULL,
                    data TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    etag TEXT NOT NULL,
                    PRIMARY KEY (container, partition_key, id)
                ) WITHOUT ROWID;
                PRAGMA user_version = \(version);
                """)
        }
    }

    /// Decodes a row selected with `documentColumns` (starting at column 0).
    /// - Throws: `WireError(.internal)` when the stored JSON is unreadable (a corrupted row).
    static func document(from row: Row) throws -> Document {
        let id = row.text(0)
        let data: JSONValue
        do {
            data = try Wire.decode(JSONValue.self, from: row.blob(2), what: "stored data")
        } catch {
            throw WireError(.internal, "document \"\(id)\": stored data is not valid JSON: \(error)")
        }
        return Document(id: id, partitionKey: row.text(1), data: data,
                        createdAt: Timestamp(millis: row.int(3)), updatedAt: Timestamp(millis: row.int(4)),
                        etag: row.text(5))
    }

    /// True when the container exists.
    static func containerExists(_ db: SQLiteDatabase, _ name: String) throws -> Bool {
        try db.first("SELECT 1 FROM containers WHERE name = ?", [.text(name)]) { _ in true } ?? false
    }

    /// Throws `.notFound` unless the container exists.
    static func requireContainer(_ db: SQLiteDatabase, _ name: String) throws {
        guard try containerExists(db, name) else { throw StorageError.containerNotFound(name) }
    }

    /// The stored document at the key, or nil.
    static func find(_ db: SQLiteDatabase, container: String, partitionKey: String, id: String) throws -> Document? {
        try db.first("SELECT \(documentColumns) FROM documents WHERE container = ? AND partition_key = ? AND id = ?",
                     [.text(container), .text(partitionKey), .text(id)]) { try document(from: $0) }
    }

    /// Inserts or overwrites the row for `doc` (whose metadata the caller has set).
    static func store(_ db: SQLiteDatabase, container: String, _ doc: Document) throws {
        let data = String(decoding: try Wire.encode(doc.data), as: UTF8.self)
        try db.run("""
            INSERT INTO documents (container, partition_key, id, data, created_at, updated_at, etag)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (container, partition_key, id) DO UPDATE SET
                data = excluded.data, updated_at = excluded.updated_at, etag = excluded.etag
            """,
            [.text(container), .text(doc.partitionKey), .text(doc.id), .text(data),
             .int(doc.createdAt?.millis ?? 0), .int(doc.updatedAt?.millis ?? 0), .text(doc.etag ?? "")])
    }
}
