import Foundation
import LightningProtocol
import LightningTestSupport
import Testing

/// Provider hot swap in the real daemon: make-before-break, refusals that leave the old provider
/// serving, storage copy, and an event-bus swap under load that loses nothing.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct HotSwapTests {
    @Test func storageSwapCopiesAndTheNewProviderAnswers() async throws {
        let d = try await TestDaemon.start()
        #expect(try await d.put("/v1/storage/containers/people", [:]).status == 201)
        for i in 0..<25 {
            #expect(try await d.post("/v1/storage/containers/people/documents", ["id": .string("p\(i)"), "data": ["n": .int(i)]]).status == 201)
        }
        let before = try await d.get("/v1/providers").json["providers"]?.arrayValue?.first { $0["kind"] == "storage" }?["bound_at"]
        let r = try await d.put("/v1/providers/storage", ["plugin": "sqlite-storage", "config": ["path": "swapped.sqlite"], "copy": true, "probation_ms": 200])
        #expect(r.status == 200)
        #expect(r.json["copied"]?["documents"] == 25)
        #expect(r.json["copied"]?["verified"] == true)
        #expect(r.json["to"] == "sqlite-storage@1.0.0")
        let after = try await d.get("/v1/providers").json["providers"]?.arrayValue?.first { $0["kind"] == "storage" }?["bound_at"]
        #expect(after != before)
        let doc = try await d.get("/v1/storage/containers/people/documents/p7")
        #expect(doc.status == 200)
        #expect(doc.json["data"]?["n"] == 7)
        #expect(FileManager.default.fileExists(atPath: d.dataDir.appendingPathComponent("swapped.sqlite").path))
        try await d.eventually("swap event") { try await d.history("type=provider.swapped").count == 1 }
        // The copy reported its progress: one page of the one container, done.
        let progress = try await d.history("type=provider.copy.progress")
        #expect(progress.count == 1)
        #expect(progress.first?["data"]?["container"] == "people" && progress.first?["data"]?["documents"] == 25
                && progress.first?["data"]?["container_done"] == true)
    }

    @Test func aSwapThatCannotWorkLeavesTheOldProviderServing() async throws {
        let d = try await TestDaemon.start()
        #expect(try await d.put("/v1/storage/containers/keep", [:]).status == 201)
        let badConfig = try await d.put("/v1/providers/storage", ["plugin": "sqlite-storage", "config": ["synchronous": "sometimes"]])
        #expect(badConfig.status == 400)
        #expect(badConfig.json["error"]?["message"]?.stringValue?.hasPrefix("swap refused, sqlite-storage keeps serving") == true)
        let unknown = try await d.put("/v1/providers/storage", ["plugin": "mongo-storage"])
        #expect(unknown.status == 404)
        #expect(unknown.json["error"]?["message"] == "no storage provider \"mongo-storage\"; known: cosmos-storage, postgres-storage, sqlite-storage")
        let wrongKind = try await d.put("/v1/providers/storage", ["plugin": "local-eventbus"])
        #expect(wrongKind.status == 400)
        let badKind = try await d.put("/v1/providers/queue", ["plugin": "x"])
        #expect(badKind.status == 400)
        // The same plugin with the same config would open the same file twice: 409.
        for kind in ["storage", "eventbus"] {
            let plugin = kind == "storage" ? "sqlite-storage" : "local-eventbus"
            let same = try await d.put("/v1/providers/\(kind)", ["plugin": .string(plugin), "copy": .bool(kind == "storage")])
            #expect(same.status == 409, "\(same.text)")
            #expect(same.json["error"]?["message"]?.stringValue?.contains("already serves \(kind) with this configuration") == true, "\(same.text)")
        }
        #expect(try await d.get("/v1/storage/containers/keep").status == 200)
    }

    @Test func anEventBusSwapUnderLoadLosesNothing() async throws {
        let d = try await TestDaemon.start(config: ["router": ["concurrency": 4]], manifests: { $0 != "c-example-driver.json" })
        let tail = try TestProcess(BuildProducts.lightning, ["events", "tail", "--type", "echo.reply", "--json"], environment: d.cliEnvironment)
        try await d.eventually("tail connected") { try await d.get("/metrics").text.contains("lightning_event_stream_watchers 1") }
        let n = 300
        let publisher = Task { () -> [String] in
            var ids: [String] = []
            for i in 0..<n { ids.append(try await d.publish(["type": "echo.slow", "data": ["ms": 5, "i": .int(i)]])) }
            return ids
        }
        try await Task.sleep(for: .milliseconds(300))
        let swap = try await d.put("/v1/providers/eventbus", ["plugin": "local-eventbus", "config": ["path": "bus-2.sqlite"], "probation_ms": 500])
        #expect(swap.status == 200)
        #expect((swap.json["subscriptions"]?.intValue ?? 0) >= 1)
        let ids = try await publisher.value
        #expect(ids.count == n)
        try await d.eventually("every request answered", timeout: .seconds(90)) {
            let answered = Set(tail.stdout.split(separator: "\n").compactMap {
                (try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)))?["correlation_id"]?.stringValue
            })
            return ids.allSatisfy(answered.contains)
        }
        tail.signal(SIGTERM)
        _ = try? await tail.wait()
        #expect(try await d.get("/v1/providers").json["providers"]?.arrayValue?.first { $0["kind"] == "eventbus" }?["health"]?["status"] == "healthy")
    }

    @Test func twoConcurrentCopySwapsRunOneAfterTheOtherAndLoseNoWrite() async throws {
        let d = try await TestDaemon.start()
        #expect(try await d.put("/v1/storage/containers/docs", [:]).status == 201)
        for i in 0..<200 {
            #expect(try await d.post("/v1/storage/containers/docs/documents", ["id": .string("seed\(i)"), "data": [:]]).status == 201)
        }
        // A writer keeps writing while two copy swaps are asked for at once.
        let writer = Task { () -> [String] in
            var acknowledged: [String] = []
            for i in 0..<150 {
                let id = "w\(i)"
                if try await d.post("/v1/storage/containers/docs/documents", ["id": .string(id), "data": [:]]).status == 201 { acknowledged.append(id) }
            }
            return acknowledged
        }
        async let first = d.put("/v1/providers/storage", ["plugin": "sqlite-storage", "config": ["path": "one.sqlite"], "copy": true, "probation_ms": 100])
        async let second = d.put("/v1/providers/storage", ["plugin": "sqlite-storage", "config": ["path": "two.sqlite"], "copy": true, "probation_ms": 100])
        let (r1, r2) = try await (first, second)
        #expect(r1.status == 200 && r2.status == 200)
        let acknowledged = try await writer.value
        // Every acknowledged write, made before, between or after the swaps, is in the provider that serves now.
        for id in acknowledged + (0..<200).map({ "seed\($0)" }) {
            #expect(try await d.get("/v1/storage/containers/docs/documents/\(id)").status == 200, "document \(id) lost")
        }
        #expect(try await d.history("type=provider.swapped").count == 2)
    }

    @Test func theCLISwapsAndReports() async throws {
        let d = try await TestDaemon.start()
        let cfg = d.root.appendingPathComponent("storage2.json")
        try Data(#"{"path": "cli.sqlite"}"#.utf8).write(to: cfg)
        let (code, out, _) = try await d.cli(["providers", "swap", "storage", "sqlite-storage", "--config", cfg.path, "--probation-ms", "100"])
        #expect(code == 0)
        #expect(out.hasPrefix("swapped storage: sqlite-storage@1.0.0 → sqlite-storage@1.0.0 in "))
        let (c2, bad, err) = try await d.cli(["providers", "swap", "storage", "nope-storage"])
        #expect(c2 == 1)
        _ = bad
        #expect(err.contains("no storage provider \"nope-storage\""))
        let (c3, list, _) = try await d.cli(["providers"])
        #expect(c3 == 0 && list.hasPrefix("KIND"))
    }
}

/// SIGHUP reloads the config file and swaps what changed.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct ConfigReloadTests {
    @Test func sighupSwapsAProviderWhoseConfigChanged() async throws {
        let d = try await TestDaemon.start(config: ["providers": ["storage": ["plugin": "sqlite-storage", "config": ["path": "first.sqlite"]]]])
        #expect(try await d.put("/v1/storage/containers/before", [:]).status == 201)
        let configFile = try #require(d.configFile)
        let second: JSONValue = ["providers": ["storage": ["plugin": "sqlite-storage", "config": ["path": "second.sqlite"]]]]
        try Wire.encode(second).write(to: configFile)
        d.process.signal(SIGHUP)
        try await d.eventually("swapped") { try await d.history("type=provider.swapped").count == 1 }
        // The new database is a different one: the container made before is not there.
        #expect(try await d.get("/v1/storage/containers/before").status == 404)
        #expect(FileManager.default.fileExists(atPath: d.dataDir.appendingPathComponent("second.sqlite").path))
        // A config that does not parse changes nothing and the daemon keeps serving.
        try Data("{not json".utf8).write(to: configFile)
        d.process.signal(SIGHUP)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await d.get("/health").status == 200)
        #expect(try await d.history("type=provider.swapped").count == 1)
    }
}
