import Foundation
public import LightningProtocol

extension Daemon {
    /// The effective configuration as `lightning config` and `/v1/config` show it: values that
    /// manifests mark `secret` are replaced by "<redacted>" (fields no schema describes: by
    /// name, `redact`); a provider chosen by an alias shows it (`alias`).
    public func redactedConfig() -> JSONValue {
        var providers: [String: JSONValue] = [:]
        for (kind, choice) in config.providers.sorted(by: { $0.key < $1.key }) {
            var p: [String: JSONValue] = ["plugin": .string(choice.plugin), "config": redact(.object(choice.config), schema: manifest(choice.plugin)?.configSchema)]
            // Chosen by an alias (`LIGHTNING_STORAGE_PROVIDER=azure_cosmos`): the alias, next to the id it resolved to.
            if let alias = config.providerAliasesUsed[kind] { p["alias"] = .string(alias) }
            providers[kind] = .object(p)
        }
        var pluginConfig: [String: JSONValue] = [:]
        for (id, c) in config.pluginConfig { pluginConfig[id] = redact(.object(c), schema: manifest(id)?.configSchema) }
        var sources: [String: JSONValue] = [:]
        for key in ["mode", "host", "port", "data_dir", "manifests_dir", "extra_manifests", "plugin_dirs", "drivers", "log_level", "sandbox_default", "cgroups",
                    "auth", "api_command_dirs", "api_provider_paths", "unix_socket", "unix_socket_allow_uids", "tls", "context_keep_versions", "plugins.require_signature", "plugins.trusted_keys"] {
            sources[key] = .string(config.source(of: key))
        }
        for kind in config.providers.keys { sources["providers.\(kind)"] = .string(config.source(of: "providers.\(kind)")) }
        for (k, v) in config.sources where k.hasPrefix("router.") || k.hasPrefix("plugin_config.") || k.hasPrefix("http.") { sources[k] = .string(v) }
        var instances: [String: JSONValue] = [:]
        for (id, c) in instanceConfigs.withLock({ $0 }) { instances[id] = redact(.object(c), schema: manifest(id)?.configSchema) }
        return [
            "sources": .object(sources),
            "instances": .object(instances),
            "mode": .string(config.mode), "host": .string(config.host), "port": .int(config.port),
            "data_dir": .string(config.dataDir.path), "manifests_dir": .string(config.manifestsDir.path),
            "extra_manifests": .array(config.extraManifestDirs.map { .string($0.path) }),
            "plugin_dirs": .array(pluginDirs.map { .string($0.path) }), "providers": .object(providers),
            "drivers": config.drivers.map { .array($0.map { .string($0) }) } ?? .null,
            "plugin_config": .object(pluginConfig), "log_level": .string(config.logLevel),
            "sandbox_default": .string(config.sandboxDefault.rawValue),
            "cgroups": .string(config.cgroups ? "auto" : "off"),
            "context_keep_versions": .int(config.contextKeepVersions),
            "auth": .bool(config.authEnabled),
            "plugins": ["require_signature": .bool(config.requireSignature),
                        "trusted_keys": .array(config.trustedKeys.map { .string($0.path) })],
            "api_command_dirs": .array(config.apiCommandDirs.map { .string($0.path) }),
            "api_provider_paths": .array(config.apiProviderPaths.map { .string($0.path) }),
            "router": [
                "hop_limit": .int(config.router.hopLimit), "max_attempts": .int(config.router.maxAttempts),
                "backoff_ms": .int(config.router.backoffMs), "max_backoff_ms": .int(config.router.maxBackoffMs),
                "concurrency": .int(config.router.concurrency), "lease_ms": .int(config.router.leaseMs),
            ],
            "http": [
                "max_connections": config.http.maxConnections.map { .int($0) } ?? .null,
                "idle_timeout_ms": .int(config.http.idleTimeoutMs), "header_timeout_ms": .int(config.http.headerTimeoutMs),
                "body_timeout_ms": .int(config.http.bodyTimeoutMs), "max_body_bytes": .int(config.http.maxBodyBytes),
                "max_header_bytes": .int(config.http.maxHeaderBytes), "max_uri_bytes": .int(config.http.maxURIBytes),
                "max_json_depth": .int(config.http.maxJSONDepth), "max_json_string_bytes": .int(config.http.maxJSONStringBytes),
                "max_json_elements": .int(config.http.maxJSONElements),
            ],
            "unix_socket": config.unixSocket.map { .string($0.path) } ?? .bool(false),
            "tls": config.tls.map { ["certificate": .string($0.certificate.path), "key": .string($0.key.path)] } ?? .null,
            "unix_socket_allow_uids": .array(config.unixSocketAllowUIDs.map { .int(Int($0)) }),
        ]
    }
}
