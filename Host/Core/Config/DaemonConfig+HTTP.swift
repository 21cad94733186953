import LightningProtocol

extension DaemonConfig {
    /// Applies the config file's `http` object (`HTTPLimits`); each bad field is appended to
    /// `problems` as `field "http.<key>": expected …, got …`.
    mutating func applyHTTP(_ o: [String: JSONValue], _ problems: inout [String]) {
        let known = HTTPLimits.fields.map(\.key) + ["max_connections"]
        for key in o.keys.sorted() where !known.contains(key) {
            problems.append("field \"http.\(key)\": expected one of \(known.sorted().joined(separator: ", ")), got an unknown key")
        }
        for (key, path, range) in HTTPLimits.fields {
            guard let v = o[key] else { continue }
            if let i = v.intValue, range.contains(i) { http[keyPath: path] = i }
            else { problems.append("field \"http.\(key)\": expected an integer from \(range.lowerBound) to \(range.upperBound), got \(v)") }
        }
        if let v = o["max_connections"] {
            if let i = v.intValue, (1...1_000_000).contains(i) { http.maxConnections = i }
            else { problems.append("field \"http.max_connections\": expected an integer from 1 to 1000000, got \(v)") }
        }
    }
}
