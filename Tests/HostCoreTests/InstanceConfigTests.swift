import Foundation
@testable import HostCore
import LightningProtocol
import Testing

/// `InstanceConfig`: which source wins for each field, and what is refused.
@Suite struct InstanceConfigTests {
    let manifest: Manifest

    init() throws {
        let text = """
            {"manifest_version": 1, "id": "p", "name": "P", "version": "1.0.0", "kind": "provider", "provides": "storage",
             "library": {"path": "libP.so", "sha256": "\(String(repeating: "ab", count: 32))"}, "abi_version": 1,
             "config": {"defaults": {"a": "default", "b": "default", "c": "default", "n": 1},
              "schema": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string", "env": "P_B"},
                         "c": {"type": "string", "env": "P_C"}, "n": {"type": "integer", "env": "P_N"}}}}}
            """
        manifest = try ManifestParser.parse(data: Data(text.utf8), file: URL(fileURLWithPath: "/tmp/manifests/p.json"))
    }

    func settings(pluginConfig: [String: JSONValue] = [:], environment: [String: String] = [:]) -> InstanceConfig {
        var c = DaemonConfig()
        c.pluginConfig = ["p": pluginConfig]
        c.environment = environment
        c.dataDir = URL(fileURLWithPath: "/data")
        return InstanceConfig(c)
    }

    @Test func defaultsThenPluginConfigThenEnvironmentThenOverridesThenDataDir() throws {
        let cfg = try settings(pluginConfig: ["a": "plugin_config", "b": "plugin_config"], environment: ["P_B": "env", "P_C": "env", "P_N": "7"])
            .build(manifest, overrides: ["c": "override"])
        #expect(cfg == ["a": "plugin_config", "b": "env", "c": "override", "n": 7, "data_dir": "/data"])
    }

    @Test func aBoundVariableThatIsNotJSONForANonStringFieldIsRefusedNamingIt() {
        #expect {
            try settings(environment: ["P_N": "seven"]).build(manifest, overrides: [:])
        } throws: { e in
            (e as? HostError)?.code == .configInvalid && (e as? HostError)?.subject == "plugin p"
                && (e as? HostError)?.message.hasPrefix("environment variable P_N (config field \"n\"): expected JSON (integer)") == true
        }
    }

    @Test func theSchemaIsCheckedAfterEveryOverride() {
        #expect(throws: HostError.self) { try settings().build(manifest, overrides: ["n": "not a number"]) }
    }
}
