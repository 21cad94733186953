public import Foundation
public import LightningProtocol
public import Logging
public import ServiceLifecycle

/// The daemon: manifests, loaded plugins, provider slots, the router and the services that run.
///
/// ```
///  DaemonConfig ─▶ ManifestDirectory.scan ─▶ for each provider kind: load + create + health ─▶ providers.bind
///                                          └▶ for each driver: load + create ─▶ router.register
///  services(api:extra:): Supervisor, ProviderManager, DaemonLifecycle (start … shutdown), then
///  after the start: EventRouter, HTTP API, extras ─▶ one ServiceGroup (in Host/CLI)
/// ```
///
/// A manifest or plugin that fails is reported (`/v1/plugins`, `lightning plugins`) and the
/// daemon keeps running with what did load. Only a missing event bus stops the start, since
/// nothing can be accepted without one.
public final class Daemon: Sendable {
    public let config: DaemonConfig
    public let logger: Logger
    public let loader: PluginLoader
    /// The provider slots, and every change to them (binds, swaps, rollbacks): a `Service`.
    public let providers = ProviderManager(logger: Logger(label: "lt.providers"))
    public let router: EventRouter
    public let metrics = DaemonMetrics()
    /// Crash containment for in-process plugins: markers, poison events, quarantine, skipped loads.
    public let crashGuard: CrashGuard
    /// Plugins moved to the `process` tier by this start, with the reason (a `plugin.quarantined`
    /// event is published when the driver starts).
    let newlyQuarantined = Locked<[String: String]>([:])
    /// Probes each library not loaded before (by sha256) in a `plugin-host` child first.
    public let libraryProbe = LibraryProbe(logger: Logger(label: "lt.loader"))
    /// Agents and function instances (child processes).
    public let supervisor: Supervisor
    let statuses = Locked<[String: PluginStatus]>([:])
    let manifests = Locked<[String: Manifest]>([:])
    let instanceConfigs = Locked<[String: [String: JSONValue]]>([:])
    /// Publisher keys of `plugins.trusted_keys` (read by `start`), each plugin's signature status
    /// by manifest id, and the plugins the last scan refused for their signature (`Daemon+Signatures`).
    let trustStore = Locked(TrustStore())
    let signatures = Locked<[String: String]>([:])
    let signatureRefusals = Locked<[String: HostError]>([:])
    /// Set by `start` when authentication is on (`Daemon+Auth.swift`).
    let tokenStore = Locked<TokenStore?>(nil)
    public let startedAt = Timestamp.now()
    /// Runs plans (a service after the start).
    public let plans = PlanExecutor()
    /// Fires the time events of saved plans (a service after the start).
    public let scheduler = PlanScheduler()
    /// Heartbeats into the store and lists the cluster's nodes (a service after the start).
    public let cluster: ClusterMembership
    /// Keeps the cluster's singleton lease (a service after the start; only with the cluster on).
    public let lease: LeaseService
    /// Releases a gone node's leased deliveries at once (a service after the start; only with the cluster on).
    public let failover = DeliveryFailover()
    /// Carries out instructions on the events they match (a service after the start).
    public let instructions = InstructionEngine()
    /// The Context Hub: documents, versions and search through the storage provider (docs/context-hub.md).
    public let context: ContextHub
    /// Where the start is (`DaemonLifecycle` moves it; `AfterStart` services wait on it).
    public let started = Watched(StartState.starting)

    public init(config: DaemonConfig, logger: Logger) {
        self.config = config
        self.logger = logger
        self.cluster = ClusterMembership(policy: ClusterMembership.policy(config.environment),
                                         enabled: ClusterMembership.enabled(config.environment))
        self.lease = LeaseService(enabled: ClusterMembership.enabled(config.environment), environment: config.environment)
        self.loader = PluginLoader(logger: Logger(label: "lt.loader"))
        self.crashGuard = CrashGuard(policy: .init(deadLetterAfter: config.router.crashDeadLetterAfter, quarantine: config.router.quarantineOnCrash),
                                     logger: Logger(label: "lt.crashguard"))
        self.router = EventRouter(bus: providers.eventbus, settings: config.router, logger: Logger(label: "lt.router"), metrics: metrics,
                                  crashGuard: crashGuard)
        let routerRef = router
        supervisor = Supervisor(
            services: .init(host: DaemonHostServices.Deferred(),
                            publish: { events in _ = try? await routerRef.publish(events) }),
            programDirs: config.pluginDirs + [URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()],
            dataDirectory: config.dataDir, defaultProfile: config.sandboxDefault,
            cgroups: config.cgroups ? CgroupHost.current : .rlimitsOnly, logger: Logger(label: "lt.supervisor"))
        let contextLogger = Logger(label: "lt.context")
        context = ContextHub(storage: providers.storage, index: ContextIndex(path: config.dataDir.appendingPathComponent("context-index.sqlite").path),
                             keepVersions: config.contextKeepVersions,
                             publish: { events in
                                 do { _ = try await routerRef.publish(events) } catch {
                                     contextLogger.warning("context: change stored, but its event was not published: \(error)")
                                 }
                             })
        let host = DaemonHostServices(daemon: self)
        loader.setHostServices(host)
        (supervisor.services.host as? DaemonHostServices.Deferred)?.target.withLock { $0 = host }
        plans.attach(self)
        scheduler.attach(self)
        cluster.attach(self)
        lease.attach(self)
        failover.attach(self)
        instructions.attach(self)
    }

    /// The folders searched for plugin libraries: configured ones, then the executable's folder.
    public var pluginDirs: [URL] {
        config.pluginDirs + [URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()]
    }

    /// Scans manifests, loads providers and drivers. Failures are recorded, not thrown, except
    /// when no event bus could be bound.
    /// - Throws: `HostError(.providerUnavailable)` when the event bus provider failed;
    ///   `HostError(.configInvalid)` from `startAuth` (binding beyond loopback with auth off).
    public func start() async throws {
        try createDataDirectory()
        openCrashGuard()
        try startAuth()
        try loadTrustStore()
        let dir = scanManifests()
        for e in dir.errors {
            logger.error("manifest refused: \(e)")
            statuses.withLock { $0[e.subject] = PluginStatus(id: e.subject, state: .failed, manifest: e.subject, error: e.message) }
        }
        manifests.withLock { m in for x in dir.manifests { m[x.id] = x } }
        for m in dir.manifests {
            statuses.withLock { $0[m.id] = status(of: m, state: .available) }
        }
        try checkProviderChoices(dir.manifests)
        for kind in Manifest.ProviderKind.bindOrder {
            guard let choice = config.providers[kind.rawValue] else { continue }
            if choice.plugin == DaemonConfig.builtinProviders[kind.rawValue] {
                await bindBuiltin(kind)
                continue
            }
            do {
                try await bindProvider(kind, choice: choice)
            } catch {
                let reason = (error as? HostError)?.description ?? "\(error)"
                logger.error("provider \(kind.rawValue) not available: \(reason)")
                if kind == .eventbus {
                    throw HostError(.providerUnavailable, subject: "eventbus", "cannot start without an event bus: \(reason)")
                }
            }
        }
        let wanted = config.drivers.map(Set.init)
        for m in dir.manifests where m.kind == .agent && (wanted?.contains(m.id) ?? true) {
            do { try await startAgent(m) } catch {
                let reason = (error as? HostError)?.message ?? "\(error)"
                logger.error("agent \(m.id) not started: \(reason)")
                markFailed(m, reason)
            }
        }
        await deployFunctions(dir.manifests.filter { $0.kind == .function && (wanted?.contains($0.id) ?? true) })
        for m in dir.manifests where m.kind == .driver && (wanted?.contains(m.id) ?? true) {
            do { try await startDriver(m) } catch {
                let reason = (error as? HostError)?.message ?? "\(error)"
                logger.error("driver \(m.id) not started: \(reason)")
                markFailed(m, reason)
            }
        }
    }

    /// Every provider choice must name a manifest that provides that kind: a typo in
    /// `LIGHTNING_STORAGE_PROVIDER` must stop the start, not run the daemon without storage.
    /// - Throws: `HostError(.configInvalid)` naming the setting, where it came from, and the known ids.
    func checkProviderChoices(_ manifests: [Manifest]) throws {
        var problems: [String] = []
        for (kind, choice) in config.providers.sorted(by: { $0.key < $1.key }) {
            let known = (manifests.filter { $0.kind == .provider && $0.provides?.rawValue == kind }.map(\.id)
                + [DaemonConfig.builtinProviders[kind]].compactMap { $0 }).sorted()
            // A plugin refused for its signature is known: its slot fails with that refusal (bindProvider).
            guard !known.contains(choice.plugin), signatureRefusals.withLock({ $0[choice.plugin] }) == nil else { continue }
            let list = known.isEmpty ? "none (no manifest in \(config.manifestDirs.map(Manifest.display).joined(separator: ", ")) provides \(kind))" : known.joined(separator: ", ")
            problems.append("providers.\(kind) = \"\(choice.plugin)\" (from \(config.source(of: "providers.\(kind)"))): no \(kind) provider with that id; known: \(list)")
        }
        if !problems.isEmpty {
            throw HostError(.configInvalid, subject: "providers", problems.joined(separator: "\n  "))
        }
    }

    /// Ends every live event stream (`GET /v1/events/stream`); called when shutdown begins.
    public func closeEventStreams() { router.tap.close() }

    /// The daemon's services for its one `ServiceGroup`, in start order (the group stops them in
    /// reverse): the supervisor first, so children's loops outlive everything that stops children;
    /// the provider manager (owner of binds, swaps and probation windows), so providers are closed
    /// through it; then the lifecycle (start; close at shutdown); then what needs a started daemon:
    /// the router, the API, and `extra` (each an `AfterStart` unless it must run during start-up).
    /// A failure of any of them stops the group.
    public func services(api: any Service, extra: [any Service]) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        supervisor.willRun()
        let list: [any Service] = [supervisor, providers, DaemonLifecycle(daemon: self), AfterStart(router, daemon: self),
                                   AfterStart(plans, daemon: self), AfterStart(scheduler, daemon: self), AfterStart(instructions, daemon: self),
                                   AfterStart(ContextIndexer(hub: context), daemon: self),
                                   AfterStart(cluster, daemon: self), AfterStart(lease, daemon: self), AfterStart(failover, daemon: self),
                                   AfterStart(api, daemon: self)] + extra
        return list.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup) }
    }

    /// Closes providers and drivers and stops every child (the lifecycle service's shutdown).
    /// Safe to call twice.
    public func shutdown() async {
        await supervisor.stopAll()
        for d in router.drivers {
            if let p = d as? PluginDriver { await p.connection.close() }
        }
        for slot in providers.all {
            if let b = slot.unbind() { await b.connection.close() }
        }
    }

    /// Every manifest's status. An agent's follows its process: `failed` (with the last exit's
    /// reason) once the supervisor gave up on it.
    public var pluginStatuses: [PluginStatus] {
        statuses.withLock { $0.values.sorted { $0.id < $1.id } }.map { st in
            // A plugin in process isolation follows its `plugin-host` child, as an agent does.
            if let name = st.process, st.state == .loaded, let child = supervisor.child(name) {
                var out = st
                let snap = child.snapshot
                out.pid = snap.pid
                if snap.state == .failed {
                    out.state = .failed
                    out.error = "process failed: \(snap.lastExit?.reason ?? "see lightning ps")"
                }
                return out
            }
            guard st.kind == "agent", st.state == .running, let child = supervisor.child(st.id), child.currentState == .failed else { return st }
            var out = st
            out.state = .failed
            out.error = "process failed: \(child.snapshot.lastExit?.reason ?? "see lightning ps")"
            return out
        }
    }

    public func manifest(_ id: String) -> Manifest? { manifests.withLock { $0[id] } }

    func status(of m: Manifest, state: PluginStatus.State, error: String? = nil, sha256: String? = nil) -> PluginStatus {
        PluginStatus(id: m.id, name: m.name, kind: m.kind.rawValue, version: m.version.description, provides: m.provides?.rawValue,
                     capabilities: m.capabilities.isEmpty ? nil : m.capabilities, isolation: m.isolation.rawValue,
                     state: state, manifest: m.displayPath, library: m.libraryURL(pluginDirs: pluginDirs)?.path,
                     sha256: sha256, error: error, signature: signatures.withLock { $0[m.id] })
    }

    func markFailed(_ m: Manifest, _ reason: String) {
        statuses.withLock { $0[m.id] = status(of: m, state: .failed, error: reason) }
    }
}
