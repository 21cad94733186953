import GreeterDriver
import LightningPluginKit
import LightningProtocol
import Testing

/// The driver's own logic, outside any daemon (`PluginContext.detached`: no host behind it).
/// `lightning plugins test manifests/greeter-driver.json` checks it against the driver contract.
struct GreeterDriverTests {
    @Test func pingAnswersPongWithTheSameData() async throws {
        let driver = try GreeterDriver(context: .detached(config: [:]))
        let out = try await driver.handle(event: Event(type: "hello.ping", data: ["n": 1]))
        #expect(out.map(\.type) == ["hello.pong"])
        #expect(out.first?.data == ["n": 1])
        #expect(try await driver.handle(event: Event(type: "other.thing")).isEmpty)
    }

    @Test func badInputAndConfigAreRefusedWithTheField() async throws {
        let driver = try GreeterDriver(context: .detached(config: [:]))
        let noName = await #expect(throws: WireError.self) { try await driver.handle(event: Event(type: "hello.request", data: [:])) }
        #expect(noName?.code == .invalidArgument)
        #expect(noName?.message == "hello.request: field \"name\": expected a non-empty string, got null")
        let badConfig = #expect(throws: WireError.self) { try GreeterDriver(context: .detached(config: ["greeting": 5])) }
        #expect(badConfig?.message == "config field \"greeting\": expected a non-empty string, got 5")
    }

    @Test func storageNeedsAHost() async throws {
        // Detached, the typed storage client has no host to call: `unavailable`, not a crash.
        let driver = try GreeterDriver(context: .detached(config: ["greeting": "Hi"]))
        let error = await #expect(throws: WireError.self) { try await driver.handle(event: Event(type: "hello.request", data: ["name": "Ada"])) }
        #expect(error?.code == .unavailable)
    }
}
