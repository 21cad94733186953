import Foundation
import LightningProtocol
import Logging
import PostgresNIO
import StorageSupport

/// The tables in the configured schema and the row ⇄ `Document` mapping.
///
/// ```
/// storage_meta(schema_version)
/// containers(name PK, partition_key_path, created_at)
/// documents(container → containers.name ON DELETE CASCADE, partition_key, id,
///           data  text   -- JSON as written by Wire.encode (what reads return, byte for byte)
///           doc   jsonb  -- the same JSON, what queries compare
///           created_at, updated_at  -- milliseconds since 1970
///           etag,
///           PK (container, partition_key, id))   -- also the query and paging order
/// ```
///
/// Names compare in byte order (`COLLATE "C"`), as in SQLite, whatever the database's locale.
/// A schema written by a newer plugin is refused rather than misread.
enum PostgresSchema {
    static let version = 1

    /// Columns selected by every document read, in the order `document(from:)` expects.
    static let documentColumns = "id, partition_key, data, created_at, updated_at, etag"

    static func statements(_ schema: String) -> [String] {
        [
            "CREATE SCHEMA IF NOT EXISTS \(schema)",
            "CREATE TABLE IF NOT EXISTS \(schema).storage_meta (schema_version integer NOT NULL)",
            """
            CREATE TABLE IF NOT EXISTS \(schema).containers (
                name text COLLATE "C" NOT NULL PRIMARY KEY,
                partition_key_path text,
                created_at bigint NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS \(schema).documents (
                container text COLLATE "C" NOT NULL REFERENCES \(schema).containers(name) ON DELETE CASCADE,
                partition_key text COLLATE "C" NOT NULL,
                id text COLLATE "C" NOT NULL,
                data text NOT NULL,
                doc jsonb NOT NULL,
                created_at bigint NOT NULL,
                updated_at bigint NOT NULL,
                etag text NOT NULL,
                PRIMARY KEY (container, partition_key, id))
            """,
        ]
    }

    typealias Row = (String, String, String, Int64, Int64, String)

    /// Decodes a row selected with `documentColumns`.
    /// - Throws: `WireError(.internal)` when the stored JSON is unreadable (a corrupted row).
    static func document(from row: Row) throws -> Document {
        let (id, pk, text, created, updated, etag) = row
        let data: JSONValue
        do {
            data = try Wire.decode(JSONValue.self, from: Data(text.utf8), what: "stored data")
        } catch {
            throw WireError(.internal, "document \"\(id)\": stored data is not valid JSON: \(error)")
        }
        return Document(id: id, partitionKey: pk, data: data, createdAt: Timestamp(millis: created),
                        updatedAt: Timestamp(millis: updated), etag: etag)
    }

    /// All documents of `rows`.
    static func documents(_ rows: PostgresRowSequence) async throws -> [Document] {
        var out: [Document] = []
        for try await row in rows.decode(Row.self) { out.append(try document(from: row)) }
        return out
    }
}

extension PostgresDatabase {
    /// Creates the schema and tables when missing, under a transaction-scoped advisory lock (so
    /// daemons starting together on one database do not race on the DDL), and checks the
    /// recorded schema version.
    /// - Throws: `WireError(.unavailable)` for a schema from a newer plugin.
    func prepareSchema() async throws {
        let schema = config.quotedSchema, redacted = config.redactedURL, name = config.schema
        try await Self.inTransaction(client) { conn in
            var lock = PostgresBindings()
            lock.append("lightning-storage:" + name)
            try await conn.query(PostgresQuery(unsafeSQL: "SELECT pg_advisory_xact_lock(hashtext($1))", binds: lock), logger: Self.quiet)
            for sql in PostgresSchema.statements(schema) {
                try await conn.query(PostgresQuery(unsafeSQL: sql), logger: Self.quiet)
            }
            var found: Int32? = nil
            for try await v in try await conn.query(PostgresQuery(unsafeSQL: "SELECT schema_version FROM \(schema).storage_meta"), logger: Self.quiet)
                .decode(Int32.self) { found = max(found ?? 0, v) }
            if let found, Int(found) > PostgresSchema.version {
                throw WireError(.unavailable, "PostgreSQL at \(redacted): schema \"\(name)\" has version \(found), newer than this plugin's (\(PostgresSchema.version))")
            }
            if found == nil {
                var binds = PostgresBindings()
                binds.append(Int32(PostgresSchema.version))
                try await conn.query(PostgresQuery(unsafeSQL: "INSERT INTO \(schema).storage_meta (schema_version) VALUES ($1)", binds: binds),
                                     logger: Self.quiet)
            }
        }
    }

    static let quiet = Logger(label: "lt.postgres-storage", factory: { _ in SwiftLogNoOpLogHandler() })
}
