import Foundation
@testable import HostCore
import LightningProtocol
import Testing

@Suite struct DaemonConfigTests {
    func write(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lt-config-\(UUID().uuidString).json")
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func appliesFileThenEnvironment() throws {
        var c = DaemonConfig()
        let url = try write(#"{"port": 9000, "data_dir": "d", "providers": {"storage": {"plugin": "x", "config": {"path": "/p"}}}, "router": {"hop_limit": 3}}"#)
        try c.apply(fileAt: url)
        #expect(c.port == 9000)
        #expect(c.dataDir.path == url.deletingLastPathComponent().appendingPathComponent("d").path)
        #expect(c.providers["storage"] == .init(plugin: "x", config: ["path": "/p"]))
        #expect(c.providers["eventbus"]?.plugin == "local-eventbus")
        #expect(c.router.hopLimit == 3)
        try c.apply(environment: ["LIGHTNING_PORT": "9100", "LIGHTNING_STORAGE_PROVIDER": "cosmos-storage"])
        #expect(c.port == 9100)
        #expect(c.providers["storage"]?.plugin == "cosmos-storage")
    }

    @Test func extraManifestFoldersComeFromTheFileOrTheEnvironmentAfterTheShippedOne() throws {
        var c = DaemonConfig()
        let url = try write(#"{"manifests_dir": "shipped", "extra_manifests": ["mine", "/abs/theirs"]}"#)
        try c.apply(fileAt: url)
        let base = url.deletingLastPathComponent()
        #expect(c.manifestDirs.map(\.path) == [base.appendingPathComponent("shipped").path, base.appendingPathComponent("mine").path, "/abs/theirs"])
        #expect(c.source(of: "extra_manifests") == "file \(url.path)")
        try c.apply(environment: ["LIGHTNING_EXTRA_MANIFESTS": "/a:/b"])
        #expect(c.extraManifestDirs.map(\.path) == ["/a", "/b"])
        #expect(c.source(of: "extra_manifests") == "env LIGHTNING_EXTRA_MANIFESTS")
        var bad = DaemonConfig()
        let e = #expect(throws: HostError.self) { try bad.apply(fileAt: try write(#"{"extra_manifests": "mine"}"#)) }
        #expect(e?.message.contains(#"field "extra_manifests": expected an array of folder paths, got a string"#) == true, "\(e?.message ?? "")")
    }

    @Test func reportsEveryBadFieldOfAConfigFile() throws {
        var c = DaemonConfig()
        let url = try write(#"{"port": "x", "colour": 1, "router": {"hop_limit": 0}, "providers": {"queue": "y"}}"#)
        do { try c.apply(fileAt: url); Issue.record("expected an error") } catch let e as HostError {
            #expect(e.code == .configInvalid)
            #expect(e.subject == url.path)
            #expect(e.message.contains("field \"port\": expected an integer from 0 to 65535"))
            #expect(e.message.contains("field \"colour\": expected one of"))
            #expect(e.message.contains("field \"router.hop_limit\": expected an integer from 1 to 1000, got 0"))
            #expect(e.message.contains("field \"providers.queue\": expected storage, eventbus, containers or functions"))
        }
    }

    @Test func crashContainmentSettingsHaveDefaultsAndAreChecked() throws {
        var c = DaemonConfig()
        #expect(c.router.crashDeadLetterAfter == 1)
        #expect(c.router.quarantineOnCrash == true)
        try c.apply(fileAt: try write(#"{"router": {"crash_dead_letter_after": 3, "quarantine_on_crash": false}}"#))
        #expect(c.router.crashDeadLetterAfter == 3)
        #expect(c.router.quarantineOnCrash == false)
        let url = try write(#"{"router": {"crash_dead_letter_after": 0, "quarantine_on_crash": "yes", "crash_after": 1}}"#)
        var fresh = DaemonConfig()
        do { try fresh.apply(fileAt: url); Issue.record("expected an error") } catch let e as HostError {
            #expect(e.message.contains("field \"router.crash_dead_letter_after\": expected an integer from 1 to 1000, got 0"))
            #expect(e.message.contains("field \"router.quarantine_on_crash\": expected true or false, got \"yes\""))
            #expect(e.message.contains("field \"router.crash_after\": expected one of hop_limit, max_attempts, backoff_ms, max_backoff_ms, concurrency, lease_ms, crash_dead_letter_after, quarantine_on_crash, got an unknown key"))
        }
    }

    @Test func agentsAndFunctionsDefaultToStrictAndTheOperatorMayChooseOtherwise() throws {
        var c = DaemonConfig()
        #expect(c.sandboxDefault == .strict)
        try c.apply(fileAt: try write(#"{"sandbox_default": "none"}"#))
        #expect(c.sandboxDefault == SandboxPolicy.Profile.none)
        #expect(c.source(of: "sandbox_default").hasPrefix("file "))
        try c.apply(environment: ["LIGHTNING_SANDBOX_DEFAULT": "standard"])
        #expect(c.sandboxDefault == .standard)
        #expect(c.source(of: "sandbox_default") == "env LIGHTNING_SANDBOX_DEFAULT")
        do { try c.apply(environment: ["LIGHTNING_SANDBOX_DEFAULT": "loose"]); Issue.record("expected an error") } catch let e as HostError {
            #expect(e.subject == "LIGHTNING_SANDBOX_DEFAULT")
            #expect(e.message == #"expected "none", "standard" or "strict", got "loose""#)
        }
        let url = try write(#"{"sandbox_default": "off"}"#)
        do { try c.apply(fileAt: url); Issue.record("expected an error") } catch let e as HostError {
            #expect(e.message.contains(#"field "sandbox_default": expected "none", "standard" or "strict", got "off""#))
        }
    }

    @Test func rejectsABadPortInTheEnvironment() {
        var c = DaemonConfig()
        #expect(throws: HostError.self) { try c.apply(environment: ["LIGHTNING_PORT": "http"]) }
    }
}

@Suite struct DaemonModeTests {
    @Test func modePicksDefaultsAndExplicitChoicesWin() throws {
        var c = DaemonConfig()
        #expect(c.providers["storage"]?.plugin == "sqlite-storage")
        #expect(c.source(of: "providers.storage") == "mode local")
        try c.apply(environment: ["LIGHTNING_MODE": "azure", "LIGHTNING_EVENT_BUS_PROVIDER": "local-eventbus",
                                  "LIGHTNING_CONTAINER_RUNTIME": "docker-containers", "LIGHTNING_SERVERLESS_PROVIDER": ""])
        #expect(c.providers["storage"]?.plugin == "cosmos-storage")
        #expect(c.providers["eventbus"]?.plugin == "local-eventbus")
        #expect(c.providers["containers"]?.plugin == "docker-containers")
        #expect(c.providers["functions"]?.plugin == "azure-functions")
        #expect(c.source(of: "providers.eventbus") == "env LIGHTNING_EVENT_BUS_PROVIDER")
        #expect(c.source(of: "providers.functions") == "mode azure")
        #expect(c.source(of: "mode") == "env LIGHTNING_MODE")
        #expect(c.source(of: "port") == "default")
    }

    @Test func anUnknownModeIsRefusedWhereverItComesFrom() throws {
        var c = DaemonConfig()
        do { try c.apply(environment: ["LIGHTNING_MODE": "cloud"]); Issue.record("expected an error") } catch let e as HostError {
            #expect(e.description == "LIGHTNING_MODE: expected local or azure, got \"cloud\"")
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lt-mode-\(UUID().uuidString).json")
        try Data(#"{"mode": "hybrid"}"#.utf8).write(to: url)
        do { try c.apply(fileAt: url); Issue.record("expected an error") } catch let e as HostError {
            #expect(e.message == "field \"mode\": expected local or azure, got \"hybrid\"")
        }
    }

    @Test func anEnvironmentChoiceOfAnotherPluginDropsTheFilesConfigForTheOldOne() throws {
        var c = DaemonConfig()
        c.explicitProviders["storage"] = .init(plugin: "sqlite-storage", config: ["path": "/x"])
        try c.apply(environment: ["LIGHTNING_STORAGE_PROVIDER": "other-storage"])
        #expect(c.providers["storage"] == .init(plugin: "other-storage"))
    }
}
