public import LightningProtocol

/// The JSON Schema subset manifests use to describe their configuration:
/// `type` (a name or a list of names), `properties`, `required`, `additionalProperties` (boolean),
/// `enum`, `minimum`, `maximum`, `minLength`, `maxLength`, `items`, `description`, `default`, and
/// the Lightning extensions `secret: true` (the value is redacted wherever config is shown) and
/// `env: "NAME"` on a top-level property (the daemon fills the field from that environment
/// variable, so that connection strings need not be written in files).
public enum ConfigSchema {
    static let keywords: Set = ["type", "properties", "required", "additionalProperties", "enum", "minimum", "maximum",
                                "minLength", "maxLength", "items", "description", "default", "secret", "env"]
    static let types: Set = ["string", "integer", "number", "boolean", "object", "array", "null"]

    /// Problems with the schema itself (unknown keywords or types).
    public static func checkSchema(_ schema: JSONValue, path: String) -> [String] {
        guard case .object(let o) = schema else { return ["field \"\(path)\": expected an object, got \(schema.typeDescription)"] }
        var out: [String] = []
        for k in o.keys.sorted() where !keywords.contains(k) {
            out.append("field \"\(path).\(k)\": expected a supported schema keyword (\(keywords.sorted().joined(separator: ", "))), got an unknown keyword")
        }
        for t in typeNames(o["type"]) where !types.contains(t) {
            out.append("field \"\(path).type\": expected one of \(types.sorted().joined(separator: ", ")), got \"\(t)\"")
        }
        if let props = o["properties"]?.objectValue {
            for (k, v) in props.sorted(by: { $0.key < $1.key }) { out += checkSchema(v, path: "\(path).properties.\(k)") }
        }
        if let items = o["items"] { out += checkSchema(items, path: "\(path).items") }
        if let env = o["env"] {
            let ok = env.stringValue.map { !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber || $0 == "_") } && !$0.first!.isNumber } ?? false
            if !ok { out.append("field \"\(path).env\": expected an environment variable name (A-Z, 0-9, _), got \(env)") }
        }
        return out
    }

    /// Problems of `value` against `schema`, each naming the config field.
    /// - Parameter partial: skip `required` (for defaults, which the operator completes).
    public static func validate(_ value: JSONValue, against schema: JSONValue, path: String, partial: Bool = false) -> [String] {
        guard case .object(let s) = schema else { return [] }
        var out: [String] = []
        let want = typeNames(s["type"])
        if !want.isEmpty, !want.contains(where: { matches(value, type: $0) }) {
            return ["field \"\(path)\": expected \(want.joined(separator: " or ")), got \(shown(value))"]
        }
        if let e = s["enum"]?.arrayValue, !e.contains(value) {
            out.append("field \"\(path)\": expected one of \(e.map(shown).joined(separator: ", ")), got \(shown(value))")
        }
        if let n = value.doubleValue {
            if let min = s["minimum"]?.doubleValue, n < min { out.append("field \"\(path)\": expected ≥ \(fmt(min)), got \(fmt(n))") }
            if let max = s["maximum"]?.doubleValue, n > max { out.append("field \"\(path)\": expected ≤ \(fmt(max)), got \(fmt(n))") }
        }
        if case .string(let str) = value {
            if let min = s["minLength"]?.intValue, str.count < min { out.append("field \"\(path)\": expected at least \(min) characters, got \(str.count)") }
            if let max = s["maxLength"]?.intValue, str.count > max { out.append("field \"\(path)\": expected at most \(max) characters, got \(str.count)") }
        }
        if case .object(let o) = value {
            let props = s["properties"]?.objectValue ?? [:]
            if !partial {
                for r in s["required"]?.arrayValue ?? [] {
                    if let k = r.stringValue, o[k] == nil { out.append("field \"\(path).\(k)\": required but missing") }
                }
            }
            for (k, v) in o.sorted(by: { $0.key < $1.key }) {
                if let ps = props[k] { out += validate(v, against: ps, path: "\(path).\(k)", partial: partial) }
                else if s["additionalProperties"] == .bool(false) {
                    let known = props.keys.sorted().joined(separator: ", ")
                    out.append("field \"\(path).\(k)\": expected one of the known keys (\(known)), got an unknown key")
                }
            }
        }
        if case .array(let a) = value, let items = s["items"] {
            for (i, v) in a.enumerated() { out += validate(v, against: items, path: "\(path)[\(i)]", partial: partial) }
        }
        return out
    }

    /// Top-level properties with `env: "NAME"`: (field, variable), sorted by field.
    public static func environmentBindings(_ schema: JSONValue?) -> [(field: String, variable: String)] {
        guard let props = schema?["properties"]?.objectValue else { return [] }
        return props.compactMap { k, v in v["env"]?.stringValue.map { (k, $0) } }.sorted { $0.field < $1.field }
    }

    /// Paths (dotted) of properties marked `secret: true`.
    public static func secretPaths(_ schema: JSONValue?, prefix: String = "") -> [String] {
        guard let props = schema?["properties"]?.objectValue else { return [] }
        var out: [String] = []
        for (k, v) in props {
            let p = prefix.isEmpty ? k : "\(prefix).\(k)"
            if v["secret"] == .bool(true) { out.append(p) }
            out += secretPaths(v, prefix: p)
            if let items = v["items"] { out += secretPaths(items, prefix: p + "[]") }
        }
        return out.sorted()
    }

    /// Every field path the schema describes (`properties`, nested objects, `items` as `path[]`),
    /// secret or not: redaction judges these by their `secret` mark alone.
    public static func describedPaths(_ schema: JSONValue?, prefix: String = "") -> [String] {
        guard let props = schema?["properties"]?.objectValue else { return [] }
        var out: [String] = []
        for (k, v) in props {
            let p = prefix.isEmpty ? k : "\(prefix).\(k)"
            out.append(p)
            out += describedPaths(v, prefix: p)
            if let items = v["items"] { out += describedPaths(items, prefix: p + "[]") }
        }
        return out.sorted()
    }

    static func typeNames(_ t: JSONValue?) -> [String] {
        switch t {
        case .string(let s)?: return [s]
        case .array(let a)?: return a.compactMap(\.stringValue)
        default: return []
        }
    }

    static func matches(_ v: JSONValue, type: String) -> Bool {
        switch (type, v) {
        case ("string", .string), ("boolean", .bool), ("object", .object), ("array", .array), ("null", .null): return true
        case ("integer", .int): return true
        case ("integer", .double(let d)): return d.rounded() == d
        case ("number", .int), ("number", .double): return true
        default: return false
        }
    }

    static func shown(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return "\"\(s)\""
        case .int(let i): return "\(i)"
        case .double(let d): return fmt(d)
        case .bool(let b): return "\(b)"
        case .null: return "null"
        default: return v.typeDescription
        }
    }

    static func fmt(_ d: Double) -> String { d.rounded() == d && abs(d) < 1e15 ? String(Int(d)) : String(d) }
}
