import Foundation
import HostCore
import LightningProtocol
import LightningTestSupport
import Testing

/// Crash containment for in-process plugins (docs/reliability.md#crash-containment) with the real
/// daemon and a C driver that dereferences NULL: the daemon dies once, never twice for the same
/// cause.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct DaemonCrashContainmentTests {
    static func deadLetters(_ d: TestDaemon) async throws -> [JSONValue] {
        try await d.get("/v1/events/deadletters?subscription=driver:crash-driver").json["dead_letters"]?.arrayValue ?? []
    }

    static func plugin(_ d: TestDaemon) async throws -> JSONValue? {
        try await d.get("/v1/plugins").json["plugins"]?.arrayValue?.first { $0["id"] == "crash-driver" }
    }

    /// The pid in the `c.pong` that answers a new `c.ping`.
    static func pongPid(_ d: TestDaemon) async throws -> Int? {
        let id = try await d.publish(["type": "c.ping"])
        var pid: Int?
        try await d.eventually("c.pong for \(id)") {
            pid = try await d.history("type=c.pong").first { $0["correlation_id"]?.stringValue == id }?["data"]?["pid"]?.intValue
            return pid != nil
        }
        return pid
    }

    /// kill -9 (or the OOM killer) while an event is inside an in-process driver is not a crash
    /// of that driver: no fault signal was recorded, so the event is handed over again after the
    /// restart and answered, and the driver stays in-process.
    @Test func aKill9WithAnEventInsideAnInProcessDriverBlamesNobody() async throws {
        let d = try await TestDaemon.start(manifests: { $0 != "c-example-driver.json" })
        try await d.eventually("echo-driver routed", timeout: .seconds(60)) {
            try await d.get("/v1/router/stats").json["drivers"]?["echo-driver"] != nil
        }
        // 20 s inside the driver: a wide window for the poll on a loaded machine.
        let id = try await d.publish(["type": "echo.slow", "data": ["ms": 20000]])
        try await d.eventually("the event inside echo-driver", timeout: .seconds(60)) {
            try await d.get("/v1/router/stats").json["drivers"]?["echo-driver"]?["in_flight"]?.intValue ?? 0 > 0
        }
        try await d.kill9()
        try await d.restart()
        #expect(d.process.stderr.contains("the daemon died without a fault signal (kill -9, the OOM killer, a power loss) while event \(id) was inside in-process driver echo-driver: handed over again (1 of 3"),
                "\(d.process.stderr.suffix(3000))")
        try await d.eventually("the reply after the restart", timeout: .seconds(120)) {
            try await d.history("type=echo.reply").contains { $0["correlation_id"]?.stringValue == id }
        }
        let echo = try #require(try await d.get("/v1/plugins").json["plugins"]?.arrayValue?.first { $0["id"] == "echo-driver" })
        #expect(echo["isolation"] == "in-process")
        #expect(echo["quarantined"] == nil || echo["quarantined"] == .null)
        #expect(try await d.get("/v1/events/deadletters?subscription=driver:echo-driver").json["dead_letters"]?.arrayValue?.isEmpty == true)
        try await d.stop()
    }

    @Test func aPoisonEventIsDeadLetteredAfterItCrashedTheDaemonAndTheDriverIsQuarantined() async throws {
        let lib = try await CrashDriver.build()
        let d = try await TestDaemon.start(manifests: CrashDriver.repoManifests, extraManifests: ["crash-driver.json": CrashDriver.manifest(library: lib)])
        let before = try #require(try await Self.plugin(d))
        #expect(before["isolation"] == "in-process")
        #expect(before["state"] == "loaded")
        #expect(try await Self.pongPid(d) == Int(d.process.pid))

        // The driver dereferences NULL inside the daemon: the daemon dies (expected in-process).
        let poison = "poison-\(UUID().uuidString.prefix(8).lowercased())"
        // The daemon may die handling the event before it answers this publish (the bus hands an
        // event over before publish returns): the event was journaled either way, so a lost answer is fine.
        _ = try? await d.post("/v1/events", ["id": .string(poison), "type": "c.crash"])
        let code = try await d.process.wait(timeout: .seconds(60))
        #expect(code == 128 + SIGSEGV || code == 128 + SIGILL || code == 128 + SIGABRT || code == 128 + SIGTRAP, "exit \(code)")

        // The restart dead-letters the event instead of handing it to the driver again.
        try await d.restart()
        try await d.eventually("poison event dead-lettered") {
            try await Self.deadLetters(d).contains { $0["event"]?["id"]?.stringValue == poison }
        }
        let dead = try #require(try await Self.deadLetters(d).first { $0["event"]?["id"]?.stringValue == poison })
        #expect(dead["last_error"] == "crashed the daemon in crash-driver")
        #expect(dead["attempts"]?.intValue == 1)

        // The driver runs in the process tier now, says why, and still handles other events.
        let after = try #require(try await Self.plugin(d))
        #expect(after["isolation"] == "process")
        #expect(after["state"] == "loaded")
        #expect(after["quarantined"]?.stringValue == "crashed the daemon while handling event \(poison)")
        // The fault recorder saw the signal (docs/reliability.md#fault-or-kill).
        #expect(d.process.stderr.contains("the daemon died of SIGSEGV while event \(poison) was inside in-process driver crash-driver"),
                "\(d.process.stderr.suffix(3000))")
        let childPid = try #require(after["pid"]?.intValue)
        #expect(childPid != Int(d.process.pid))
        #expect(try await Self.pongPid(d) == childPid)
        let quarantined = try await d.history("type=plugin.quarantined")
        #expect(quarantined.count == 1)
        #expect(quarantined.first?["data"]?["plugin"] == "crash-driver")
        #expect(quarantined.first?["data"]?["reason"]?.stringValue == "crashed the daemon while handling event \(poison)")
        let errors = try await d.history("type=error").filter { $0["data"]?["event_id"]?.stringValue == poison }
        #expect(errors.map { $0["data"]?["outcome"]?.stringValue } == ["dead_lettered"])

        let (status, out, _) = try await d.cli(["plugins"])
        #expect(status == 0)
        #expect(out.contains("crash-driver: quarantined to the process isolation tier: crashed the daemon while handling event \(poison)"), "\(out)")

        // A clean restart keeps the quarantine and publishes no second event.
        try await d.stop()
        try await d.restart()
        #expect(try await Self.plugin(d)?["isolation"] == "process")
        #expect(try await Self.pongPid(d) != Int(d.process.pid))
        #expect(try await d.history("type=plugin.quarantined").count == 1)
        #expect(try await Self.deadLetters(d).count == 1)
        try await d.stop()
    }

    @Test func quarantineCanBeTurnedOffAndTheEventIsStillDeadLettered() async throws {
        let lib = try await CrashDriver.build()
        let d = try await TestDaemon.start(config: ["router": ["quarantine_on_crash": false]], manifests: CrashDriver.repoManifests,
                                           extraManifests: ["crash-driver.json": CrashDriver.manifest(library: lib)])
        let poison = "poison-\(UUID().uuidString.prefix(8).lowercased())"
        // The daemon may die handling the event before it answers this publish (the bus hands an
        // event over before publish returns): the event was journaled either way, so a lost answer is fine.
        _ = try? await d.post("/v1/events", ["id": .string(poison), "type": "c.crash"])
        _ = try await d.process.wait(timeout: .seconds(60))
        try await d.restart()
        try await d.eventually("poison event dead-lettered") {
            try await Self.deadLetters(d).contains { $0["event"]?["id"]?.stringValue == poison }
        }
        let p = try await Self.plugin(d)
        #expect(p?["isolation"] == "in-process")
        #expect(p?["quarantined"] == nil)
        #expect(try await Self.pongPid(d) == Int(d.process.pid))
        #expect(try await d.history("type=plugin.quarantined").isEmpty)
        try await d.stop()
    }

    @Test func aLibraryWhoseCreateCrashedTheStartIsSkippedAtTheNextStart() async throws {
        let good = try await CrashDriver.build()
        let d = try await TestDaemon.start(manifests: CrashDriver.repoManifests, extraManifests: ["crash-driver.json": CrashDriver.manifest(library: good)])
        try await d.stop()
        let bad = try await CrashDriver.build(defines: ["CRASH_IN_CREATE"])
        try CrashDriver.rewrite(d, library: bad)
        await #expect(throws: (any Error).self) { try await d.restart() }

        try await d.restart()
        let p = try #require(try await Self.plugin(d))
        #expect(p["state"] == "failed")
        let sha = try PluginLoader.sha256(ofFileAt: bad, subject: bad.path)
        #expect(p["error"]?.stringValue?.hasPrefix("skipped: the daemon crashed while loading this library (sha256 \(sha)) at an earlier start") == true,
                "\(String(describing: p))")
        #expect(try await d.get("/v1/health").status == 200)
        let (_, out, _) = try await d.cli(["plugins"])
        #expect(out.contains("skipped: the daemon crashed while loading this library"), "\(out)")

        // A new library is tried again.
        try await d.stop()
        try CrashDriver.rewrite(d, library: try await CrashDriver.build())
        try await d.restart()
        #expect(try await Self.plugin(d)?["state"] == "loaded")
        #expect(try await Self.pongPid(d) == Int(d.process.pid))
        try await d.stop()
    }

    @Test func aLibraryWhoseConstructorCrashesIsRefusedByTheProbeChildAndTheDaemonStarts() async throws {
        let bad = try await CrashDriver.build(defines: ["CRASH_IN_CONSTRUCTOR"])
        let d = try await TestDaemon.start(manifests: CrashDriver.repoManifests, extraManifests: ["crash-driver.json": CrashDriver.manifest(library: bad)])
        let sha = try PluginLoader.sha256(ofFileAt: bad, subject: bad.path)
        let p = try #require(try await Self.plugin(d))
        #expect(p["state"] == "failed")
        #expect(p["error"]?.stringValue == "library \(bad.path) (sha256 \(sha)) crashed the probe child while loading (killed by signal 11 (SIGSEGV)): not loaded into the daemon",
                "\(String(describing: p))")
        #expect(try await d.get("/v1/health").status == 200)
        _ = try await d.publish(["type": "still.serving"])

        // The verdicts are cached by sha256: the crash, and the clean loads of the other libraries.
        let verdicts = try JSONDecoder().decode([String: ProbeVerdict].self,
                                                from: Data(contentsOf: d.dataDir.appendingPathComponent("probe-verdicts.json")))
        #expect(verdicts[sha] == .crashed("killed by signal 11 (SIGSEGV)"))
        #expect(verdicts.values.filter { $0 == .clean }.count == 2, "\(verdicts)")

        // `plugins verify` uses the same probe: the library runs in a child, never in the CLI.
        let verify = try TestProcess(BuildProducts.lightning, ["plugins", "verify", "--manifests", d.manifestsDir.path,
                                                               "--plugin-dir", BuildProducts.directory.path])
        #expect(try await verify.wait() == 1)
        #expect(verify.stdout.contains("refused \(d.manifestsDir.appendingPathComponent("crash-driver.json").path): library \(bad.path) crashed the probe child while loading (killed by signal 11 (SIGSEGV))"),
                "\(verify.stdout)")
        #expect(verify.stdout.contains("ok      local-eventbus 1.0.0 ABI 1.0 "), "\(verify.stdout)")

        try await d.stop()
        try await d.restart()
        #expect(try await Self.plugin(d)?["error"]?.stringValue?.hasSuffix("(killed by signal 11 (SIGSEGV)), verdict cached in probe-verdicts.json: not loaded into the daemon") == true)
        try await d.stop()
    }
}

/// The C driver of `Tests/ABITests/Fixtures/crashing_driver.c`: builds and manifests.
enum CrashDriver {
    static let source = BuildProducts.repoRoot.appendingPathComponent("Tests/ABITests/Fixtures/crashing_driver.c")

    static func repoManifests(_ name: String) -> Bool { name == "local-eventbus.json" || name == "sqlite-storage.json" }

    /// Compiles the fixture into a new folder (each build has a path of its own).
    static func build(defines: [String] = []) async throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lt-crash-driver-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let out = dir.appendingPathComponent("libcrash-driver.so")
        let args = ["-shared", "-fPIC", "-O1", "-Wall", "-Werror", "-I", FixtureStorage.headerDir.path]
            + defines.map { "-D\($0)" } + [source.path, "-o", out.path]
        let (status, output) = try await TestProcess.run("/usr/bin/cc", args)
        guard status == 0 else { throw TestFailure("cc \(args.joined(separator: " ")) failed (\(status)): \(output)") }
        return out
    }

    static func manifest(library: URL, sha256: String = String(repeating: "0", count: 64)) -> String {
        """
        {"manifest_version": 1, "id": "crash-driver", "name": "Crashing driver (C, tests only)", "version": "1.0.0",
         "kind": "driver", "abi_version": 1, "capabilities": ["c.*"],
         "library": {"path": "\(library.path)", "sha256": "\(sha256)"}}
        """
    }

    /// Replaces the daemon's manifest, pinned to the library's sha256.
    static func rewrite(_ d: TestDaemon, library: URL) throws {
        let sha = try PluginLoader.sha256(ofFileAt: library, subject: library.path)
        try Data(manifest(library: library, sha256: sha).utf8).write(to: d.manifestsDir.appendingPathComponent("crash-driver.json"))
    }
}
