import Foundation
import LightningProtocol
import Logging

extension Daemon {
    /// Swaps the provider of `kind` for `choice`, make-before-break (docs/hot-swap.md). The
    /// daemon's part is wiring: find the manifest, say how to prepare an instance of it and
    /// what to record once it serves; `ProviderManager` runs the swap, serialized with every other
    /// change of the provider slots.
    /// - Throws: `WireError`: `.notFound` for an unknown plugin, `.invalidArgument` for a plugin of
    ///   another kind or a refused config, `.unavailable` for anything else that refuses the swap.
    public func swapProvider(_ kind: Manifest.ProviderKind, to choice: DaemonConfig.ProviderChoice, copy: Bool = false,
                             probationMs: Int = 3000) async throws -> SwapReport {
        if cluster.enabled, kind == .eventbus || kind == .storage {
            throw WireError(.conflict, Self.clusterSwapRefusal(kind))
        }
        let dir = scanManifests()
        let refused = signatureRefusals.withLock { $0 }
        manifests.withLock { map in
            for m in dir.manifests { map[m.id] = m }
            for id in refused.keys { map[id] = nil }
        }
        if let r = refused[choice.plugin] { throw WireError(.invalidArgument, "swap refused: \(r)") }
        guard let m = manifest(choice.plugin) else {
            let known = dir.manifests.filter { $0.kind == .provider && $0.provides == kind }.map(\.id).sorted()
            throw WireError(.notFound, "no \(kind.rawValue) provider \"\(choice.plugin)\"; known: \(known.joined(separator: ", "))")
        }
        guard m.kind == .provider, m.provides == kind else {
            throw WireError(.invalidArgument, "plugin \"\(m.id)\" provides \(m.provides?.rawValue ?? "nothing"), not \(kind.rawValue)")
        }
        let router = self.router
        let request = SwapRequest(kind: kind, copy: copy, probationMs: probationMs,
                                  prepare: { [self] current in try await prepareInstance(m, choice: choice, current: current) },
                                  bound: { [self] binding in recordBound(binding) },
                                  publish: { events in _ = try? await router.publish(events) })  // events about the swap: best effort, as every daemon event
        let report = try await providers.swap(request)
        metrics.gauge("lightning_provider_swap_total_ms", [("kind", kind.rawValue)], report.totalMs)
        return report
    }

    /// Why a swap of the event bus or the storage is refused on a clustered daemon: this daemon
    /// alone would move, and the nodes would then use different buses or stores (split-brain:
    /// events published on one never reach the others' drivers, leases and schedules decided on
    /// two stores). Containers and functions providers are per node, and swap as on one daemon.
    static func clusterSwapRefusal(_ kind: Manifest.ProviderKind) -> String {
        "swap refused: this daemon is one node of a cluster (LIGHTNING_CLUSTER=on), and a swap of \(kind.rawValue) would move this node alone, "
            + "leaving the others on the old \(kind.rawValue == "eventbus" ? "bus" : "store") (split-brain). To change it, stop every node, "
            + "change providers.\(kind.rawValue) in each node's config, and start them again (docs/cluster.md#provider-swaps)"
    }

    /// Loads, creates, configures and health-checks an instance of `m` while `current` serves.
    /// - Throws: `WireError` starting `swap refused, <current> keeps serving: …`.
    func prepareInstance(_ m: Manifest, choice: DaemonConfig.ProviderChoice, current: ProviderSlot.Binding?) async throws -> ProviderSlot.Binding {
        let refused = "swap refused, \(current?.pluginId ?? "nothing") keeps serving"
        let connection: any ProviderConnection
        let cfg: [String: JSONValue]
        let sha256: String
        do {
            cfg = try instanceConfig(m, overrides: choice.config)
            // A second instance of what serves — same plugin, version, library and config — would
            // open the same store (the same journal or database file) beside the first: refuse
            // rather than corrupt or copy onto itself. An upgrade (another version or library) is
            // a swap like any other.
            if let current, current.pluginId == m.id, current.config == cfg, current.version == m.version.description,
               current.sha256 == nil || current.sha256 == m.library?.sha256 {
                throw WireError(.conflict, "\(refused): \(m.id) already serves \(m.provides?.rawValue ?? "this kind") with this configuration; a swap needs another plugin or another config (e.g. another path)")
            }
            (connection, sha256) = try await makeInstance(m, config: cfg)
        } catch let e as HostError {
            throw WireError(e.code == .configInvalid ? .invalidArgument : .unavailable, "\(refused): \(e.message)")
        }
        do {
            let h = try await connection.call(.health)
            guard h.status != .unhealthy else { throw WireError(.unavailable, "health check reports unhealthy: \(h.error ?? "no reason given")") }
        } catch {
            await connection.close()
            throw WireError(.unavailable, "\(refused): \(m.id) failed its health check: \((error as? WireError)?.message ?? "\(error)")")
        }
        return ProviderSlot.Binding(connection: connection, pluginId: m.id, version: m.version.description, config: cfg, sha256: sha256)
    }

    /// Records what serves a slot now (`/v1/plugins`, `config.get`).
    func recordBound(_ b: ProviderSlot.Binding) {
        guard let m = manifest(b.pluginId) else { return }
        instanceConfigs.withLock { $0[m.id] = b.config }
        var st = status(of: m, state: .loaded, sha256: b.sha256)
        st.version = b.version
        st.process = processName(of: b.connection)
        statuses.withLock { $0[m.id] = st }
    }
}

extension Daemon {
    /// Applies a new config to the running daemon (SIGHUP): every provider kind whose plugin or
    /// effective config differs from what serves it is swapped, make-before-break. Returns one
    /// line per decision; a failed swap leaves the old provider serving and says why.
    public func reload(to new: DaemonConfig) async -> [String] {
        var out: [String] = []
        for kind in Manifest.ProviderKind.allCases {
            guard let choice = new.providers[kind.rawValue] else { continue }
            if choice.plugin == DaemonConfig.builtinProviders[kind.rawValue] { continue }
            let current = providers.slot(kind).current
            var wanted: [String: JSONValue]?
            if let m = manifest(choice.plugin) { wanted = try? instanceConfig(m, overrides: choice.config) }
            if let current, current.pluginId == choice.plugin, let wanted, wanted == current.config {
                continue
            }
            do {
                let r = try await swapProvider(kind, to: choice)
                out.append("\(kind.rawValue): swapped \(r.from ?? "-") → \(r.to) in \(String(format: "%.1f", r.totalMs)) ms")
            } catch {
                out.append("\(kind.rawValue): \((error as? WireError)?.message ?? "\(error)")")
            }
        }
        if new.router != config.router || new.port != config.port || new.host != config.host || new.dataDir != config.dataDir {
            out.append("router, host, port and data_dir changes take effect at the next start")
        }
        if out.isEmpty { out.append("no provider changed") }
        return out
    }
}
