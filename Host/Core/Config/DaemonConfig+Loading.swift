public import Foundation
import LightningProtocol

extension DaemonConfig {
    /// Applies a JSON config file (docs/configuration.md). Unknown keys are errors.
    /// - Throws: `HostError(.configInvalid)` naming the file and each bad field.
    public mutating func apply(fileAt url: URL) throws {
        let subject = url.path
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw HostError(.configInvalid, subject: subject, "cannot read config file: \(error.localizedDescription)")
        }
        let json: JSONValue
        do { json = try JSONDecoder().decode(JSONValue.self, from: data) } catch let e as DecodingError {
            throw HostError(.configInvalid, subject: subject, "not valid JSON: \(Wire.describe(e))")
        }
        guard case .object(let o) = json else {
            throw HostError(.configInvalid, subject: subject, "expected a JSON object, got \(json.typeDescription)")
        }
        var problems: [String] = []
        let base = url.deletingLastPathComponent()
        func str(_ k: String) -> String? {
            guard let v = o[k] else { return nil }
            if case .string(let s) = v { return s }
            problems.append("field \"\(k)\": expected a string, got \(v.typeDescription)"); return nil
        }
        func path(_ s: String) -> URL { s.hasPrefix("/") ? URL(fileURLWithPath: s) : base.appendingPathComponent(s).standardizedFileURL }
        for key in o.keys.sorted() where !Self.fileKeys.contains(key) {
            problems.append("field \"\(key)\": expected one of \(Self.fileKeys.sorted().joined(separator: ", ")), got an unknown key")
        }
        let origin = "file \(subject)"
        for key in o.keys where Self.fileKeys.contains(key) && key != "providers" && key != "router" && key != "plugin_config" && key != "http" {
            sources[key] = origin
        }
        if let v = str("mode") {
            if Self.modes.contains(v) { mode = v } else {
                problems.append("field \"mode\": expected \(Self.modes.joined(separator: " or ")), got \"\(v)\"")
            }
        }
        if let v = str("host") { host = v }
        if let v = o["port"] {
            if let p = v.intValue, (0...65535).contains(p) { port = p } else {
                problems.append("field \"port\": expected an integer from 0 to 65535, got \(v)")
            }
        }
        if let v = str("data_dir") { dataDir = path(v) }
        if let v = str("manifests_dir") { manifestsDir = path(v) }
        if let v = str("log_level") { logLevel = v }
        if let v = str("cgroups") {
            switch v {
            case "auto": cgroups = true
            case "off": cgroups = false
            default: problems.append("field \"cgroups\": expected \"auto\" or \"off\", got \"\(v)\"")
            }
        }
        if let v = str("sandbox_default") {
            if let p = SandboxPolicy.Profile(rawValue: v) { sandboxDefault = p } else {
                problems.append("field \"sandbox_default\": expected \"none\", \"standard\" or \"strict\", got \"\(v)\"")
            }
        }
        if let v = o["extra_manifests"] {
            if let a = v.arrayValue, a.allSatisfy({ $0.stringValue != nil }) { extraManifestDirs = a.compactMap(\.stringValue).map(path) }
            else { problems.append("field \"extra_manifests\": expected an array of folder paths, got \(v.typeDescription)") }
        }
        if let v = o["plugin_dirs"] {
            if let a = v.arrayValue, a.allSatisfy({ $0.stringValue != nil }) { pluginDirs = a.compactMap(\.stringValue).map(path) }
            else { problems.append("field \"plugin_dirs\": expected an array of strings, got \(v.typeDescription)") }
        }
        if let v = o["context_keep_versions"] {
            if let n = v.intValue, n >= 0 { contextKeepVersions = n } else {
                problems.append("field \"context_keep_versions\": expected an integer ≥ 0 (0 keeps every version), got \(v)")
            }
        }
        if let v = o["auth"] {
            if let b = v.boolValue { authEnabled = b } else { problems.append("field \"auth\": expected true or false, got \(v)") }
        }
        for (key, kp) in [("api_command_dirs", \DaemonConfig.apiCommandDirs), ("api_provider_paths", \DaemonConfig.apiProviderPaths)] {
            guard let v = o[key] else { continue }
            if let a = v.arrayValue, a.allSatisfy({ $0.stringValue != nil }) { self[keyPath: kp] = a.compactMap(\.stringValue).map(path) }
            else { problems.append("field \"\(key)\": expected an array of folder paths, got \(v.typeDescription)") }
        }
        if let v = o["drivers"] {
            if let a = v.arrayValue, a.allSatisfy({ $0.stringValue != nil }) { drivers = a.compactMap(\.stringValue) }
            else { problems.append("field \"drivers\": expected an array of manifest ids, got \(v.typeDescription)") }
        }
        if let v = o["providers"] {
            if let p = v.objectValue {
                for (kind, choice) in p.sorted(by: { $0.key < $1.key }) {
                    guard Manifest.ProviderKind(rawValue: kind) != nil else {
                        problems.append("field \"providers.\(kind)\": expected \(Manifest.ProviderKind.listed), got an unknown kind"); continue
                    }
                    sources["providers.\(kind)"] = origin
                    switch choice {
                    case .string(let id): chooseProvider(id, kind: kind, config: [:])
                    case .object(let c):
                        guard let id = c["plugin"]?.stringValue else {
                            problems.append("field \"providers.\(kind).plugin\": required, a manifest id"); continue
                        }
                        chooseProvider(id, kind: kind, config: c["config"]?.objectValue ?? [:])
                    default:
                        problems.append("field \"providers.\(kind)\": expected a manifest id or {\"plugin\", \"config\"}, got \(choice.typeDescription)")
                    }
                }
            } else { problems.append("field \"providers\": expected an object, got \(v.typeDescription)") }
        }
        if let v = o["plugin_config"] {
            if let p = v.objectValue {
                for (id, c) in p {
                    if let obj = c.objectValue { pluginConfig[id] = obj; sources["plugin_config.\(id)"] = origin }
                    else { problems.append("field \"plugin_config.\(id)\": expected an object, got \(c.typeDescription)") }
                }
            } else { problems.append("field \"plugin_config\": expected an object, got \(v.typeDescription)") }
        }
        if let v = o["router"] {
            if let r = v.objectValue {
                applyRouter(r, &problems)
                for k in r.keys { sources["router.\(k)"] = origin }
            }
            else { problems.append("field \"router\": expected an object, got \(v.typeDescription)") }
        }
        if let v = o["tls"] {
            if let t = v.objectValue, let cert = t["certificate"]?.stringValue, let key = t["key"]?.stringValue, t.count == 2 {
                tls = TLSFiles(certificate: path(cert), key: path(key))
            } else {
                problems.append("field \"tls\": expected {\"certificate\": \"<PEM file>\", \"key\": \"<PEM file>\"}, got \(v)")
            }
        }
        if let v = o["unix_socket"] {
            switch v {
            case .bool(let b): unixSocketEnabled = b
            case .string(let p) where !p.isEmpty: unixSocketPath = path(p); unixSocketEnabled = true
            default: problems.append("field \"unix_socket\": expected a socket path or false, got \(v)")
            }
        }
        if let v = o["unix_socket_allow_uids"] {
            if let a = v.arrayValue, a.allSatisfy({ ($0.intValue ?? -1) >= 0 }) { unixSocketAllowUIDs = a.compactMap(\.intValue).map { UInt32($0) } }
            else { problems.append("field \"unix_socket_allow_uids\": expected an array of uids (integers ≥ 0), got \(v)") }
        }
        if let v = o["plugins"] {
            if let pl = v.objectValue {
                applyPlugins(pl, base: base, &problems)
                for k in pl.keys { sources["plugins.\(k)"] = origin }
            }
            else { problems.append("field \"plugins\": expected an object with require_signature and trusted_keys, got \(v.typeDescription)") }
        }
        if let v = o["http"] {
            if let h = v.objectValue {
                applyHTTP(h, &problems)
                for k in h.keys { sources["http.\(k)"] = origin }
            }
            else { problems.append("field \"http\": expected an object, got \(v.typeDescription)") }
        }
        if !problems.isEmpty {
            throw HostError(.configInvalid, subject: subject, problems.joined(separator: "\n  "))
        }
    }

    static let fileKeys: Set = ["mode", "host", "port", "data_dir", "manifests_dir", "extra_manifests", "plugin_dirs", "providers",
                                "drivers", "plugin_config", "router", "log_level", "sandbox_default", "cgroups",
                                "auth", "api_command_dirs", "api_provider_paths", "http",
                                "unix_socket", "unix_socket_allow_uids", "tls", "context_keep_versions", "plugins"]

    /// `plugins`: `require_signature` (true/false) and `trusted_keys` (paths of public key files
    /// or folders, relative to the config file's folder).
    private mutating func applyPlugins(_ p: [String: JSONValue], base: URL, _ problems: inout [String]) {
        for key in p.keys.sorted() where !["require_signature", "trusted_keys"].contains(key) {
            problems.append("field \"plugins.\(key)\": expected one of require_signature, trusted_keys, got an unknown key")
        }
        if let v = p["require_signature"] {
            if case .bool(let b) = v { requireSignatureSetting = b }
            else { problems.append("field \"plugins.require_signature\": expected true or false, got \(v)") }
        }
        if let v = p["trusted_keys"] {
            if let a = v.arrayValue, a.allSatisfy({ $0.stringValue != nil }) {
                trustedKeys = a.compactMap(\.stringValue).map { $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : base.appendingPathComponent($0).standardizedFileURL }
            } else { problems.append("field \"plugins.trusted_keys\": expected an array of public key files or folders, got \(v.typeDescription)") }
        }
    }

    private mutating func applyRouter(_ r: [String: JSONValue], _ problems: inout [String]) {
        let fields: [(String, WritableKeyPath<RouterSettings, Int>, ClosedRange<Int>)] = [
            ("hop_limit", \.hopLimit, 1...1000), ("max_attempts", \.maxAttempts, 1...1000),
            ("backoff_ms", \.backoffMs, 0...3_600_000), ("max_backoff_ms", \.maxBackoffMs, 0...86_400_000),
            ("concurrency", \.concurrency, 1...1000), ("lease_ms", \.leaseMs, 100...3_600_000),
            ("crash_dead_letter_after", \.crashDeadLetterAfter, 1...1000),
        ]
        let flags: [(String, WritableKeyPath<RouterSettings, Bool>)] = [("quarantine_on_crash", \.quarantineOnCrash)]
        let known = fields.map(\.0) + flags.map(\.0)
        for key in r.keys.sorted() where !known.contains(key) {
            problems.append("field \"router.\(key)\": expected one of \(known.joined(separator: ", ")), got an unknown key")
        }
        for (key, kp) in flags {
            guard let v = r[key] else { continue }
            if case .bool(let b) = v { router[keyPath: kp] = b }
            else { problems.append("field \"router.\(key)\": expected true or false, got \(v)") }
        }
        for (key, kp, range) in fields {
            guard let v = r[key] else { continue }
            if let i = v.intValue, range.contains(i) { router[keyPath: kp] = i }
            else { problems.append("field \"router.\(key)\": expected an integer from \(range.lowerBound) to \(range.upperBound), got \(v)") }
        }
    }

    /// The environment variables that choose a provider, by kind.
    public static let providerVariables: [(variable: String, kind: String)] = [
        ("LIGHTNING_STORAGE_PROVIDER", "storage"), ("LIGHTNING_EVENT_BUS_PROVIDER", "eventbus"),
        ("LIGHTNING_CONTAINER_RUNTIME", "containers"), ("LIGHTNING_SERVERLESS_PROVIDER", "functions"),
    ]

    /// Applies `LIGHTNING_*` variables: MODE, HOST, PORT, DATA_DIR, MANIFESTS_DIR, EXTRA_MANIFESTS
    /// and PLUGIN_DIRS (colon-separated), PLUGINS_REQUIRE_SIGNATURE (`on`/`off`), PLUGINS_TRUSTED_KEYS
    /// (colon-separated), LOG_LEVEL, AUTH (`on`/`off`), SANDBOX_DEFAULT, and the provider choices
    /// STORAGE_PROVIDER, EVENT_BUS_PROVIDER, CONTAINER_RUNTIME, SERVERLESS_PROVIDER (manifest ids or
    /// their aliases, `providerAliases`; unknown ids are refused at start, listing the known ones).
    /// Empty variables are ignored.
    public mutating func apply(environment env: [String: String]) throws {
        environment.merge(env) { _, new in new }
        func value(_ name: String, key: String) -> String? {
            guard let v = env[name], !v.isEmpty else { return nil }
            sources[key] = "env \(name)"
            return v
        }
        if let v = value("LIGHTNING_MODE", key: "mode") {
            guard Self.modes.contains(v) else {
                throw HostError(.configInvalid, subject: "LIGHTNING_MODE", "expected \(Self.modes.joined(separator: " or ")), got \"\(v)\"")
            }
            mode = v
        }
        if let v = value("LIGHTNING_HOST", key: "host") { host = v }
        if let v = value("LIGHTNING_PORT", key: "port") {
            guard let p = Int(v), (0...65535).contains(p) else {
                throw HostError(.configInvalid, subject: "LIGHTNING_PORT", "expected an integer from 0 to 65535, got \"\(v)\"")
            }
            port = p
        }
        if let v = value("LIGHTNING_DATA_DIR", key: "data_dir") { dataDir = URL(fileURLWithPath: v, isDirectory: true) }
        if let v = value("LIGHTNING_MANIFESTS_DIR", key: "manifests_dir") { manifestsDir = URL(fileURLWithPath: v, isDirectory: true) }
        if let v = value("LIGHTNING_EXTRA_MANIFESTS", key: "extra_manifests") {
            extraManifestDirs = v.split(separator: ":").map { URL(fileURLWithPath: String($0), isDirectory: true) }
        }
        if let v = value("LIGHTNING_PLUGIN_DIRS", key: "plugin_dirs") {
            pluginDirs = v.split(separator: ":").map { URL(fileURLWithPath: String($0), isDirectory: true) }
        }
        for (variable, kind) in Self.providerVariables {
            if let v = value(variable, key: "providers.\(kind)") {
                let id = Self.resolveProvider(v, kind: kind).plugin
                let keep = explicitProviders[kind].flatMap { $0.plugin == id ? $0.config : nil } ?? [:]
                chooseProvider(v, kind: kind, config: keep)
            }
        }
        if let v = value("LIGHTNING_LOG_LEVEL", key: "log_level") { logLevel = v }
        if let v = value("LIGHTNING_AUTH", key: "auth") {
            switch v.lowercased() {
            case "on", "true", "1": authEnabled = true
            case "off", "false", "0": authEnabled = false
            default: throw HostError(.configInvalid, subject: "LIGHTNING_AUTH", "expected on or off, got \"\(v)\"")
            }
        }
        if let v = value("LIGHTNING_CONTEXT_KEEP_VERSIONS", key: "context_keep_versions") {
            guard let n = Int(v), n >= 0 else {
                throw HostError(.configInvalid, subject: "LIGHTNING_CONTEXT_KEEP_VERSIONS", "expected an integer ≥ 0 (0 keeps every version), got \"\(v)\"")
            }
            contextKeepVersions = n
        }
        if let v = value("LIGHTNING_PLUGINS_REQUIRE_SIGNATURE", key: "plugins.require_signature") {
            switch v.lowercased() {
            case "on", "true", "1": requireSignatureSetting = true
            case "off", "false", "0": requireSignatureSetting = false
            default: throw HostError(.configInvalid, subject: "LIGHTNING_PLUGINS_REQUIRE_SIGNATURE", "expected on or off, got \"\(v)\"")
            }
        }
        if let v = value("LIGHTNING_PLUGINS_TRUSTED_KEYS", key: "plugins.trusted_keys") {
            trustedKeys = v.split(separator: ":").map { URL(fileURLWithPath: String($0)) }
        }
        if let v = value("LIGHTNING_CGROUPS", key: "cgroups") {
            switch v {
            case "auto": cgroups = true
            case "off": cgroups = false
            default: throw HostError(.configInvalid, subject: "LIGHTNING_CGROUPS", "expected \"auto\" or \"off\", got \"\(v)\"")
            }
        }
        if let v = value("LIGHTNING_SANDBOX_DEFAULT", key: "sandbox_default") {
            guard let p = SandboxPolicy.Profile(rawValue: v) else {
                throw HostError(.configInvalid, subject: "LIGHTNING_SANDBOX_DEFAULT", "expected \"none\", \"standard\" or \"strict\", got \"\(v)\"")
            }
            sandboxDefault = p
        }
    }
}
