import Foundation
import LightningAPIServer
import LightningProtocol
import OpenAPIRuntime

/// `/health` and the provider swap.
extension TypedAPI {
    /// `unhealthy` (503) when the event bus is not healthy; `degraded` when another bound
    /// provider is not healthy or a plugin failed to load; else `healthy`.
    func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        let providers = await daemon.providerStatuses()
        let unhealthy = providers.first { $0.kind == "eventbus" }?.health?.status != .healthy
        let degraded = providers.contains { $0.plugin != nil && $0.health?.status != .healthy } || daemon.pluginStatuses.contains { $0.state == .failed }
        let body = Components.Schemas.HealthBody(
            status: unhealthy ? .unhealthy : degraded ? .degraded : .healthy, version: LightningVersion.current, mode: daemon.config.mode,
            uptimeSeconds: Double(Timestamp.now().millis - daemon.startedAt.millis) / 1000,
            providers: try providers.map(Components.Schemas.ProviderStatus.init), sandbox: .init(SandboxSupport.current), limits: .init(daemon.supervisor.limits))
        return unhealthy ? .serviceUnavailable(.init(body: .json(body))) : .ok(.init(body: .json(body)))
    }

    /// Hot swap, make-before-break (docs/hot-swap.md): `{"plugin", "config"?, "copy"?, "probation_ms"?}`.
    func swapProvider(_ input: Operations.SwapProvider.Input) async throws -> Operations.SwapProvider.Output {
        guard case .json(let b) = input.body else { throw WireError(.invalidArgument, "request body: expected JSON") }
        let kind: Manifest.ProviderKind = switch input.path.kind {
        case .storage: .storage
        case .eventbus: .eventbus
        case .containers: .containers
        case .functions: .functions
        }
        let config = b.config.map { JSONValue($0).objectValue ?? [:] } ?? [:]
        do { try daemon.providerConfigPolicy.check(config) } catch let e as WireError {
            throw WireError(e.code, "PUT /v1/providers/\(kind.rawValue): \(e.message)")
        }
        let r = try await daemon.swapProvider(kind, to: .init(plugin: b.plugin, config: config), copy: b.copy ?? false, probationMs: b.probationMs ?? 3000)
        return .ok(.init(body: .json(.init(
            kind: r.kind, from: r.from, to: r.to, prepareMs: r.prepareMs, subscriptions: r.subscriptions,
            copied: r.copied.map { .init(containers: $0.containers, documents: $0.documents, verified: $0.verified, caughtUp: $0.caughtUp,
                                         finalDelta: $0.finalDelta, writesHeldMs: $0.writesHeldMs) },
            switchMs: r.switchMs, forwarded: r.forwarded, forwardError: r.forwardError, totalMs: r.totalMs, probationMs: r.probationMs))))
    }
}

extension Components.Schemas.SandboxSupport {
    init(_ s: SandboxSupport) {
        self.init(runningAsRoot: s.runningAsRoot, userNamespaces: s.userNamespaces, pidNamespaces: s.pidNamespaces, mountNamespaces: s.mountNamespaces,
                  networkNamespaces: s.networkNamespaces, ipcNamespaces: s.ipcNamespaces, utsNamespaces: s.utsNamespaces, seccomp: s.seccomp,
                  noNewPrivs: s.noNewPrivs, landlockAbi: s.landlockABI, trialError: s.trialError,
                  profiles: .init(additionalProperties: s.profiles.mapValues { .init(available: $0.available, reason: $0.reason) }))
    }
}

extension Components.Schemas.ResourceLimits {
    init(_ c: CgroupHost) {
        let mechanism: MechanismPayload = switch c.mechanism {
        case .cgroupV2: .cgroupV2
        case .cgroupV1: .cgroupV1
        case .rlimits: .rlimits
        }
        self.init(mechanism: mechanism, controllers: c.controllers.map { controller -> ControllersPayloadPayload in
            switch controller {
            case .cpu: .cpu
            case .memory: .memory
            case .pids: .pids
            }
        }, note: c.note)
    }
}
