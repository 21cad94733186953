import LightningProtocol

extension DaemonConfig {
    /// The names of the system overview the project started from, accepted wherever a provider
    /// is chosen (`LIGHTNING_*_PROVIDER`, `LIGHTNING_CONTAINER_RUNTIME`, the config file's
    /// `providers`) as aliases of manifest ids, by kind. `lightning config` shows the alias used
    /// and the id it resolved to.
    public static let providerAliases: [String: [String: String]] = [
        "storage": ["local": "sqlite-storage", "azure_cosmos": "cosmos-storage"],
        "eventbus": ["local": "local-eventbus", "redis": "redis-eventbus", "azure_service_bus": "servicebus-eventbus"],
        "containers": ["docker": "docker-containers", "azure_aci": "aci-containers"],
        "functions": ["local": "local-functions", "azure_functions": "azure-functions"],
    ]

    /// The manifest id `name` stands for as a `kind` provider: the id an alias names, or `name`
    /// itself when it is not an alias.
    public static func resolveProvider(_ name: String, kind: String) -> (plugin: String, alias: String?) {
        if let id = providerAliases[kind]?[name] { return (id, name) }
        return (name, nil)
    }

    /// Records a provider choice made by `name` (an id or an alias) and, for an alias, which one.
    mutating func chooseProvider(_ name: String, kind: String, config: [String: JSONValue]) {
        let (plugin, alias) = Self.resolveProvider(name, kind: kind)
        explicitProviders[kind] = ProviderChoice(plugin: plugin, config: config)
        providerAliasesUsed[kind] = alias
    }
}
