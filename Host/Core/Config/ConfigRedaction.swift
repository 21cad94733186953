public import LightningProtocol

/// Replaces secret values, field by field: a field the schema describes is redacted when it is
/// marked `secret: true`, and shown otherwise (`token_ttl_seconds` is a number, not a token). A
/// field the schema does not describe (or a config without a schema) cannot be judged by its
/// schema; it is redacted when its name looks like a secret (key, secret, password, token,
/// connection_string, signature, sas), failing closed.
public func redact(_ value: JSONValue, schema: JSONValue?) -> JSONValue {
    let secretPaths = Set(ConfigSchema.secretPaths(schema))
    let describedPaths = Set(ConfigSchema.describedPaths(schema))
    func walk(_ v: JSONValue, _ path: String) -> JSONValue {
        // Arrays of objects (`functions[].key`): each element is checked like an object at `path[]`.
        if case .array(let a) = v { return .array(a.map { walk($0, path + "[]") }) }
        guard case .object(let o) = v else { return v }
        var out: [String: JSONValue] = [:]
        for (k, x) in o {
            let p = path.isEmpty ? k : "\(path).\(k)"
            let secret = describedPaths.contains(p) ? secretPaths.contains(p) : looksSecret(k)
            out[k] = secret && x != .null ? .string("<redacted>") : walk(x, p)
        }
        return .object(out)
    }
    return walk(value, "")
}

/// Whether a field no schema describes is named like a secret.
func looksSecret(_ key: String) -> Bool {
    let k = key.lowercased()
    return ["key", "secret", "password", "token", "connection_string", "connectionstring", "signature", "sas"].contains { k.contains($0) }
        && !k.hasSuffix("_path") && k != "partition_key" && k != "key_name"
}
