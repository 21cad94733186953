import Foundation
import LightningProtocol

/// The config one instance of a plugin gets, from the daemon's settings (docs/configuration.md):
///
/// ```
///  manifest defaults < plugin_config[id] < environment variables bound by the schema's `env`
///  < overrides (the provider choice's config, a swap request) ─▶ validated against the
///  manifest's schema ─▶ + data_dir (injected by the host)
/// ```
///
/// A value type without I/O: the daemon builds one from its `DaemonConfig` for each instance
/// it creates, and to tell whether a reloaded config changes what serves a slot.
struct InstanceConfig: Sendable {
    var pluginConfig: [String: [String: JSONValue]]
    var environment: [String: String]
    var dataDir: URL

    init(_ config: DaemonConfig) {
        pluginConfig = config.pluginConfig; environment = config.environment; dataDir = config.dataDir
    }

    /// - Throws: `HostError(.configInvalid)` naming the plugin: a bound environment variable
    ///   that is not the JSON its field's type needs, or the schema's problems.
    func build(_ m: Manifest, overrides: [String: JSONValue]) throws -> [String: JSONValue] {
        var cfg = m.effectiveConfig(pluginConfig[m.id] ?? [:])
        // Fields the manifest binds to an environment variable (`env` in its schema): the
        // variable, when set, wins over defaults and `plugin_config`; explicit overrides (the
        // provider choice's config, a swap request) win over it.
        // A field whose schema type is not `string` takes the variable's value as JSON
        // (`LIGHTNING_FUNCTIONS='[{"name": "hello"}]'`).
        for (field, variable) in ConfigSchema.environmentBindings(m.configSchema) {
            guard let v = environment[variable], !v.isEmpty else { continue }
            let types = ConfigSchema.typeNames(m.configSchema?["properties"]?[field]?["type"])
            if types.isEmpty || types.contains("string") { cfg[field] = .string(v); continue }
            guard let parsed = try? Wire.decode(JSONValue.self, from: Data(v.utf8)) else {
                throw HostError(.configInvalid, subject: "plugin \(m.id)",
                                "environment variable \(variable) (config field \"\(field)\"): expected JSON (\(types.joined(separator: " or "))), got text that does not parse")
            }
            cfg[field] = parsed
        }
        cfg.merge(overrides) { _, new in new }
        if let schema = m.configSchema {
            let problems = ConfigSchema.validate(.object(cfg), against: schema, path: "config")
            if !problems.isEmpty {
                throw HostError(.configInvalid, subject: "plugin \(m.id)", problems.joined(separator: "; "))
            }
        }
        cfg["data_dir"] = .string(dataDir.path)
        return cfg
    }
}
