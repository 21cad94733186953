import Foundation
import HostCore
import LightningProtocol
import LightningTestSupport
import Testing

/// The daemon with `providers.containers` = `aci-containers` against `arm_fake.py`, over `/v1/containers`.
@Suite struct ACIContainersDaemonTests {
    @Test func daemonRunsContainersThroughTheACIPlugin() async throws {
        let secret = "cs~" + UUID().uuidString
        let arm = try await FakeServer(script: "arm_fake.py", args: ["--client-secret", secret])
        let daemon = try await AzureProvidersDaemon(providers: ["containers": ["plugin": "aci-containers", "config": [
            "subscription_id": "00000000-1111-2222-3333-444444444444", "resource_group": "lightning-tests", "location": "westeurope",
            "tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555", "client_secret": .string(secret),
            "authority_url": .string(arm.baseURL), "management_url": .string(arm.baseURL), "poll_interval_ms": 20,
        ]]])
        let created = try await daemon.request("POST", "/v1/containers", ["name": "hello", "image": "busybox", "command": ["sh", "-c", "echo hi; exit 0"]])
        #expect(created.status == 201, "\(created.text)")
        #expect(created.json["state"] == "running")
        let exit = try await daemon.request("POST", "/v1/containers/hello/wait?timeout_seconds=30")
        #expect(exit.json == ["name": "hello", "exit_code": 0, "state": "succeeded"], "\(exit.text)")
        let logs = try await daemon.request("GET", "/v1/containers/hello/logs")
        #expect(logs.json == ["name": "hello", "stdout": "hi\n", "stderr": ""])
        let deleted = try await daemon.request("DELETE", "/v1/containers/hello")
        #expect(deleted.status == 204, "\(deleted.text)")
        let gone = try await daemon.request("GET", "/v1/containers/hello")
        #expect(gone.status == 404)
        let config = try await daemon.request("GET", "/v1/config")
        #expect(!config.text.contains(secret), "GET /v1/config shows the client secret")
        let providers = try await daemon.request("GET", "/v1/providers")
        #expect(providers.text.contains("aci-containers"))
        #expect(!providers.text.contains(secret))
        #expect(!daemon.process.stderr.contains(secret) && !daemon.process.stdout.contains(secret))
    }
}
