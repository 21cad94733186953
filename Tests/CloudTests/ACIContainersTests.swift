import Foundation
import HostCore
import LightningProtocol
import LightningTestSupport
import Testing

/// The `aci-containers` plugin (libLightningACIContainers.so, through the loader and the C ABI)
/// against `Tests/Fakes/arm_fake.py`: Azure AD, IMDS, App Service identity and the ARM
/// container-group API on loopback, each checking requests as the service does.
@Suite struct ACIContainersTests {
    static let subscription = "00000000-1111-2222-3333-444444444444"
    static let tenant = "contoso.onmicrosoft.com"
    static let clientId = "11111111-2222-3333-4444-555555555555"
    static let identityHeader = "idh-" + UUID().uuidString

    let secret = "cs~" + UUID().uuidString
    let arm: FakeServer

    init() async throws {
        arm = try await FakeServer(script: "arm_fake.py", args: [
            "--client-secret", secret, "--tenant", Self.tenant, "--client-id", Self.clientId,
            "--subscription", Self.subscription, "--resource-group", "lightning-tests",
            "--identity-header", Self.identityHeader, "--page-size", "2",
        ])
    }

    /// Client credentials against the fake (extra: fields to add; null removes one).
    func open(_ extra: [String: JSONValue] = [:]) throws -> AzureRESTPluginHarness {
        var config: [String: JSONValue] = [
            "subscription_id": .string(Self.subscription), "resource_group": "lightning-tests", "location": "westeurope",
            "tenant_id": .string(Self.tenant), "client_id": .string(Self.clientId), "client_secret": .string(secret),
            "authority_url": .string(arm.baseURL), "management_url": .string(arm.baseURL), "poll_interval_ms": 20,
        ]
        for (k, v) in extra { if v == .null { config.removeValue(forKey: k) } else { config[k] = v } }
        return try AzureRESTPluginHarness.open(manifest: "aci-containers.json", product: "LightningACIContainers", config: config)
    }

    func create(_ p: AzureRESTPluginHarness, _ spec: ContainerSpec) async throws -> ContainerInfo {
        try await p.call(Method.containersCreate, spec, as: ContainerInfo.self)
    }

    func stats() async throws -> JSONValue { try await AzureRESTPluginHarness.fakeGet(arm, "/_fake/stats") }

    @Test func createRunsThenSucceedsWithItsExitCodeAndLogs() async throws {
        let p = try open()
        defer { Task { await p.close() } }
        let spec = ContainerSpec(name: "job-ok", image: "mcr.microsoft.com/azurelinux/busybox:1.36",
                                 command: ["/bin/sh", "-c", "echo hello; echo world; exit 0"])
        let created = try await create(p, spec)
        #expect(created.state == .running)
        #expect(created.name == "job-ok")
        #expect(created.image == spec.image)
        #expect(created.runtimeId == "/subscriptions/\(Self.subscription)/resourceGroups/lightning-tests/providers/Microsoft.ContainerInstance/containerGroups/job-ok")
        #expect(created.createdAt != nil && created.startedAt != nil)
        let exit = try await p.call(Method.containersWait, ContainerRef(name: "job-ok", timeoutSeconds: 30), as: ContainerExit.self)
        #expect(exit == ContainerExit(name: "job-ok", exitCode: 0, state: .succeeded))
        let logs = try await p.call(Method.containersLogs, ContainerRef(name: "job-ok"), as: ContainerLogs.self)
        #expect(logs == ContainerLogs(name: "job-ok", stdout: "hello\nworld\n", stderr: ""))
        let tail = try await p.call(Method.containersLogs, ContainerRef(name: "job-ok", tail: 1), as: ContainerLogs.self)
        #expect(tail.stdout == "world\n")
        let info = try await p.call(Method.containersGet, ContainerRef(name: "job-ok"), as: ContainerInfo.self)
        #expect(info.state == .succeeded && info.exitCode == 0 && info.finishedAt != nil)
        #expect(arm.log.contains("PUT /subscriptions/\(Self.subscription)/resourceGroups/lightning-tests/providers/Microsoft.ContainerInstance/containerGroups/job-ok"))
    }

    @Test func failingCommandEndsFailedWithItsExitCode() async throws {
        let p = try open()
        defer { Task { await p.close() } }
        _ = try await create(p, ContainerSpec(name: "job-bad", image: "busybox", command: ["/bin/sh", "-c", "echo oops; exit 3"]))
        let exit = try await p.call(Method.containersWait, ContainerRef(name: "job-bad", timeoutSeconds: 30), as: ContainerExit.self)
        #expect(exit.state == .failed && exit.exitCode == 3)
        let info = try await p.call(Method.containersGet, ContainerRef(name: "job-bad"), as: ContainerInfo.self)
        #expect(info.state == .failed && info.exitCode == 3)
        #expect(info.detail?.contains("Error") == true)
    }

    @Test func createMapsTheSpecOntoAContainerGroup() async throws {
        let p = try open()
        defer { Task { await p.close() } }
        _ = try await create(p, ContainerSpec(name: "web", image: "nginx:1.27", command: ["nginx", "-g", "daemon off;"],
                                               environment: ["MODE": "test", "A": "1"], labels: ["team": "blue"],
                                               cpu: 0.5, memoryMb: 500, ports: [8080, 80, 80], restartPolicy: "on-failure"))
        let body = try await AzureRESTPluginHarness.fakeGet(arm, "/_fake/groups/web")
        #expect(body["location"] == "westeurope")
        #expect(body["tags"] == ["team": "blue", "lightning-runtime": "aci-containers"])
        let props = try #require(body["properties"])
        #expect(props["osType"] == "Linux")
        #expect(props["restartPolicy"] == "OnFailure")
        #expect(props["ipAddress"] == ["type": "Public", "ports": [["port": 80, "protocol": "TCP"], ["port": 8080, "protocol": "TCP"]]])
        let c = try #require(props["containers"]?.arrayValue?.first)
        #expect(c["name"] == "web")
        #expect(c["properties"]?["image"] == "nginx:1.27")
        #expect(c["properties"]?["command"] == ["nginx", "-g", "daemon off;"])
        #expect(c["properties"]?["resources"] == ["requests": ["cpu": 0.5, "memoryInGB": 0.5]])
        #expect(c["properties"]?["environmentVariables"] == [["name": "A", "value": "1"], ["name": "MODE", "value": "test"]])
        let info = try await p.call(Method.containersGet, ContainerRef(name: "web"), as: ContainerInfo.self)
        #expect(info.labels == ["team": "blue"])

        // secure_environment: the values go as secureValue, which ARM never returns.
        let secure = try open(["secure_environment": true])
        defer { Task { await secure.close() } }
        _ = try await create(secure, ContainerSpec(name: "sec", image: "busybox", command: ["sleep", "infinity"], environment: ["TOKEN": "t0p"]))
        let sent = try await AzureRESTPluginHarness.fakeGet(arm, "/_fake/groups/sec")
        #expect(sent["properties"]?["containers"]?.arrayValue?.first?["properties"]?["environmentVariables"] == [["name": "TOKEN", "secureValue": "t0p"]])
    }

    @Test func createOfAnExistingNameIsConflictAndBadSpecsAreRefused() async throws {
        let p = try open()
        defer { Task { await p.close() } }
        _ = try await create(p, ContainerSpec(name: "dup", image: "busybox", command: ["sleep", "infinity"]))
        let message = await p.expectError(Method.containersCreate, ContainerSpec(name: "dup", image: "busybox"), .conflict)
        #expect(message.contains("\"dup\""))
        await p.expectError(Method.containersCreate, ContainerSpec(name: "Bad_Name", image: "busybox"), .invalidArgument)
        await p.expectError(Method.containersCreate, ContainerSpec(name: "a--b", image: "busybox"), .invalidArgument)
        let policy = await p.expectError(Method.containersCreate, ContainerSpec(name: "x", image: "busybox", restartPolicy: "sometimes"), .invalidArgument)
        #expect(policy.contains("restart_policy"))
        let start = await p.expectError(Method.containersCreate, ContainerSpec(name: "x", image: "busybox", start: false), .unsupported)
        #expect(start.contains("start"))
    }

    @Test func stopStartAndDeleteAGroup() async throws {
        let p = try open()
        defer { Task { await p.close() } }
        let created = try await create(p, ContainerSpec(name: "svc", image: "busybox", command: ["sleep", "infinity"]))
        #expect(created.state == .running)
        let stopped = try await p.call(Method.containersStop, ContainerRef(name: "svc"), as: ContainerInfo.self)
        #expect(stopped.state == .stopped)
        #expect(arm.log.contains("POST /subscriptions/\(Self.subscription)/resourceGroups/lightning-tests/providers/Microsoft.ContainerInstance/containerGroups/svc/stop"))
        let exit = try await p.call(Method.containersWait, ContainerRef(name: "svc", timeoutSeconds: 5), as: ContainerExit.self)
        #expect(exit.state == .stopped)
        let started = try await p.call(Method.containersStart, ContainerRef(name: "svc"), as: ContainerInfo.self)
        #expect(started.state == .running)
        #expect(arm.log.contains("/operations/"))  // the start's Azure-AsyncOperation was followed
        let stillRunning = await p.expectError(Method.containersWait, ContainerRef(name: "svc", timeoutSeconds: 1), .timeout)
        #expect(stillRunning.contains("did not exit within 1 s (state running"), "\(stillRunning)")
        let busy = await p.expectError(Method.containersDelete, ContainerRef(name: "svc"), .conflict)
        #expect(busy.contains("running"))
        let deleted = try await p.call(Method.containersDelete, ContainerRef(name: "svc", force: true), as: DeleteResult.self)
        #expect(deleted.deleted)
        await p.expectError(Method.containersGet, ContainerRef(name: "svc"), .notFound)
        let again = try await p.call(Method.containersDelete, ContainerRef(name: "svc", force: true), as: DeleteResult.self)
        #expect(!again.deleted)
    }

    @Test func missingGroupIsNotFound() async throws {
        let p = try open()
        defer { Task { await p.close() } }
        let message = await p.expectError(Method.containersGet, ContainerRef(name: "ghost"), .notFound)
        #expect(message.contains("ResourceNotFound"))
        await p.expectError(Method.containersLogs, ContainerRef(name: "ghost"), .notFound)
        await p.expectError(Method.containersStop, ContainerRef(name: "ghost"), .notFound)
        await p.expectError(Method.containersStart, ContainerRef(name: "ghost"), .notFound)
        let notThere = try await p.call(Method.containersDelete, ContainerRef(name: "ghost"), as: DeleteResult.self)
        #expect(!notThere.deleted)
        // A resource group that does not exist is an error, not an empty answer.
        let other = try open(["resource_group": "nowhere"])
        defer { Task { await other.close() } }
        let rg = await other.expectError(Method.containersList, ContainerQuery(), .notFound)
        #expect(rg.contains("ResourceGroupNotFound"))
    }

    @Test func listFollowsNextLinkAndFiltersByLabels() async throws {
        let p = try open()
        defer { Task { await p.close() } }
        for (name, team) in [("a1", "a"), ("a2", "a"), ("b1", "b")] {
            _ = try await create(p, ContainerSpec(name: name, image: "busybox", command: ["sleep", "infinity"], labels: ["team": team]))
        }
        let all = try await p.call(Method.containersList, ContainerQuery(), as: ContainerInfoList.self)
        #expect(all.containers.map(\.name) == ["a1", "a2", "b1"])  // three groups, pages of two
        #expect(all.containers.allSatisfy { $0.state == .running })
        let a = try await p.call(Method.containersList, ContainerQuery(labels: ["team": "a"]), as: ContainerInfoList.self)
        #expect(a.containers.map(\.name) == ["a1", "a2"])
        let none = try await p.call(Method.containersList, ContainerQuery(labels: ["team": "c"]), as: ContainerInfoList.self)
        #expect(none.containers.isEmpty)
    }

    @Test func throttledRequestsWaitForRetryAfterThenReportThrottled() async throws {
        let p = try open(["max_throttle_retries": 2])
        defer { Task { await p.close() } }
        _ = try await create(p, ContainerSpec(name: "t", image: "busybox", command: ["sleep", "infinity"]))
        _ = try await AzureRESTPluginHarness.fakePost(arm, "/_fake/throttle", ["target": "arm", "count": 1, "retry_after": 1])
        let info = try await p.call(Method.containersGet, ContainerRef(name: "t"), as: ContainerInfo.self)
        #expect(info.name == "t")
        #expect(arm.log.contains("THROTTLED arm: 429 Retry-After 1"))
        _ = try await AzureRESTPluginHarness.fakePost(arm, "/_fake/throttle", ["target": "arm", "count": 5, "retry_after": 0])
        let message = await p.expectError(Method.containersGet, ContainerRef(name: "t"), .throttled)
        #expect(message.contains("429"))
        #expect(try await stats()["throttled"] == 4)
    }

    @Test func tokenIsCachedAndRefetchedWhenARMRefusesIt() async throws {
        let p = try open()
        defer { Task { await p.close() } }
        _ = try await create(p, ContainerSpec(name: "c1", image: "busybox", command: ["sleep", "infinity"]))
        _ = try await p.call(Method.containersGet, ContainerRef(name: "c1"), as: ContainerInfo.self)
        _ = try await p.call(Method.containersList, ContainerQuery(), as: ContainerInfoList.self)
        #expect(try await stats()["tokens_issued"]?["client_credentials"] == 1)
        _ = try await AzureRESTPluginHarness.fakePost(arm, "/_fake/expire_tokens")
        let info = try await p.call(Method.containersGet, ContainerRef(name: "c1"), as: ContainerInfo.self)
        #expect(info.state == .running)
        #expect(try await stats()["tokens_issued"]?["client_credentials"] == 2)
        #expect(arm.log.contains("token expired"))
    }

    @Test func managedIdentityTokensFromIMDSAndAppService() async throws {
        let imds = try open(["client_secret": nil, "tenant_id": nil, "client_id": nil,
                             "imds_url": .string(arm.baseURL + "/metadata/identity/oauth2/token")])
        defer { Task { await imds.close() } }
        let created = try await create(imds, ContainerSpec(name: "mi", image: "busybox", command: ["sleep", "infinity"]))
        #expect(created.state == .running)
        #expect(try await stats()["tokens_issued"]?["imds"] == 1)
        let health = try await imds.call(Method.health, Empty(), as: HealthReport.self)
        #expect(health.status == .healthy)
        #expect(health.details?["auth"]?.stringValue?.contains("IMDS") == true)

        let appService = try open(["client_secret": nil, "auth": "managed_identity",
                                   "identity_endpoint": .string(arm.baseURL + "/msi/token"), "identity_header": .string(Self.identityHeader)])
        defer { Task { await appService.close() } }
        _ = try await appService.call(Method.containersGet, ContainerRef(name: "mi"), as: ContainerInfo.self)
        #expect(try await stats()["tokens_issued"]?["app_service"] == 1)

        let wrongHeader = "wrong-" + UUID().uuidString
        let refused = try open(["client_secret": nil, "identity_endpoint": .string(arm.baseURL + "/msi/token"), "identity_header": .string(wrongHeader)])
        defer { Task { await refused.close() } }
        let message = await refused.expectError(Method.containersGet, ContainerRef(name: "mi"), .unauthenticated)
        #expect(message.contains("X-IDENTITY-HEADER") && !message.contains(wrongHeader))
        #expect(!message.contains(Self.identityHeader))
    }

    @Test func wrongSecretIsUnauthenticatedAndNeverShown() async throws {
        let wrong = "wrong~" + UUID().uuidString
        let p = try open(["client_secret": .string(wrong)])
        defer { Task { await p.close() } }
        let message = await p.expectError(Method.containersCreate, ContainerSpec(name: "nope", image: "busybox"), .unauthenticated)
        #expect(message.contains("AADSTS7000215"), "\(message)")
        let health = try await p.call(Method.health, Empty(), as: HealthReport.self)
        #expect(health.status == .unhealthy)
        let texts = [message, health.error ?? "", String(decoding: try Wire.encode(health), as: UTF8.self), arm.log]
        for t in texts {
            #expect(!t.contains(wrong) && !t.contains(secret), "a secret leaked into: \(t)")
        }
        // A good client's descriptions and errors do not show its secret either.
        let good = try open()
        defer { Task { await good.close() } }
        let report = try await good.call(Method.health, Empty(), as: HealthReport.self)
        #expect(report.status == .healthy)
        let notFound = await good.expectError(Method.containersGet, ContainerRef(name: "ghost"), .notFound)
        for t in [String(decoding: try Wire.encode(report), as: UTF8.self), notFound] { #expect(!t.contains(secret)) }
        // Another client id is refused by Azure AD with its own code.
        let stranger = try open(["client_id": "aaaaaaaa-0000-0000-0000-000000000000"])
        defer { Task { await stranger.close() } }
        let who = await stranger.expectError(Method.containersGet, ContainerRef(name: "x"), .unauthenticated)
        #expect(who.contains("AADSTS700016"))
    }

    @Test func imagesAreUnsupportedAndProvisioningFailureIsReported() async throws {
        let p = try open()
        defer { Task { await p.close() } }
        let pull = await p.expectError(Method.imagesPull, ImageRequest(image: "busybox"), .unsupported)
        #expect(pull.contains("ACI pulls the image itself"))
        await p.expectError(Method.imagesImport, ImageRequest(image: "x", source: "/tmp/rootfs.tar"), .unsupported)
        let failed = try await create(p, ContainerSpec(name: "nopull", image: "example.com/doesnotexist:1"))
        #expect(failed.state == .failed)
        #expect(failed.detail?.contains("Failed to pull image") == true, "\(failed.detail ?? "")")
    }

    @Test func badConfigIsRefusedNamingTheField() async throws {
        func refuse(_ config: [String: JSONValue]) -> String {
            var base: [String: JSONValue] = ["subscription_id": .string(Self.subscription), "resource_group": "rg", "location": "westeurope"]
            for (k, v) in config { base[k] = v }
            return AzureRESTPluginHarness.openFailure(manifest: "aci-containers.json", product: "LightningACIContainers", config: base)
        }
        #expect(refuse(["subscription_id": "not a guid"]).contains("config field \"subscription_id\""))
        let secret = "s-" + UUID().uuidString
        let missing = refuse(["client_secret": .string(secret), "client_id": "x"])
        #expect(missing.contains("tenant_id") && !missing.contains(secret))
        #expect(refuse(["management_url": "ftp://x"]).contains("management_url"))
    }
}
