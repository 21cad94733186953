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
        router.get("/v1/plugins") { _, _ in APIResponse.json(["plugins": daemon.pluginStatuses]) }
        router.get("/v1/providers") { _, _ in APIResponse.json(["providers": await providerStatuses()]) }
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
        router.get("/v1/drivers") { _, _ in
            let stats = daemon.router.stats
            let list = daemon.router.drivers.sorted { $0.name < $1.name }.map {
                DriverInfo(name: $0.name, capabilities: $0.capabilities, stats: stats.drivers[$0.name] ?? DriverStats())
            }
            return APIResponse.json(["drivers": list])
        }
        router.get("/v1/router/stats") { _, _ in APIResponse.json(daemon.router.stats) }
        router.get("/v1/cluster") { _, _ in
            APIResponse.json(ClusterNodes(enabled: daemon.cluster.enabled, nodes: try await daemon.cluster.nodes(now: Timestamp.now()),
                                          leases: daemon.cluster.enabled ? [daemon.lease.status(now: Timestamp.now().millis)] : []))
        }
        router.get("/ready") { _, _ in try await readiness() }
        router.get("/metrics") { _, _ in await metricsResponse() }
        router.get("/v1/metrics") { _, _ in await metricsResponse() }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.bytes)))
        }
        router.get("/v1/config") { _, _ in APIResponse.json(daemon.redactedConfig()) }
    }

    func metricsResponse() async -> Response {
        let text = await MetricsText.render(daemon)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Ready = every configured provider is bound and answers its health check, so requests
    /// can be served. 503 with the reasons otherwise (load balancers, orchestrators).
    func readiness() async throws -> Response {
        var reasons: [String] = []
        for p in await providerStatuses() where p.health?.status == .unhealthy || p.plugin == nil {
            reasons.append("\(p.kind): \(p.health?.error ?? "unhealthy")")
        }
        if daemon.providers.eventbus.current == nil { reasons.append("eventbus: not bound") }
        struct Ready: Encodable { var ready: Bool; var reasons: [String] }
        return APIResponse.json(Ready(ready: reasons.isEmpty, reasons: reasons), status: reasons.isEmpty ? .ok : .serviceUnavailable)
    }

    func health() async throws -> Response {
        let providers = await providerStatuses()
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

    func providerStatuses() async -> [ProviderStatus] {
        var out: [ProviderStatus] = []
        for slot in daemon.providers.all {
            guard let b = slot.current else {
                if daemon.config.providers[slot.kind.rawValue] != nil {
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

struct DriverInfo: Encodable { var name: String; var capabilities: [String]; var stats: DriverStats }

/// The version of this build of Lightning.
public enum LightningVersion {
    public static let current = "0.1.0"
}
