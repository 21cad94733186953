import Foundation
import LightningProtocol
import Logging

extension Daemon {
    /// Loads the library a manifest names, with every check of the loader.
    func loadLibrary(_ m: Manifest) throws -> LoadedPlugin {
        try loader.load(LibrarySpec(manifest: m, pluginDirs: pluginDirs))
    }

    /// The config an instance of `m` gets (`InstanceConfig`), with this daemon's settings.
    func instanceConfig(_ m: Manifest, overrides: [String: JSONValue]) throws -> [String: JSONValue] {
        try InstanceConfig(config).build(m, overrides: overrides)
    }

    /// Creates an instance of `m` (in the tier its manifest asks for), health-checks it and binds
    /// it to its provider slot.
    func bindProvider(_ kind: Manifest.ProviderKind, choice: DaemonConfig.ProviderChoice) async throws {
        if let refusal = signatureRefusals.withLock({ $0[choice.plugin] }) { throw refusal }
        guard let m = manifest(choice.plugin) else {
            throw HostError(.notFound, subject: "providers.\(kind.rawValue)", "no manifest with id \"\(choice.plugin)\" in \(config.manifestDirs.map(Manifest.display).joined(separator: ", "))")
        }
        guard m.kind == .provider, m.provides == kind else {
            throw HostError(.configInvalid, subject: "providers.\(kind.rawValue)",
                            "plugin \"\(m.id)\" provides \(m.provides?.rawValue ?? "nothing") (kind \(m.kind.rawValue)), not \(kind.rawValue)")
        }
        do {
            let cfg = try instanceConfig(m, overrides: choice.config)
            let (conn, sha256) = try await makeInstance(m, config: cfg)
            let health: HealthReport
            do { health = try await conn.call(.health) } catch {
                await conn.close()
                throw HostError(.providerUnavailable, subject: "plugin \(m.id)", "health check failed: \(error)")
            }
            guard health.status != .unhealthy else {
                await conn.close()
                throw HostError(.providerUnavailable, subject: "plugin \(m.id)", "health check reports unhealthy: \(health.error ?? "no reason given")")
            }
            let binding = ProviderSlot.Binding(connection: conn, pluginId: m.id, version: m.version.description, config: cfg, sha256: sha256)
            let old: ProviderSlot.Binding?
            do { old = try await providers.bind(binding, to: kind) } catch {
                await conn.close()
                throw error
            }
            if let old { await old.connection.close() }
            recordBound(binding)
            logger.info("provider bound", metadata: ["kind": "\(kind.rawValue)", "lt.plugin": "\(m.id)"])
        } catch {
            markFailed(m, (error as? HostError)?.message ?? "\(error)")
            throw error
        }
    }

    /// Loads a driver plugin (in the tier its manifest asks for) and registers it with the router.
    func startDriver(_ m: Manifest) async throws {
        let cfg = try instanceConfig(m, overrides: [:])
        let (conn, sha256) = try await makeInstance(m, config: cfg)
        instanceConfigs.withLock { $0[m.id] = cfg }
        do {
            try await router.register(PluginDriver(name: m.id, capabilities: m.capabilities, maxConcurrency: m.resources.maxConcurrency,
                                                   connection: conn, sha256: Self.pinnedSha256(m)))
        } catch {
            await conn.close()
            throw error
        }
        var st = status(of: m, state: .loaded, sha256: sha256)
        st.process = processName(of: conn)
        if let reason = quarantineReason(m) { await noteQuarantine(m, reason: reason, status: &st) }
        statuses.withLock { $0[m.id] = st }
    }

    /// Starts an agent's child under the supervisor and routes its capabilities to it.
    func startAgent(_ m: Manifest) async throws {
        var cfg = try instanceConfig(m, overrides: [:])
        cfg["data_dir"] = nil  // the daemon's files are not the child's business
        let child = try supervisor.makeChild(m, config: cfg)
        instanceConfigs.withLock { $0[m.id] = cfg }
        await supervisor.launch(child)
        try await router.register(AgentDriver(child: child, capabilities: m.capabilities, timeout: .milliseconds(config.router.leaseMs),
                                              maxConcurrency: m.resources.maxConcurrency))
        statuses.withLock { $0[m.id] = status(of: m, state: .running) }
    }

    /// Binds a provider built into the daemon (today: `local-functions`).
    func bindBuiltin(_ kind: Manifest.ProviderKind) async {
        guard kind == .functions else { return }
        let functions = LocalFunctions(supervisor: supervisor, router: router, dataDir: config.dataDir) { [unowned self] m in
            var cfg = try self.instanceConfig(m, overrides: [:])
            cfg["data_dir"] = nil
            self.instanceConfigs.withLock { $0[m.id] = cfg }
            return cfg
        }
        // Bound at start, before the manager runs: nothing else changes slots yet, so this cannot fail.
        _ = try? await providers.bind(.init(connection: functions, pluginId: LocalFunctions.id, version: LightningVersion.current, config: [:]),
                                      to: .functions)
        statuses.withLock {
            $0[LocalFunctions.id] = PluginStatus(id: LocalFunctions.id, name: "Local functions (built in)", kind: "provider",
                                                 version: LightningVersion.current, provides: "functions", capabilities: nil,
                                                 isolation: "in-process", state: .loaded, manifest: "(built in)", library: nil,
                                                 sha256: nil, error: nil)
        }
    }

    /// Deploys function manifests (and earlier API deployments) to the local functions provider.
    /// With another functions provider bound (Azure Functions), code is deployed by that
    /// platform's tooling: a manifest whose function the provider serves (`functions.get`) counts
    /// as running, so its `actions` are in the catalog (plans can call it); any other is failed,
    /// with the provider's answer.
    func deployFunctions(_ manifests: [Manifest]) async {
        guard let binding = providers.functions.current else {
            for m in manifests { markFailed(m, "no functions provider is bound (providers.functions)") }
            return
        }
        guard let functions = binding.connection as? LocalFunctions else {
            for m in manifests {
                do {
                    _ = try await providers.functions.call(Method.functionGet, FunctionName(function: m.id), as: FunctionInfo.self)
                    statuses.withLock { $0[m.id] = status(of: m, state: .running) }
                } catch {
                    let reason = (error as? WireError)?.message ?? "\(error)"
                    markFailed(m, "not served by the bound functions provider: \(reason)")
                }
            }
            return
        }
        await functions.restoreDeployments()
        for m in manifests {
            do {
                _ = try await functions.deploy(m)
                statuses.withLock { $0[m.id] = status(of: m, state: .running) }
            } catch {
                let reason = (error as? WireError)?.message ?? "\(error)"
                logger.error("function \(m.id) not deployed: \(reason)")
                markFailed(m, reason)
            }
        }
    }

    /// The config a plugin or child was started with (for `config.get`), secrets included.
    func configOf(_ id: String) -> [String: JSONValue]? { instanceConfigs.withLock { $0[id] } }
}

extension Daemon {
    /// Reads the manifest folders (`manifests_dir`, then `extra_manifests`); with `pinLibraries`
    /// (`serve --pin`), the sha256 of each library built next to the daemon's executable is taken
    /// from the file, in memory (the files stay as they are). A library anywhere else keeps its
    /// manifest's sha256: `--pin` trusts what this build produced, not whatever an extra folder names.
    /// Plugins are then held to `plugins.require_signature` (`checkSignatures`).
    func scanManifests() -> ManifestDirectory {
        var dir = ManifestDirectory.scan(config.manifestDirs)
        guard config.pinLibraries else { return checkSignatures(dir) }
        let pinned = ManifestPinner.pinnedInMemory(dir.manifests, pluginDirs: pluginDirs, trusting: [buildDirectory])
        dir.manifests = pinned.manifests
        for c in pinned.changes { logger.debug("pinned in memory: \(c.manifest): sha256 \(c.new)") }
        for s in pinned.skipped { logger.notice("--pin: \(s)") }
        return checkSignatures(dir)
    }

    /// The folder of the daemon's own executable: where `swift build` put it and the shipped plugins.
    var buildDirectory: URL { URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent() }
}
