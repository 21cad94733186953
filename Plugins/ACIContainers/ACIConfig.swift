import Foundation
import AzureSupport
import LightningProtocol

/// The plugin's configuration (manifests/aci-containers.json, docs/aci-containers.md): where the
/// container groups live, how to get a token for Azure Resource Manager, and the limits of the
/// long-running operations. Every problem names the field; secrets are never shown.
struct ACIConfig: Sendable {
    var subscriptionId: String
    var resourceGroup: String
    var location: String
    var auth: AADTokenSource
    /// `https://management.azure.com` (no trailing slash).
    var managementURL: URL
    /// The token audience: `https://management.azure.com/`.
    var resource: String
    var osType: String
    /// `Public` or `Private`: the IP address given to a group that exposes ports.
    var ipAddressType: String
    /// Send environment values as `secureValue` (not returned by ARM reads) instead of `value`.
    var secureEnvironment: Bool
    var provisioningTimeout: Duration
    var pollInterval: Duration
    var requestTimeoutMs: Int
    var maxThrottleRetries: Int
    var maxRetryWait: Duration

    static let apiVersion = "2023-05-01"

    init(_ config: JSONValue, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let f = AzureConfigFields(config)
        subscriptionId = try f.required("subscription_id", "the Azure subscription id")
        guard subscriptionId.allSatisfy({ $0.isASCII && ($0.isHexDigit || $0 == "-") }) else {
            throw WireError(.invalidArgument, "\(f.name("subscription_id")): expected a subscription id (GUID), got \"\(subscriptionId)\"")
        }
        resourceGroup = try f.required("resource_group", "the resource group the container groups are created in")
        let rgOK = resourceGroup.count <= 90 && !resourceGroup.hasSuffix(".")
            && resourceGroup.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.()".contains($0)) }
        guard rgOK else {
            throw WireError(.invalidArgument, "\(f.name("resource_group")): expected 1 to 90 letters, digits, '-', '_', '.', '(' or ')' not ending in '.', got \"\(resourceGroup)\"")
        }
        location = try f.required("location", "the Azure region of new container groups, e.g. westeurope")
        guard location.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw WireError(.invalidArgument, "\(f.name("location")): expected a region name such as westeurope, got \"\(location)\"")
        }
        managementURL = try f.url("management_url") ?? URL(string: "https://management.azure.com")!
        resource = try f.string("resource") ?? "https://management.azure.com/"
        auth = try AADTokenSource(config: config, resource: resource, environment: environment)
        osType = try f.string("os_type") ?? "Linux"
        guard osType == "Linux" || osType == "Windows" else {
            throw WireError(.invalidArgument, "\(f.name("os_type")): expected \"Linux\" or \"Windows\", got \"\(osType)\"")
        }
        ipAddressType = try f.string("ip_address_type") ?? "Public"
        guard ipAddressType == "Public" || ipAddressType == "Private" else {
            throw WireError(.invalidArgument, "\(f.name("ip_address_type")): expected \"Public\" or \"Private\", got \"\(ipAddressType)\"")
        }
        secureEnvironment = try f.bool("secure_environment") ?? false
        provisioningTimeout = .seconds(try f.int("provisioning_timeout_seconds", min: 1, max: 3600) ?? 600)
        pollInterval = .milliseconds(try f.int("poll_interval_ms", min: 10, max: 60_000) ?? 2000)
        requestTimeoutMs = try f.int("request_timeout_ms", min: 100, max: 600_000) ?? 60_000
        maxThrottleRetries = try f.int("max_throttle_retries", min: 0, max: 20) ?? 5
        maxRetryWait = .milliseconds(try f.int("max_retry_wait_ms", min: 0, max: 600_000) ?? 60_000)
    }

    /// `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerInstance/containerGroups`
    var groupsPath: String {
        "/subscriptions/\(subscriptionId)/resourceGroups/\(Self.escape(resourceGroup))/providers/Microsoft.ContainerInstance/containerGroups"
    }

    func groupPath(_ name: String) -> String { "\(groupsPath)/\(name)" }

    static func escape(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~()")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}
