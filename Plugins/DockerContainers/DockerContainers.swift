public import CLightningABI
import DockerEngine
import Foundation
import LightningPluginKit
import LightningProtocol
import Synchronization

/// The local container runtime (`docker-containers`): the containers contract over the Docker
/// Engine API on its unix socket (Docker, or podman's compatible service).
///
/// ```
/// containers.create ─▶ POST /containers/create?name=  (labels + lightning.managed=true)
///                   └▶ POST /containers/{name}/start  (unless start=false)
/// containers.get    ─▶ GET  /containers/{name}/json   ─▶ ContainerInfo (state mapped)
/// containers.logs   ─▶ GET  /containers/{name}/logs   ─▶ 8-byte frames split into stdout/stderr
/// images.import     ─▶ POST /images/create?fromSrc=-  (the tarball streamed) ─▶ POST /images/{id}/tag
/// ```
///
/// Every container it creates carries `lightning.managed=true`; `list` shows only those.
/// Threading: any task; the only mutable state (names stopped through this instance) is behind a mutex.
final class DockerContainers: ContainersPlugin {
    let api: DockerAPI
    let context: PluginContext
    /// Runtime ids of containers stopped through `stop`, so their exit reads as `stopped`.
    let stoppedByCaller = Mutex<Set<String>>([])

    static let managedLabel = "lightning.managed"

    init(context: PluginContext) throws {
        self.context = context
        api = DockerAPI(config: try DockerConfig(context.config))
    }

    func health() async -> HealthReport {
        let started = ContinuousClock.now
        func elapsedMs() -> Double {
            let d = ContinuousClock.now - started
            return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
        }
        var details: [String: JSONValue] = ["socket": .string(api.config.socket), "socket_source": .string(api.config.socketSource),
                                            "api_version": .string(api.config.apiVersion)]
        do {
            let ping = try await api.send("GET", "/_ping", what: "ping")
            guard ping.bodyText.trimmingCharacters(in: .whitespacesAndNewlines) == "OK" else {
                return HealthReport(status: .unhealthy, latencyMs: elapsedMs(), details: .object(details),
                                    error: "ping \(api.config.socket): expected \"OK\", got \"\(ping.bodyText.prefix(100))\"")
            }
            let latency = elapsedMs()
            let version = try DockerAPI.json(try await api.send("GET", "/version", what: "version"), what: "version")
            for (key, field) in [("engine_version", "Version"), ("engine_api_version", "ApiVersion"), ("engine_min_api_version", "MinAPIVersion"),
                                 ("os", "Os"), ("arch", "Arch")] {
                if let s = version[field]?.stringValue { details[key] = .string(s) }
            }
            if let name = version["Components"]?.arrayValue?.first?["Name"]?.stringValue { details["engine"] = .string(name) }
            return HealthReport(status: .healthy, latencyMs: latency, details: .object(details))
        } catch {
            let message = (error as? WireError)?.message ?? "\(error)"
            return HealthReport(status: .unhealthy, latencyMs: elapsedMs(), details: .object(details), error: message)
        }
    }
}

@_cdecl("lt_plugin_entry")
public func lt_plugin_entry(_ host: UnsafePointer<lt_host_v1>) -> UnsafePointer<lt_plugin_v1>? {
    PluginExport.entry(host: host, id: "docker-containers", version: "1.0.0") { try DockerContainers(context: $0) }
}
