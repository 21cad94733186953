public import CLightningABI
import Foundation
import AzureSupport
import LightningPluginKit
import LightningProtocol

/// The containers contract (docs/containers.md, PluginSDK/Protocol/Containers.swift) on Azure
/// Container Instances, through Azure Resource Manager (docs/aci-containers.md):
///
/// ```
/// containers.create ─▶ GET group (exists? conflict) ─▶ PUT group (201 Creating)
///                       └─▶ poll GET until provisioningState Succeeded/Failed (bounded) ─▶ ContainerInfo
/// get / list ────────▶ GET group / GET groups of the resource group (+ GET each for its instance view)
/// logs ──────────────▶ GET …/containers/{name}/logs?tail=N ─▶ stdout (ACI has one stream)
/// stop / start ──────▶ POST …/stop (204) / POST …/start (202, Azure-AsyncOperation) ─▶ GET
/// delete ────────────▶ DELETE (200/202/204) ─▶ poll until gone (bounded)
/// wait ──────────────▶ poll GET until succeeded/failed/stopped or timeout_seconds
/// images.pull/import ▶ unsupported (ACI pulls the image itself at create)
/// every ARM request ─▶ Authorization: Bearer <AAD token, cached until shortly before expiry>
/// ```
///
/// Threading: stateless apart from the token cache (an actor); calls run concurrently.
final class ACIContainers: ContainersPlugin {
    let config: ACIConfig
    let context: PluginContext
    let arm: ARMClient
    let tokens: AADTokenProvider

    init(context: PluginContext) throws {
        self.context = context
        config = try ACIConfig(context.config)
        let policy = AzureHTTP.RetryPolicy(maxThrottleRetries: config.maxThrottleRetries, ceiling: config.maxRetryWait)
        let timeout = Double(config.requestTimeoutMs) / 1000
        tokens = AADTokenProvider(source: config.auth, http: AzureHTTP(service: "Azure AD", timeout: timeout), policy: policy)
        arm = ARMClient(base: config.managementURL, tokens: tokens, http: AzureHTTP(service: "ACI", timeout: timeout), policy: policy)
    }

    /// `container group "x" (resource group "rg")`, for messages.
    func describe(_ name: String) -> String { "container group \"\(name)\" (resource group \"\(config.resourceGroup)\")" }

    func pullImage(_ r: ImageRequest) async throws -> ImageResult {
        throw WireError(.unsupported, "ACI pulls the image itself when it creates a container group (from a public registry, or a private one named in the group); there is no separate pull. Create the container with \"image\": \"\(r.image)\"")
    }

    func importImage(_ r: ImageRequest) async throws -> ImageResult {
        throw WireError(.unsupported, "ACI cannot import a root-filesystem tarball: it runs images from a registry. Push the image to a registry (e.g. Azure Container Registry) and create the container with its reference")
    }

    /// A token, then a list of the resource group's container groups: `healthy` when both work.
    func health() async -> HealthReport {
        let clock = ContinuousClock()
        let t0 = clock.now
        var details: [String: JSONValue] = [
            "subscription_id": .string(config.subscriptionId), "resource_group": .string(config.resourceGroup),
            "location": .string(config.location), "auth": .string(config.auth.description),
            "management_url": .string(config.managementURL.absoluteString),
        ]
        func ms() -> Double {
            let d = clock.now - t0
            return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
        }
        do {
            let groups = try await listGroups()
            details["container_groups"] = .int(groups.count)
            details["managed_container_groups"] = .int(groups.filter(ContainerGroup.isManaged).count)
            return HealthReport(status: .healthy, latencyMs: ms(), details: .object(details))
        } catch {
            return HealthReport(status: .unhealthy, latencyMs: ms(), details: .object(details), error: "\(error)")
        }
    }
}

@_cdecl("lt_plugin_entry")
public func lt_plugin_entry(_ host: UnsafePointer<lt_host_v1>) -> UnsafePointer<lt_plugin_v1>? {
    PluginExport.entry(host: host, id: "aci-containers", version: "1.0.0") { try ACIContainers(context: $0) }
}
