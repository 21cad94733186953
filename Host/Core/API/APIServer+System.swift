import Foundation
import Hummingbird
import LightningConsole
import LightningProtocol

extension APIServer {
    func addSystemRoutes(_ router: Router<BasicRequestContext>) {
        // A browser gets the web console (APIServer+Console.swift); API clients the JSON summary.
        router.get("/") { request, _ in
            if Self.wantsHTML(request), let page = ConsoleAssets.index { return Self.serve(page, request) }
            return APIResponse.json(ServiceInfo(service: "lightning", version: LightningVersion.current, mode: daemon.config.mode,
                                                docs: "docs/api.md", endpoints: routeTable.endpoints), headers: [.vary: "Accept"])
        }
        router.get("/health") { _, _ in try await health() }
        router.get("/v1/health") { _, _ in try await health() }
        // Hot swap, make-before-break: {"plugin", "config"?, "copy"?, "probation_ms"?} (docs/hot-swap.md).
        router.put("/v1/providers/:kind") { request, ctx in
            var req = request
            struct Body: Decodable { var plugin: String; var config: [String: JSONValue]?; var copy: Bool?; var probation_ms: Int? }
            let b = try await req.decode(Body.self)
            let k = try ctx.parameters.string("kind")
            guard let kind = Manifest.ProviderKind(rawValue: k) else {
                throw WireError(.invalidArgument, "provider kind \"\(k)\": expected \(Manifest.ProviderKind.listed)")
            }
            if let p = b.probation_ms, !(0...600_000).contains(p) {
                throw WireError(.invalidArgument, "field \"probation_ms\": expected an integer from 0 to 600000, got \(p)")
            }
            do { try daemon.providerConfigPolicy.check(b.config ?? [:]) } catch let e as WireError {
                throw WireError(e.code, "PUT /v1/providers/\(k): \(e.message)")
            }
            let report = try await daemon.swapProvider(kind, to: .init(plugin: b.plugin, config: b.config ?? [:]), copy: b.copy ?? false,
                                                       probationMs: b.probation_ms ?? 3000)
            return APIResponse.json(report)
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.bytes)))
        }
        router.get("/v1/config") { _, _ in APIResponse.json(daemon.redactedConfig()) }
    }

    func health() async throws -> Response {
        let providers = await daemon.providerStatuses()
        let bus = providers.first { $0.kind == "eventbus" }
        let unhealthy = bus?.health?.status != .healthy
        let degraded = providers.contains { $0.plugin != nil && $0.health?.status != .healthy }
            || daemon.pluginStatuses.contains { $0.state == .failed }
        let status = unhealthy ? "unhealthy" : degraded ? "degraded" : "healthy"
        let body = HealthBody(status: status, version: LightningVersion.current, mode: daemon.config.mode,
                              uptimeSeconds: Double(Timestamp.now().millis - daemon.startedAt.millis) / 1000,
                              providers: providers, sandbox: SandboxSupport.current, limits: daemon.supervisor.limits)
        return APIResponse.json(body, status: unhealthy ? .serviceUnavailable : .ok)
    }
}

extension Daemon {
    /// Every provider slot: bound ones with their health check's answer, configured but unbound
    /// ones as unhealthy "not bound" (`/health`, `/ready`, `/v1/providers`).
    func providerStatuses() async -> [ProviderStatus] {
        var out: [ProviderStatus] = []
        for slot in providers.all {
            guard let b = slot.current else {
                if config.providers[slot.kind.rawValue] != nil {
                    out.append(ProviderStatus(kind: slot.kind.rawValue, plugin: nil, version: nil, boundAt: nil,
                                              health: HealthReport(status: .unhealthy, latencyMs: 0, error: "not bound (see /v1/plugins)")))
                }
                continue
            }
            let h: HealthReport
            do { h = try await b.connection.call(Method.health, as: HealthReport.self) } catch {
                h = HealthReport(status: .unhealthy, latencyMs: 0, error: "\(error)")
            }
            out.append(ProviderStatus(kind: slot.kind.rawValue, plugin: b.pluginId, version: b.version, boundAt: b.boundAt, health: h))
        }
        return out
    }
}

struct ServiceInfo: Encodable { var service, version, mode, docs: String; var endpoints: [String] }

struct HealthBody: Encodable {
    var status: String
    var version: String
    var mode: String
    var uptimeSeconds: Double
    var providers: [ProviderStatus]
    /// What isolation this kernel allows (docs/sandbox.md).
    var sandbox: SandboxSupport
    /// How children's memory, process and CPU limits are enforced (docs/sandbox.md#limits).
    var limits: CgroupHost
    enum CodingKeys: String, CodingKey { case status, version, mode, providers, sandbox, limits, uptimeSeconds = "uptime_seconds" }
}


/// The version of this build of Lightning.
public enum LightningVersion {
    public static let current = "0.1.0"
}
