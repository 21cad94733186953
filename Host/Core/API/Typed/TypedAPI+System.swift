import Foundation
import LightningAPIServer
import LightningProtocol
import OpenAPIRuntime

/// The daemon's state: readiness, plugins, providers, drivers, router counters, cluster.
extension TypedAPI {
    /// Ready = every configured provider is bound and answers its health check, and the event
    /// bus is bound; 503 with the reasons otherwise (load balancers, orchestrators).
    /// `GET /v1/config`: the effective configuration, secrets redacted field by field
    /// (`Daemon.redactedConfig`). It is read into the document's `Config` type, which lists
    /// every field and allows no other: a field the code adds without the document is a 500
    /// naming it (every test that reads the config would fail), never silently dropped.
    func getConfig(_ input: Operations.GetConfig.Input) async throws -> Operations.GetConfig.Output {
        let json = try Wire.encode(daemon.redactedConfig())
        do {
            return .ok(.init(body: .json(try JSONDecoder().decode(Components.Schemas.Config.self, from: json))))
        } catch let e as DecodingError {
            throw WireError(.internal, "GET /v1/config: the configuration does not match the document's Config schema: \(Wire.describe(e))")
        }
    }

    func getReadiness(_ input: Operations.GetReadiness.Input) async throws -> Operations.GetReadiness.Output {
        var reasons: [String] = []
        for p in await daemon.providerStatuses() where p.health?.status == .unhealthy || p.plugin == nil {
            reasons.append("\(p.kind): \(p.health?.error ?? "unhealthy")")
        }
        if daemon.providers.eventbus.current == nil { reasons.append("eventbus: not bound") }
        let body = Components.Schemas.Readiness(ready: reasons.isEmpty, reasons: reasons)
        return reasons.isEmpty ? .ok(.init(body: .json(body))) : .serviceUnavailable(.init(body: .json(body)))
    }

    func listPlugins(_ input: Operations.ListPlugins.Input) async throws -> Operations.ListPlugins.Output {
        .ok(.init(body: .json(.init(plugins: try daemon.pluginStatuses.map(Components.Schemas.PluginStatus.init)))))
    }

    func listProviders(_ input: Operations.ListProviders.Input) async throws -> Operations.ListProviders.Output {
        .ok(.init(body: .json(.init(providers: try await daemon.providerStatuses().map(Components.Schemas.ProviderStatus.init)))))
    }

    func listDrivers(_ input: Operations.ListDrivers.Input) async throws -> Operations.ListDrivers.Output {
        let stats = daemon.router.stats
        let list = daemon.router.drivers.sorted { $0.name < $1.name }.map {
            Components.Schemas.DriverInfo(name: $0.name, capabilities: $0.capabilities, stats: .init(stats.drivers[$0.name] ?? DriverStats()))
        }
        return .ok(.init(body: .json(.init(drivers: list))))
    }

    func getRouterStats(_ input: Operations.GetRouterStats.Input) async throws -> Operations.GetRouterStats.Output {
        let s = daemon.router.stats
        let l = s.latency
        return .ok(.init(body: .json(.init(published: s.published, routed: s.routed, failed: s.failed, orphaned: s.orphaned, emitted: s.emitted,
                                           droppedHopLimit: s.droppedHopLimit,
                                           latency: .init(count: l.count, meanMs: l.meanMs, p50Ms: l.p50Ms, p99Ms: l.p99Ms, maxMs: l.maxMs),
                                           drivers: .init(additionalProperties: s.drivers.mapValues(Components.Schemas.DriverStats.init))))))
    }

    func getCluster(_ input: Operations.GetCluster.Input) async throws -> Operations.GetCluster.Output {
        let now = Timestamp.now()
        let nodes = try await daemon.cluster.nodes(now: now).map { n in
            let r = n.record
            let state: Components.Schemas.ClusterNode.StatePayload = switch n.state {
            case .alive: .alive
            case .suspect: .suspect
            case .gone: .gone
            }
            return Components.Schemas.ClusterNode(id: r.id, address: r.address, version: r.version, drivers: r.drivers, agents: r.agents,
                                                  load: .init(inFlight: r.load.inFlight, published: r.load.published, routed: r.load.routed),
                                                  heartbeatAt: Int(r.heartbeatAt), busOwner: r.busOwner,
                                                  lastHeartbeat: Timestamp(millis: r.heartbeatAt).date, state: state, _self: n.isSelf)
        }
        let leases = daemon.cluster.enabled ? [daemon.lease.status(now: now.millis)] : []
        return .ok(.init(body: .json(.init(enabled: daemon.cluster.enabled, nodes: nodes, leases: leases.map { l in
            .init(name: l.name, held: l.held, token: l.token.map(Int.init), holder: l.holder, expiresAt: l.expiresAt.map(Int.init))
        }))))
    }
}

extension Components.Schemas.PluginStatus {
    /// A manifest as `/v1/plugins` shows it. Its strings (`kind`, `provides`, `isolation`) must
    /// be values the document lists (`documented(_:_:)`).
    init(_ p: PluginStatus) throws {
        let state: StatePayload = switch p.state {
        case .loaded: .loaded
        case .failed: .failed
        case .available: .available
        case .running: .running
        }
        self.init(id: p.id, name: p.name, kind: try p.kind.map { try documented($0, "plugin kind") }, version: p.version,
                  provides: try p.provides.map { try documented($0, "provider kind") }, capabilities: p.capabilities,
                  isolation: try p.isolation.map { try documented($0, "isolation") }, state: state, manifest: p.manifest, library: p.library,
                  sha256: p.sha256, error: p.error, process: p.process, pid: p.pid.map(Int.init), quarantined: p.quarantined, signature: p.signature)
    }
}

extension Components.Schemas.ProviderStatus {
    init(_ p: ProviderStatus) throws {
        self.init(kind: try documented(p.kind, "provider kind"), plugin: p.plugin, version: p.version, boundAt: p.boundAt?.date,
                  health: try p.health.map(Components.Schemas.HealthReport.init))
    }
}

extension Components.Schemas.HealthReport {
    init(_ h: HealthReport) throws {
        let status: StatusPayload = switch h.status {
        case .healthy: .healthy
        case .degraded: .degraded
        case .unhealthy: .unhealthy
        }
        self.init(status: status, latencyMs: h.latencyMs, details: try h.details.map(OpenAPIValueContainer.init), error: h.error)
    }
}
