import Foundation
import LightningTestSupport
import LightningProtocol
import Testing

/// Storage over HTTP, bad requests, broken manifests, the CLI.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct DaemonAPITests {
    @Test func storageDocumentsOverHTTPWithETags() async throws {
        let d = try await TestDaemon.start()
        let base = "/v1/storage/containers/people"
        #expect(try await d.put(base, [:]).status == 201)
        #expect(try await d.put(base, [:]).status == 200)
        let created = try await d.post("\(base)/documents", ["id": "ada", "partition_key": "uk", "data": ["name": "Ada", "address": ["city": "London"]]])
        #expect(created.status == 201)
        #expect(created.headers["x-lightning-provider"] == "sqlite-storage@1.0.0")
        let etag = try #require(created.headers["etag"])
        #expect(try await d.post("\(base)/documents", ["id": "ada", "partition_key": "uk", "data": [:]]).status == 409)
        let read = try await d.get("\(base)/documents/ada?partition_key=uk")
        #expect(read.json["data"]?["address"]?["city"] == "London")
        let stale = try await d.put("\(base)/documents/ada?partition_key=uk", ["data": ["name": "X"]], headers: ["If-Match": "\"stale\""])
        #expect(stale.status == 412)
        #expect(stale.json["error"]?["code"] == "precondition_failed")
        let replaced = try await d.put("\(base)/documents/ada?partition_key=uk", ["data": ["name": "Ada L."]], headers: ["If-Match": etag])
        #expect(replaced.status == 200)
        #expect(replaced.headers["etag"] != etag)
        let q = try await d.post("\(base)/query", ["where": ["name": "Ada L."]])
        #expect(q.json["documents"]?.arrayValue?.count == 1)
        // ?where= form-encoded as most clients send it (`+` for a space, %2B for a plus), and percent-encoded.
        let formEncoded = try await d.get("\(base)/documents?where=%7B%22name%22%3A+%22Ada+L.%22%7D")
        #expect(formEncoded.status == 200)
        #expect(formEncoded.json["documents"]?.arrayValue?.map { $0["id"] } == ["ada"])
        let percentEncoded = try await d.get("\(base)/documents?where=%7B%22name%22%3A%20%22Ada%20L.%22%7D")
        #expect(percentEncoded.json["documents"]?.arrayValue?.count == 1)
        let plus = try await d.get("\(base)/documents?where=%7B%22name%22%3A%22Ada%2BL.%22%7D")
        #expect(plus.status == 200 && plus.json["documents"]?.arrayValue?.count == 0)
        let notJSON = try await d.get("\(base)/documents?where=%7Bname")
        #expect(notJSON.status == 400)
        #expect(notJSON.json["error"]?["message"]?.stringValue?.hasPrefix("query parameter \"where\": not valid JSON") == true)
        #expect(try await d.get("\(base)/documents/nobody").status == 404)
        #expect(try await d.request("DELETE", "\(base)/documents/ada?partition_key=uk").status == 204)
        #expect(try await d.get("\(base)/documents/ada?partition_key=uk").status == 404)
        #expect(try await d.get("/v1/storage/containers/missing/documents/x").status == 404)
    }

    @Test func badRequestsGetClearErrorsAndTheDaemonKeepsServing() async throws {
        let d = try await TestDaemon.start()
        let malformed = try await d.request("POST", "/v1/events", body: Data("{\"type\": ".utf8))
        #expect(malformed.status == 400)
        #expect(malformed.json["error"]?["code"] == "invalid_argument")
        #expect(malformed.json["error"]?["message"]?.stringValue?.hasPrefix("request body: not valid JSON") == true)
        let noType = try await d.post("/v1/events", ["data": [:]])
        #expect(noType.status == 400)
        #expect(noType.json["error"]?["message"] == "event: field \"type\": required but missing")
        let badType = try await d.post("/v1/events", ["type": "has spaces"])
        #expect(badType.status == 400)
        #expect(badType.json["error"]?["message"]?.stringValue?.contains("field \"type\"") == true)
        let badLimit = try await d.get("/v1/events?limit=lots")
        #expect(badLimit.status == 400)
        #expect(badLimit.json["error"]?["message"] == "query parameter \"limit\": expected an integer from 1 to 10000, got \"lots\"")
        let unknown = try await d.get("/v2/nothing")
        #expect(unknown.status == 404)
        #expect(unknown.json["error"]?["code"] == "not_found")
        #expect(unknown.json["error"]?["message"] == "no route GET /v2/nothing (see GET / or /openapi.json)")
        // A known path with a method it does not serve: 405, naming what it does serve.
        let wrongMethod = try await d.request("DELETE", "/v1/functions/wordcount/invoke")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.headers["allow"] == "POST")
        #expect(wrongMethod.json["error"]?["message"] == "method DELETE not allowed on /v1/functions/wordcount/invoke; allowed: POST")
        let onHealth = try await d.post("/health", [:])
        #expect(onHealth.status == 405 && onHealth.headers["allow"] == "GET, HEAD")
        #expect(try await d.get("/health").status == 200)
    }

    @Test func brokenManifestsAreReportedAndTheRestLoads() async throws {
        let broken = #"{"manifest_version": 1, "id": "broken", "name": "B", "version": "one", "kind": "driver"}"#
        let missingLib = """
            {"manifest_version": 1, "id": "ghost-driver", "name": "G", "version": "1.0.0", "kind": "driver",
             "library": {"path": "libGhost.so", "sha256": "\(String(repeating: "0", count: 64))"}, "abi_version": 1,
             "capabilities": ["ghost.*"]}
            """
        let lostAgent = """
            {"manifest_version": 1, "id": "lost-agent", "name": "L", "version": "1.0.0", "kind": "agent",
             "capabilities": ["lost.*"], "process": {"command": "no-such-agent-program"}}
            """
        let d = try await TestDaemon.start(extraManifests: ["broken.json": broken, "ghost.json": missingLib, "lost.json": lostAgent])
        let plugins = try await d.get("/v1/plugins").json["plugins"]?.arrayValue ?? []
        let ghost = plugins.first { $0["id"] == "ghost-driver" }
        #expect(ghost?["state"] == "failed")
        #expect(ghost?["error"]?.stringValue?.contains("libGhost.so not found") == true)
        let brokenStatus = plugins.first { $0["manifest"]?.stringValue?.hasSuffix("broken.json") == true }
        #expect(brokenStatus?["state"] == "failed")
        #expect(brokenStatus?["error"]?.stringValue?.contains("field \"version\": expected a semantic version like 1.2.3, got \"one\"") == true)
        #expect(plugins.first { $0["id"] == "echo-driver" }?["state"] == "loaded")
        #expect(try await d.get("/health").json["status"] == "degraded")

        // The same verdicts offline.
        let verify = try TestProcess(BuildProducts.lightning, ["plugins", "verify", "--manifests", d.manifestsDir.path,
                                                               "--plugin-dir", BuildProducts.directory.path])
        #expect(try await verify.wait() == 1)
        #expect(verify.stdout.contains("ok      echo-driver 1.0.0"))
        #expect(verify.stdout.contains("refused") && verify.stdout.contains("libGhost.so not found"))
        #expect(verify.stdout.contains("broken.json: field \"version\""))
        // An agent is checked too: its program must exist where the supervisor will look.
        #expect(verify.stdout.contains(#"lost.json: field "process.command": "no-such-agent-program" not found in "#))
        #expect(!verify.stdout.contains("ok      lost-agent"))
    }

    @Test func cliPublishesAndInspects() async throws {
        let d = try await TestDaemon.start()
        let (code, out, _) = try await d.cli(["events", "publish", "echo.request", "--data", #"{"x": 1}"#])
        #expect(code == 0)
        let id = try #require(out.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        #expect(out.hasPrefix("accepted "))
        try await d.eventually("reply") { try await d.history("correlation_id=\(id)&type=echo.reply").count == 1 }
        let (c2, plugins, _) = try await d.cli(["plugins"])
        #expect(c2 == 0)
        #expect(plugins.hasPrefix("ID "))
        #expect(plugins.contains("echo-driver") && plugins.contains("loaded"))
        let (c3, _, err) = try await d.cli(["events", "publish", "echo.request", "--data", "{oops"])
        #expect(c3 == 64)
        #expect(err.contains("--data: expected JSON"))
        let (c4, health, _) = try await d.cli(["health"])
        #expect(c4 == 0)
        #expect(health.hasPrefix("status healthy"))
        try await d.stop()
        let (c5, down, _) = try await d.cli(["health"])
        #expect(c5 == 1)
        #expect(down.contains("cannot reach the daemon"))
    }
}
