import Foundation
import LightningProtocol
import Testing

/// Agents as supervised children of the real daemon: routing, storage through the host, the
/// process API and CLI, restarts, and no child outliving a `kill -9` of the daemon.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DaemonAgentTests {
    static func crashingAgent(_ ms: Int) -> String {
        """
        {"manifest_version": 1, "id": "crashy-agent", "name": "Crashy", "version": "1.0.0", "kind": "agent",
         "capabilities": ["test.*"],
         "process": {"command": "lt-test-child", "args": ["crash-after", "\(ms)"],
                     "backoff": {"initial_ms": 50, "max_ms": 200}, "intensity": {"max_restarts": 50, "within_seconds": 60}}}
        """
    }

    @Test func swiftAndPythonAgentsHandleEventsAndUseStorageThroughTheHost() async throws {
        let d = try await TestDaemon.start(agents: true)
        try await d.eventually("agents ready") {
            let ps = try await d.get("/v1/processes").json["processes"]?.arrayValue ?? []
            return ps.filter { $0["state"] == "ready" }.count == 2
        }
        let id = try await d.publish(["type": "greet.request", "data": ["name": "Ada"]])
        try await d.eventually("two replies") { try await d.history("correlation_id=\(id)&type=greet.reply").count == 2 }
        let replies = try await d.history("correlation_id=\(id)&type=greet.reply")
        let byAgent = Dictionary(uniqueKeysWithValues: replies.compactMap { r in
            r["metadata"]?["lt.emitted_by"]?.stringValue.map { ($0, r["data"]?["greeting"]?.stringValue ?? "") }
        })
        #expect(byAgent["example-agent"] == "Hello, Ada!")
        #expect(byAgent["example-python-agent"] == "Hei, Ada!")
        #expect(replies.allSatisfy { $0["source"]?.stringValue?.hasPrefix("example-") == true })
        let doc = try await d.get("/v1/storage/containers/greetings/documents/\(id)")
        #expect(doc.status == 200)
        #expect(doc.json["data"]?["name"] == "Ada")
        let agents = try await d.get("/v1/agents").json["agents"]?.arrayValue ?? []
        #expect(agents.map { $0["name"]?.stringValue } == ["example-agent", "example-python-agent"])
        // greet.* also matches the two greet.reply events: each agent saw 3 events and answered 1.
        try await d.eventually("replies routed too") {
            let a = try await d.get("/v1/agents").json["agents"]?.arrayValue ?? []
            return a.allSatisfy { $0["stats"]?["handled"] == 3 }
        }
    }

    @Test func psLogsAndRestartFromTheCLI() async throws {
        let d = try await TestDaemon.start(manifests: { !$0.contains("python") }, agents: true)
        try await d.eventually("ready") { try await d.get("/v1/processes/example-agent").json["state"] == "ready" }
        let (c1, ps, _) = try await d.cli(["ps"])
        #expect(c1 == 0)
        #expect(ps.hasPrefix("NAME"))
        let row = ps.split(separator: "\n").first { $0.hasPrefix("example-agent") }.map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        #expect(row?[1] == "agent" && row?[2] == "ready")
        // No `sandbox` section in example-agent.json: agents get the strict profile by default.
        #expect(row?[7] == "strict")
        // Its limits are enforced by the mechanism /health names (cgroups where CI runs).
        let mechanism = try await d.get("/health").json["limits"]?["mechanism"]?.stringValue
        #expect(row.map { String($0[8]) } == mechanism)
        if ProcessInfo.processInfo.environment["LT_REQUIRE_CGROUPS"] == "1" { #expect(mechanism?.hasPrefix("cgroup-") == true) }
        // The program's own pid (host/inside its pid namespace) next to the sandbox's outer pid.
        let program = row?[4].split(separator: "/")
        #expect(program?.count == 2 && program?.last == "2" && program?.first != row?[3])
        let health = try await d.get("/health").json
        #expect(health["sandbox"]?["profiles"]?["none"]?["available"] == true)
        #expect(health["sandbox"]?["landlock_abi"]?.intValue != nil)
        #expect(try await d.get("/v1/processes/example-agent").json["limits"]?.stringValue == mechanism)
        let pid1 = try await d.get("/v1/processes/example-agent").json["pid"]?.intValue
        let (c2, out, _) = try await d.cli(["restart", "example-agent"])
        #expect(c2 == 0)
        #expect(out.hasPrefix("example-agent ready pid "))
        let pid2 = try await d.get("/v1/processes/example-agent").json["pid"]?.intValue
        #expect(pid1 != nil && pid2 != nil && pid1 != pid2)
        let (c3, _, err) = try await d.cli(["restart", "nobody"])
        #expect(c3 == 1)
        #expect(err.contains("no process named \"nobody\""))
        let (c4, logs, _) = try await d.cli(["logs", "example-agent"])
        #expect(c4 == 0)
        _ = logs
        let (c5, stopped, _) = try await d.cli(["stop", "example-agent"])
        #expect(c5 == 0)
        #expect(stopped.hasPrefix("example-agent stopped"))
    }

    @Test func aCrashingAgentIsRestartedAndEveryExitIsAnEvent() async throws {
        let d = try await TestDaemon.start(manifests: { !$0.contains("agent") }, extraManifests: ["crashy.json": Self.crashingAgent(300)])
        try await d.eventually("restarted twice") {
            (try await d.get("/v1/processes/crashy-agent").json["restarts"]?.intValue ?? 0) >= 2
        }
        let p = try await d.get("/v1/processes/crashy-agent").json
        #expect(p["last_exit"]?["reason"] == "exited with code 3")
        #expect(p["last_exit"]?["status"]?["code"] == 3)
        let exits = try await d.history("type=process.exited")
        #expect(exits.count >= 2)
        #expect(exits.first?["data"]?["name"] == "crashy-agent")
        #expect(exits.first?["data"]?["code"] == 3)
    }

    @Test func anAgentTheSupervisorGaveUpOnIsReportedFailed() async throws {
        let manifest = """
            {"manifest_version": 1, "id": "doomed-agent", "name": "Doomed", "version": "1.0.0", "kind": "agent",
             "capabilities": ["test.*"],
             "process": {"command": "lt-test-child", "args": ["exit-on-init", "9"], "backoff": {"initial_ms": 10, "max_ms": 20},
                         "intensity": {"max_restarts": 2, "within_seconds": 60}}}
            """
        let d = try await TestDaemon.start(manifests: { !$0.contains("agent") }, extraManifests: ["doomed.json": manifest])
        try await d.eventually("failed") { try await d.get("/v1/processes/doomed-agent").json["state"] == "failed" }
        let plugin = (try await d.get("/v1/plugins").json["plugins"]?.arrayValue ?? []).first { $0["id"] == "doomed-agent" }
        #expect(plugin?["state"] == "failed")
        #expect(plugin?["error"]?.stringValue?.hasPrefix("process failed: exited with code 9") == true)
        #expect(try await d.get("/health").json["status"] == "degraded")
        #expect(try await d.history("type=process.failed").first?["data"]?["name"] == "doomed-agent")
    }

    @Test func noChildOutlivesAKill9OfTheDaemon() async throws {
        let d = try await TestDaemon.start(agents: true)
        try await d.eventually("agents ready") {
            let ps = try await d.get("/v1/processes").json["processes"]?.arrayValue ?? []
            return ps.filter { $0["state"] == "ready" }.count == 2
        }
        let pids = (try await d.get("/v1/processes").json["processes"]?.arrayValue ?? []).compactMap { $0["pid"]?.intValue }.map { Int32($0) }
        #expect(pids.count == 2)
        #expect(pids.allSatisfy { kill($0, 0) == 0 })
        try await d.kill9()
        try await d.eventually("children gone") { pids.allSatisfy { kill($0, 0) != 0 || Self.isZombie($0) } }
    }

    static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(close, offsetBy: 2)] == "Z"
    }
}

/// Events an agent emits through the host (not as its result) keep their place in the chain,
/// and clients cannot forge the host's `lt.*` metadata.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct EmitChainTests {
    static let emitter = """
        {"manifest_version": 1, "id": "emitter-agent", "name": "Emitter", "version": "1.0.0", "kind": "agent",
         "capabilities": ["test.emit"], "process": {"command": "lt-test-child", "args": ["well"]}}
        """

    @Test func eventsEmittedWhileHandlingAreOneHopDeeperAndCorrelated() async throws {
        let d = try await TestDaemon.start(manifests: { !$0.contains("agent") }, extraManifests: ["emitter.json": Self.emitter])
        try await d.eventually("ready") { try await d.get("/v1/processes/emitter-agent").json["state"] == "ready" }
        let id = try await d.publish(["type": "test.emit", "data": ["n": 1], "metadata": ["lt.hops": 99, "lt.emitted_by": "forged", "mine": "kept"]])
        let input = try await d.history("event_id=\(id)").first
        #expect(input?["metadata"]?["lt.hops"] == nil)
        #expect(input?["metadata"]?["lt.emitted_by"] == nil)
        #expect(input?["metadata"]?["mine"] == "kept")
        try await d.eventually("emitted") { try await d.history("type=test.emitted").count == 1 }
        let emitted = try await d.history("type=test.emitted").first
        #expect(emitted?["correlation_id"]?.stringValue == id)
        #expect(emitted?["metadata"]?["lt.hops"] == 1)
        #expect(emitted?["metadata"]?["lt.emitted_by"] == "emitter-agent")
    }
}
