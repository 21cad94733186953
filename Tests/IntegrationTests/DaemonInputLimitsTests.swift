import Foundation
import LightningTestSupport
import LightningProtocol
import Testing

/// Issue 17, item 6 with the real daemon: JSON shape limits on request bodies and per-token rate
/// limits, each answered with a clear 4xx while the daemon keeps serving.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DaemonInputLimitsTests {
    static let minimal: @Sendable (String) -> Bool = { ["sqlite-storage.json", "local-eventbus.json", "echo-driver.json"].contains($0) }

    @Test func jsonShapeLimitsAnswer4xxAndTheDaemonKeepsServing() async throws {
        let d = try await TestDaemon.start(config: ["http": ["max_json_depth": 16, "max_json_elements": 1000]], manifests: Self.minimal)
        // 17 levels: 400 naming the setting.
        let deep = #"{"type": "t.deep", "data": "# + String(repeating: "[", count: 16) + String(repeating: "]", count: 16) + "}"
        let r1 = try await d.request("POST", "/v1/events", body: Data(deep.utf8))
        #expect(r1.status == 400, "\(r1.text)")
        #expect(r1.json["error"]?["code"] == "invalid_argument")
        #expect(r1.json["error"]?["message"]?.stringValue?.contains("nested deeper than 16 levels") == true, "\(r1.text)")
        #expect(r1.json["error"]?["message"]?.stringValue?.contains("http.max_json_depth") == true)
        // A million brackets (under the body limit) do not reach the decoder's recursion.
        let bomb = String(repeating: "[", count: 1_000_000)
        #expect(try await d.request("POST", "/v1/events", body: Data(bomb.utf8)).status == 400)
        // A 2 MiB string: 413 with the default string limit (1 MiB).
        let long = #"{"type": "t.long", "data": {"s": ""# + String(repeating: "x", count: 2 << 20) + #""}}"#
        let r2 = try await d.request("POST", "/v1/events", body: Data(long.utf8))
        #expect(r2.status == 413, "\(r2.text.prefix(300))")
        #expect(r2.json["error"]?["message"]?.stringValue?.contains("http.max_json_string_bytes") == true)
        // 1001 members: 413.
        let wide = #"{"type": "t.wide", "data": ["# + (0...1000).map(String.init).joined(separator: ",") + "]}"
        let r3 = try await d.request("POST", "/v1/events", body: Data(wide.utf8))
        #expect(r3.status == 413, "\(r3.text)")
        #expect(r3.json["error"]?["message"]?.stringValue?.contains("more than 1000 members") == true, "\(r3.text)")
        // Within the limits: accepted; the daemon is unharmed.
        let fine = #"{"type": "t.fine", "data": ["# + (0..<1000).map(String.init).joined(separator: ",") + "]}"
        #expect(try await d.request("POST", "/v1/events", body: Data(fine.utf8)).status == 202)
        #expect(try await d.get("/health").status == 200)
        let config = try await d.get("/v1/config")
        #expect(config.json["http"]?["max_json_depth"] == 16 && config.json["http"]?["max_json_string_bytes"] == .int(1 << 20), "\(config.text)")
        try await d.stop()
    }

    @Test func aTokenPastItsRateGets429WithRetryAfter() async throws {
        let d = try await TestDaemon.start(manifests: Self.minimal)
        let (code, out, err) = try await d.cli(["tokens", "create", "--scope", "read", "--rate-limit", "1", "--burst", "2"])
        #expect(code == 0, "\(err)")
        let secret = out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await d.request("GET", "/v1/plugins", token: secret).status == 200)
        #expect(try await d.request("GET", "/v1/plugins", token: secret).status == 200)
        let limited = try await d.request("GET", "/v1/plugins", token: secret)
        #expect(limited.status == 429, "\(limited.text)")
        #expect(limited.json["error"]?["code"] == "throttled")
        #expect(limited.json["error"]?["message"]?.stringValue?.contains("is limited to 1 requests/s (burst 2)") == true, "\(limited.text)")
        #expect(limited.headers["retry-after"] == "1")
        // Other callers are not affected; open routes need no token and are not limited.
        #expect(try await d.get("/v1/plugins").status == 200)
        #expect(try await d.request("GET", "/health", token: secret).status == 200)
        // After the wait it may go again.
        try await Task.sleep(for: .milliseconds(1100))
        #expect(try await d.request("GET", "/v1/plugins", token: secret).status == 200)
        // The limit is shown by the API and the CLI refuses nonsense before sending.
        let tokens = try await d.get("/v1/tokens")
        #expect(tokens.json["tokens"]?.arrayValue?.contains { $0["rate_limit"]?["per_second"] == 1 && $0["rate_limit"]?["burst"] == 2 } == true, "\(tokens.text)")
        let (bc, _, berr) = try await d.cli(["tokens", "create", "--burst", "3"])
        #expect(bc == 64 && berr.contains("--burst needs --rate-limit"), "\(berr)")
        let bad = try await d.post("/v1/tokens", ["scopes": ["read"], "rate_limit": ["per_second": 0]])
        #expect(bad.status == 400 && bad.json["error"]?["message"]?.stringValue?.contains("rate_limit.per_second") == true, "\(bad.text)")
        try await d.stop()
    }
}
