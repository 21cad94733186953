public import ServiceLifecycle

/// The daemon's start and stop as a `Service` of its `ServiceGroup` (docs/architecture.md):
/// `run()` starts the daemon (scan, bind providers, start agents and drivers) while the
/// supervisor service already owns the children's loops, opens `Daemon.started` for the services
/// that need a started daemon (`AfterStart`), and closes everything at graceful shutdown: the
/// group's shutdown, not a call after it returns.
public struct DaemonLifecycle: Service {
    let daemon: Daemon

    public init(daemon: Daemon) { self.daemon = daemon }

    /// A start that failed (no event bus, a provider choice that names nothing): the group stops.
    public struct StartFailed: Error, CustomStringConvertible {
        public let underlying: any Error
        public var description: String { "\(underlying)" }
    }

    public func run() async throws {
        do {
            try await daemon.start()
        } catch {
            await daemon.shutdown()
            daemon.started.update { $0 = .failed }
            throw StartFailed(underlying: error)
        }
        daemon.started.update { $0 = .started }
        try? await gracefulShutdown()
        await daemon.shutdown()
    }
}

/// Runs `service` once the daemon has started. When the start failed it never runs: it waits for
/// the group's shutdown (which the lifecycle's error begins), so the start's error is the group's.
public struct AfterStart: Service {
    let daemon: Daemon
    let service: any Service

    public init(_ service: any Service, daemon: Daemon) { self.service = service; self.daemon = daemon }

    public func run() async throws {
        let started = daemon.started
        let ok = await cancelOnGracefulShutdown { await started.wait { $0 != .starting } } ?? false
        guard ok, started.value == .started else {
            try? await gracefulShutdown()
            return
        }
        try await service.run()
    }
}

extension Daemon {
    /// Where the daemon's start is: services gated by `AfterStart` wait for `started`.
    public enum StartState: Sendable, Equatable { case starting, started, failed }
}

