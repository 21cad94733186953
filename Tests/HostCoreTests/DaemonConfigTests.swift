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

    @Test func rejectsABadPortInTheEnvironment() {
        var c = DaemonConfig()
        #expect(throws: HostError.self) { try c.apply(environment: ["LIGHTNING_PORT": "http"]) }
    }
}
