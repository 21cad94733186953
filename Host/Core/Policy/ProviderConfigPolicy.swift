public import Foundation
public import LightningProtocol

/// What provider config sent over the API (`PUT /v1/providers/{kind}`) may name: files inside
/// the data folder (or `api_provider_paths`) only. The rule is generic, so it covers every
/// plugin's keys without knowing them: any string value, at any depth, that is an absolute path
/// (`/…`, also as a `file:` URI) must lie inside an allowed folder, and no string may contain a
/// `..` path component. Relative names without `..` stay (the SQLite storage resolves them
/// inside the data folder). Config in the operator's config file is not bounded by it.
public struct ProviderConfigPolicy: Sendable {
    public var dataDir: URL
    public var allowedDirs: [URL]

    public init(dataDir: URL, allowedDirs: [URL]) {
        self.dataDir = dataDir
        self.allowedDirs = allowedDirs
    }

    /// - Throws: `WireError(.permissionDenied)` naming the field, the policy and the path.
    public func check(_ config: [String: JSONValue]) throws {
        let dirs = ([dataDir] + allowedDirs).map { $0.standardizedFileURL.resolvingSymlinksInPath().path }
        func walk(_ v: JSONValue, _ field: String) throws {
            switch v {
            case .object(let o): for (k, x) in o.sorted(by: { $0.key < $1.key }) { try walk(x, "\(field).\(k)") }
            case .array(let a): for (i, x) in a.enumerated() { try walk(x, "\(field)[\(i)]") }
            case .string(let s): try checkString(s, field: field, dirs: dirs)
            default: return
            }
        }
        try walk(.object(config), "config")
    }

    private func checkString(_ s: String, field: String, dirs: [String]) throws {
        var path = s
        if path.hasPrefix("file:") { path = String(path.dropFirst(5)).split(separator: "?", maxSplits: 1).first.map(String.init) ?? "" }
        if path.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
            throw WireError(.permissionDenied,
                "field \"\(field)\": policy api_provider_paths: \"\(s)\" contains \"..\"; provider config sent over the API may name files inside the data folder \(dirs[0]) only")
        }
        guard path.hasPrefix("/") else { return }
        let real = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        guard !ManifestPolicy.isInside(real, any: dirs) else { return }
        throw WireError(.permissionDenied,
            "field \"\(field)\": policy api_provider_paths: \(real) is outside the data folder \(dirs[0])\(dirs.count > 1 ? " and the allowed folders \(dirs.dropFirst().joined(separator: ", "))" : ""); the operator can allow its folder with \"api_provider_paths\" in the config file")
    }
}
