import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LightningProtocol
import LightningTestSupport
import Testing

/// `lightning providers swap` follows a swap until it ends, however long it takes, and Ctrl-C
/// leaves the swap running in the daemon. The old provider is Cosmos DB's loopback fake made
/// slow on demand (`POST /_fake/latency`), so a copy takes seconds, not a fixed sleep.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct SwapFollowTests {
    /// The emulator's published key, as the fake expects by default.
    static let cosmosKey = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="

    @Test func ctrlCLeavesTheSwapRunningAndSaysHowToWatchIt() async throws {
        let cosmos = try await FakeServer(script: "cosmos_fake.py")
        let d = try await TestDaemon.start(config: ["providers": ["storage": ["plugin": "cosmos-storage", "config": [
            "endpoint": .string(cosmos.baseURL), "key": .string(Self.cosmosKey)]]]], manifests: { $0 != "c-example-driver.json" })
        #expect(try await d.put("/v1/storage/containers/ledger", [:]).status == 201)
        for i in 0..<4 {
            #expect(try await d.post("/v1/storage/containers/ledger/documents", ["id": .string("doc\(i)"), "data": ["n": .int(i)]]).status == 201)
        }
        // Long enough that the swap is still copying when Ctrl-C comes, even on a stalled machine.
        try await Self.setLatency(cosmos, ms: 4000)
        let cfg = d.root.appendingPathComponent("sqlite.json")
        try Data(#"{"path": "followed.sqlite"}"#.utf8).write(to: cfg)
        let cli = try TestProcess(BuildProducts.lightning, ["providers", "swap", "storage", "sqlite-storage", "--config", cfg.path,
                                                             "--copy", "--probation-ms", "100"], environment: d.cliEnvironment)
        // The daemon has taken the swap (every Cosmos call now takes 4 s, so it is still copying).
        try await d.eventually("swap started", timeout: .seconds(30)) { try await d.history("type=provider.swap.started").count == 1 }
        try await d.eventually("the CLI says it follows") { cli.stderr.contains("swap of storage under way (from cosmos-storage@") }
        #expect(try await d.history("type=provider.swapped").isEmpty)
        cli.signal(SIGINT)
        #expect(try await cli.wait() == 130)
        #expect(cli.stdout.isEmpty)
        #expect(cli.stderr.contains("interrupted: the storage swap goes on in the daemon (Ctrl-C stops only this command)."))
        #expect(cli.stderr.contains("Follow it with `lightning events tail --type 'provider.*'`"))
        // The swap ends in the daemon without the client, and loses nothing.
        try await d.eventually("swapped without the client", timeout: .seconds(120)) { try await d.history("type=provider.swapped").count == 1 }
        #expect(try await d.get("/v1/providers").json["providers"]?.arrayValue?.first { $0["kind"] == "storage" }?["plugin"] == "sqlite-storage")
        try await Self.setLatency(cosmos, ms: 0)
        for i in 0..<4 { #expect(try await d.get("/v1/storage/containers/ledger/documents/doc\(i)").json["data"]?["n"] == .int(i)) }
    }

    @Test func theCLIFollowsACopySwapToItsEndAndPrintsItsProgress() async throws {
        let cosmos = try await FakeServer(script: "cosmos_fake.py")
        let d = try await TestDaemon.start(manifests: { $0 != "c-example-driver.json" })
        #expect(try await d.put("/v1/storage/containers/ledger", [:]).status == 201)
        for i in 0..<3 {
            #expect(try await d.post("/v1/storage/containers/ledger/documents", ["id": .string("doc\(i)"), "data": ["n": .int(i)]]).status == 201)
        }
        try await Self.setLatency(cosmos, ms: 300)
        let cfg = d.root.appendingPathComponent("cosmos.json")
        try Wire.encode(["endpoint": .string(cosmos.baseURL), "key": .string(Self.cosmosKey)] as JSONValue).write(to: cfg)
        let (code, out, err) = try await d.cli(["providers", "swap", "storage", "cosmos-storage", "--config", cfg.path, "--copy", "--probation-ms", "100"])
        #expect(code == 0, "\(err)")
        let lines = out.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("swapped storage: sqlite-storage@1.0.0 → cosmos-storage@") == true)
        #expect(lines.dropFirst().first?.hasPrefix("copied 3 documents in 1 containers (verified true; writes held ") == true)
        // On stderr, in order: the swap under way, then the copy of the one container.
        let progress = err.split(separator: "\n").map(String.init)
        #expect(progress == ["swap of storage under way (from sqlite-storage@1.0.0); Ctrl-C stops waiting, not the swap",
                             "copying ledger (1/1): 3 documents, done; 3 in all so far"])
    }

    static func setLatency(_ fake: FakeServer, ms: Int) async throws {
        var request = URLRequest(url: URL(string: fake.baseURL + "/_fake/latency")!)
        request.httpMethod = "POST"
        request.httpBody = Data(#"{"ms": \#(ms)}"#.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
    }
}
