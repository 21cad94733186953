import Foundation
import Hummingbird
import LightningAPIServer
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
        // `/health` is generated (TypedAPI+Health.swift); `/v1/health`, the same answer under the
        // API's prefix, is not in the document and stays an alias here.
        let typed = TypedAPI(daemon: daemon, logger: logger)
        router.get("/v1/health") { _, _ -> Response in
            let output = try await typed.getHealth(.init())
            switch output {
            case let .ok(answer): return try TypedAPI.response(try answer.body.json, status: .ok)
            case let .serviceUnavailable(answer): return try TypedAPI.response(try answer.body.json, status: .serviceUnavailable)
            default: throw WireError(.internal, "GET /v1/health: unexpected answer \(output)")
            }
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.bytes)))
        }
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

/// The version of this build of Lightning.
public enum LightningVersion {
    public static let current = "0.1.0"
}
