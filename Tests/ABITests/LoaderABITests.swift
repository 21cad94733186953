import Foundation
import HostCore
import LightningProtocol
import Logging
import Testing

/// The loader against C plugins compiled from the header alone: negotiation, refusals with
/// their reasons, asynchronous completion, host services, and drain-before-destroy.
@Suite(.serialized) struct LoaderABITests {
    static let fixture = CPluginBuilder.repoRoot.appendingPathComponent("Tests/ABITests/Fixtures/abi_fixture.c")
    let loader = PluginLoader(logger: Logger(label: "test"))

    func refusal(_ defines: [String], sha256: String? = nil, expectedId: String? = "abi-fixture") async throws -> HostError? {
        let lib = try await CPluginBuilder.build(Self.fixture, defines: defines)
        do {
            _ = try loader.load(LibrarySpec(url: lib, sha256: sha256, expectedId: expectedId, expectedVersion: "1.0.0", subject: "manifests/fixture.json"))
            return nil
        } catch let e as HostError { return e }
    }

    @Test func loadsAndCallsAPluginBuiltFromTheHeaderAlone() async throws {
        let lib = try await CPluginBuilder.build(Self.fixture)
        let plugin = try loader.load(LibrarySpec(url: lib, sha256: try PluginLoader.sha256(ofFileAt: lib, subject: "t"),
                                                 expectedId: "abi-fixture", expectedVersion: "1.0.0", subject: "t"))
        #expect(plugin.id == "abi-fixture")
        #expect(plugin.abiVersion >> 16 == 1)
        let conn = try plugin.makeInstance(config: [:])
        let echoed = try await conn.call("echo", Data(#"{"x":[1,2,3]}"#.utf8))
        #expect(String(decoding: echoed, as: UTF8.self) == #"{"x":[1,2,3]}"#)
        do { _ = try await conn.call("nope", Data()); Issue.record("expected an error") } catch let e as WireError {
            #expect(e.code == .unsupported)
            #expect(e.message == "no such method")
        }
        await conn.close()
    }

    @Test func refusesAMissingLibrary() async throws {
        do {
            _ = try loader.load(LibrarySpec(url: URL(fileURLWithPath: "/nonexistent/libx.so"), sha256: nil, expectedId: nil, expectedVersion: nil, subject: "manifests/x.json"))
            Issue.record("expected an error")
        } catch let e as HostError {
            #expect(e.code == .libraryMissing)
            #expect(e.description == "manifests/x.json: field \"library.path\": library /nonexistent/libx.so not found (build it with `swift build`, or fix the path)")
        }
    }

    @Test func refusesAChecksumMismatch() async throws {
        let e = try await refusal([], sha256: String(repeating: "0", count: 64))
        #expect(e?.code == .checksumMismatch)
        #expect(e?.message.hasPrefix("field \"library.sha256\": expected 0000") == true)
        #expect(e?.message.contains("has sha256") == true)
    }

    @Test func refusesAnotherABIMajor() async throws {
        let e = try await refusal(["BAD_MAJOR"])
        #expect(e?.code == .abiMismatch)
        #expect(e?.message == "plugin ABI 2.0, host ABI 1.0: major versions must match")
    }

    @Test func refusesALibraryWithoutTheEntrySymbol() async throws {
        let e = try await refusal(["NO_ENTRY"])
        #expect(e?.code == .entryMissing)
        #expect(e?.message.hasPrefix("lt_plugin_entry not found in") == true)
    }

    @Test func refusesANullEntryAndATruncatedTable() async throws {
        #expect(try await refusal(["NULL_ENTRY"])?.message == "lt_plugin_entry returned NULL")
        #expect(try await refusal(["SMALL_STRUCT"])?.message.hasPrefix("lt_plugin_v1.struct_size is 8") == true)
    }

    @Test func readsOnlyStructSizeBytesOfAnOlderMinorsTable() async throws {
        let lib = try await CPluginBuilder.build(Self.fixture, defines: ["OLDER_MINOR"])
        let plugin = try loader.loadLibrary(at: lib)
        #expect(plugin.hasExtensions == false)
        let conn = try plugin.makeInstance(config: [:])
        #expect(String(decoding: try await conn.call("echo", Data("{}".utf8)), as: UTF8.self) == "{}")
        await conn.close()
    }

    @Test func refusesAnIdThatDiffersFromTheManifest() async throws {
        let e = try await refusal(["PLUGIN_ID=\"someone-else\""])
        #expect(e?.message == "field \"id\": manifest says \"abi-fixture\" but the library reports \"someone-else\"")
    }

    @Test func reportsTheConfigErrorOfAFailedCreate() async throws {
        let lib = try await CPluginBuilder.build(Self.fixture, defines: ["CREATE_FAILS"])
        let plugin = try loader.loadLibrary(at: lib)
        #expect(throws: HostError.self) { _ = try plugin.makeInstance(config: [:]) }
        do { _ = try plugin.makeInstance(config: [:]) } catch let e as HostError {
            #expect(e.description == "plugin abi-fixture: config field \"colour\": expected a string")
        }
    }

    @Test func refusesAChangedBuildAtAnAlreadyLoadedPath() async throws {
        let lib = try await CPluginBuilder.build(Self.fixture)
        _ = try loader.loadLibrary(at: lib)
        // Overwrite the same path with a different build: glibc would return the old handle.
        let other = try await CPluginBuilder.build(Self.fixture, defines: ["PLUGIN_ID=\"abi-fixture-2\""])
        try FileManager.default.removeItem(at: lib)
        try FileManager.default.copyItem(at: other, to: lib)
        #expect(throws: HostError.self) { _ = try loader.loadLibrary(at: lib) }
    }

    @Test func asynchronousCompletionsFromOtherThreadsAndDrainBeforeDestroy() async throws {
        let plugin = try loader.loadLibrary(at: try await CPluginBuilder.build(Self.fixture))
        let conn = try plugin.makeInstance(config: [:])
        #expect(String(decoding: try await conn.call("live", Data()), as: UTF8.self) == #"{"live":1}"#)
        // Start slow calls (completed 100 ms later on plugin threads), then close while they run.
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { String(decoding: try await conn.call("slow", Data()), as: UTF8.self) } }
            try await Task.sleep(for: .milliseconds(20))
            let probe = try plugin.makeInstance(config: [:])
            await conn.close()  // must wait for all 20 before destroy
            var results: [String] = []
            for try await r in group { results.append(r) }
            #expect(results == Array(repeating: #"{"slow":true}"#, count: 20))
            // Only the probe instance remains: the first was destroyed after its calls drained.
            #expect(String(decoding: try await probe.call("live", Data()), as: UTF8.self) == #"{"live":1}"#)
            await probe.close()
        }
        do { _ = try await conn.call("echo", Data("{}".utf8)); Issue.record("expected closed") } catch let e as WireError {
            #expect(e.code == .unavailable)
        }
    }

    @Test func pluginsReachHostServices() async throws {
        let services = RecordingServices()
        loader.setHostServices(services)
        let plugin = try loader.loadLibrary(at: try await CPluginBuilder.build(Self.fixture))
        let conn = try plugin.makeInstance(config: [:])
        let relayed = try await conn.call("host.relay", Data(#"{"q":1}"#.utf8))
        #expect(String(decoding: relayed, as: UTF8.self) == #"{"answer":"test.method from abi-fixture: {\"q\":1}"}"#)
        #expect(String(decoding: try await conn.call("emit", Data()), as: UTF8.self) == #"{"rc":0}"#)
        let emitted = await services.waitForEmits(1)
        #expect(emitted.map(\.type) == ["fixture.emitted"])
        await conn.close()
    }

    @Test func theCExampleDriverBuildsWithCcAndHandlesEvents() async throws {
        let source = CPluginBuilder.repoRoot.appendingPathComponent("Examples/CDriver/c_driver.c")
        let plugin = try loader.loadLibrary(at: try await CPluginBuilder.build(source, name: "c_example_driver"), expectedId: "c-example-driver")
        let conn = try plugin.makeInstance(config: [:])
        let event = Event(type: "c.greet", data: ["name": "Ada"])
        let r = try await conn.call(Method.handle, HandleRequest(event: event), as: HandleResult.self)
        #expect(r.events.map(\.type) == ["c.greeting"])
        #expect(r.events.first?.data["message"] == "hello, Ada")
        await conn.close()
    }
}

/// HostServices that answers `test.method` and records emits.
actor RecordingServices: HostServices {
    var emits: [Event] = []
    var waiters: [(Int, CheckedContinuation<[Event], Never>)] = []

    nonisolated func call(method: String, params: Data, caller: String) async throws -> Data {
        let text = "\(method) from \(caller): \(String(decoding: params, as: UTF8.self))"
        return try Wire.encode(["answer": text])
    }

    func emit(events: [Event], caller: String) async throws {
        emits += events
        let ready = waiters.filter { $0.0 <= emits.count }
        waiters.removeAll { $0.0 <= emits.count }
        for w in ready { w.1.resume(returning: emits) }
    }

    func waitForEmits(_ n: Int) async -> [Event] {
        if emits.count >= n { return emits }
        return await withCheckedContinuation { waiters.append((n, $0)) }
    }
}
