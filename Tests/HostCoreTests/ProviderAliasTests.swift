import Foundation
@testable import HostCore
import LightningProtocol
import Testing

/// The overview's provider names work as aliases of the manifest ids.
@Suite struct ProviderAliasTests {
    @Test func everyAliasOfTheOverviewResolvesToAShippedManifestId() throws {
        var cfg = DaemonConfig()
        try cfg.apply(environment: [
            "LIGHTNING_STORAGE_PROVIDER": "azure_cosmos", "LIGHTNING_EVENT_BUS_PROVIDER": "azure_service_bus",
            "LIGHTNING_CONTAINER_RUNTIME": "azure_aci", "LIGHTNING_SERVERLESS_PROVIDER": "azure_functions",
        ])
        #expect(cfg.providers.mapValues(\.plugin) == ["storage": "cosmos-storage", "eventbus": "servicebus-eventbus",
                                                       "containers": "aci-containers", "functions": "azure-functions"])
        #expect(cfg.providerAliasesUsed == ["storage": "azure_cosmos", "eventbus": "azure_service_bus",
                                            "containers": "azure_aci", "functions": "azure_functions"])
        #expect(cfg.source(of: "providers.storage") == "env LIGHTNING_STORAGE_PROVIDER")
    }

    @Test func theLocalAliasesAndManifestIdsBothWork() throws {
        var cfg = DaemonConfig()
        try cfg.apply(environment: ["LIGHTNING_STORAGE_PROVIDER": "local", "LIGHTNING_EVENT_BUS_PROVIDER": "redis",
                                    "LIGHTNING_CONTAINER_RUNTIME": "docker", "LIGHTNING_SERVERLESS_PROVIDER": "local-functions"])
        #expect(cfg.providers["storage"]?.plugin == "sqlite-storage")
        #expect(cfg.providers["eventbus"]?.plugin == "redis-eventbus")
        #expect(cfg.providers["containers"]?.plugin == "docker-containers")
        #expect(cfg.providers["functions"]?.plugin == "local-functions")
        #expect(cfg.providerAliasesUsed["functions"] == nil)
        // An alias is per kind: "redis" is no storage provider.
        #expect(DaemonConfig.resolveProvider("redis", kind: "storage") == ("redis", nil))
    }

    @Test func everyAliasNamesAManifestThatShipsOrABuiltInProvider() throws {
        let dir = ManifestDirectory.scan(URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../manifests").standardizedFileURL)
        for (kind, aliases) in DaemonConfig.providerAliases {
            for (alias, id) in aliases {
                let shipped = dir.manifests.contains { $0.id == id && $0.provides?.rawValue == kind } || DaemonConfig.builtinProviders[kind] == id
                #expect(shipped, "alias \(alias) of \(kind) names \(id), which no manifest provides")
            }
        }
    }

    @Test func aConfigFileMayUseAnAliasAndKeepsItsConfig() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("alias-\(UUID().uuidString).json")
        try Data(#"{"providers": {"storage": {"plugin": "local", "config": {"path": "x.sqlite"}}}}"#.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        var cfg = DaemonConfig()
        try cfg.apply(fileAt: url)
        try cfg.apply(environment: ["LIGHTNING_STORAGE_PROVIDER": "sqlite-storage"])
        #expect(cfg.providers["storage"] == .init(plugin: "sqlite-storage", config: ["path": "x.sqlite"]))
        #expect(cfg.providerAliasesUsed["storage"] == nil)
    }
}
