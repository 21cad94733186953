import LightningProtocol
import SQLiteSupport
import StorageSupport

/// Turns a `storage.query` where-clause into SQL conditions on the `data` column.
///
/// Each `"a.b": value` entry becomes one type-correct equality test on the JSON path `$."a"."b"`
/// (the path is bound as a parameter, never spliced into the SQL):
///
/// | value            | condition                                                          |
/// |------------------|--------------------------------------------------------------------|
/// | `null`           | `json_type(data, p) = 'null'` (a missing field is not null)        |
/// | `true` / `false` | `json_type(data, p) = 'true'` / `'false'` (never matches 1 or 0)   |
/// | number           | `json_type IN ('integer','real') AND json_extract(data, p) = ?` (1 = 1.0) |
/// | string           | `json_type = 'text' AND (data -> p) = json(?)`, `?` the string as JSON (`"1"` ≠ 1) |
/// | array / object   | same `json_type` and `json(json_extract(data, p)) = json(?)`, with `?` the canonical (key-sorted) JSON of the value, as `data` itself is stored |
///
/// All conditions must hold (AND). Entries are compiled in key order so that equal where-clauses
/// produce equal SQL (and reuse one cached statement).
struct QueryCompiler {
    /// SQL conditions, each to be joined with `AND`.
    var conditions: [String] = []
    /// Parameters for the `?` placeholders of `conditions`, in order.
    var parameters: [SQLiteValue] = []

    /// - Throws: `WireError(.invalidArgument)` naming the offending where key.
    init(where clause: [String: JSONValue]) throws {
        for key in clause.keys.sorted() {
            guard let value = clause[key] else { continue }
            try add(path: Self.jsonPath(key), value)
        }
    }

    /// `"address.city"` → `$."address"."city"`.
    /// - Throws: `WireError(.invalidArgument)` when a segment is empty or contains `"`, `\` or a
    ///   control character (SQLite's path syntax cannot express them portably).
    static func jsonPath(_ key: String) throws -> String {
        "$" + (try StorageNames.whereSegments(key)).map { ".\"\($0)\"" }.joined()
    }

    private mutating func add(path: String, _ value: JSONValue) throws {
        let p = SQLiteValue.text(path)
        switch value {
        case .null:
            conditions.append("json_type(data, ?) = 'null'")
            parameters += [p]
        case .bool(let b):
            conditions.append("json_type(data, ?) = ?")
            parameters += [p, .text(b ? "true" : "false")]
        case .int(let i):
            conditions.append("(json_type(data, ?) IN ('integer', 'real') AND json_extract(data, ?) = ?)")
            parameters += [p, p, .int(Int64(i))]
        case .double(let d):
            conditions.append("(json_type(data, ?) IN ('integer', 'real') AND json_extract(data, ?) = ?)")
            parameters += [p, p, .double(d)]
        case .string:
            // As JSON text (`->` keeps escapes): json_extract would cut the value at a \u0000.
            conditions.append("(json_type(data, ?) = 'text' AND (data -> ?) = json(?))")
            parameters += [p, p, .text(try Self.canonical(value))]
        case .array, .object:
            conditions.append("(json_type(data, ?) = ? AND json(json_extract(data, ?)) = json(?))")
            parameters += [p, .text(value.arrayValue != nil ? "array" : "object"), p, .text(try Self.canonical(value))]
        }
    }

    /// The value as `data` itself is stored: `Wire.encode` (compact, keys sorted).
    private static func canonical(_ value: JSONValue) throws -> String {
        String(decoding: try Wire.encode(value), as: UTF8.self)
    }
}
