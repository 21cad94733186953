import Foundation
import HummingbirdCore
import HummingbirdTLS
#if canImport(Glibc)
import Glibc
#endif
public import Hummingbird
import LightningProtocol
import Logging
import NIOCore
public import ServiceLifecycle

/// The REST API of the daemon (docs/api.md). Routes are grouped by area in `APIServer+*.swift`.
public struct APIServer: Sendable {
    let daemon: Daemon
    let logger: Logger
    /// The routes `makeRouter` registered, read back from the router (405s, `GET /`).
    let routeTable = RouteTable()

    public init(daemon: Daemon) {
        self.daemon = daemon
        self.logger = Logger(label: "lt.api")
    }

    /// The router with every route, usable in memory (tests) or behind a server.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: JSONErrorMiddleware(logger: logger, routes: routeTable))
        router.add(middleware: AuthMiddleware(enabled: daemon.config.authEnabled, store: { [daemon] in daemon.tokens },
                                              unixSocket: UnixSocketPolicy(daemonUID: getuid(), allowedUIDs: Set(daemon.config.unixSocketAllowUIDs))))
        router.add(middleware: AuditMiddleware(router: daemon.router, logger: logger))
        router.add(middleware: JSONShapeLimitsMiddleware(limits: daemon.config.http.jsonShape))
        addSystemRoutes(router)
        addEventRoutes(router)
        // The operations generated from Host/API/openapi.json (Host/APIServer's config lists them).
        do { try TypedAPI(daemon: daemon, logger: logger).register(on: router) } catch {
            fatalError("the generated API routes did not register: \(error)")  // only a malformed server URL throws; none is set
        }
        routeTable.load(router.routes)
        return router
    }

    /// The HTTP service on TCP. `onListening` receives the bound port (useful with port 0).
    /// Connections are capped (`ConnectionBudget`, from `http.max_connections` and the
    /// file-descriptor limit) and each runs under the `http` limits and deadlines (`FrontDoorChannel`).
    /// With `tls` in the config, the listener speaks HTTPS only (HummingbirdTLS).
    /// - Throws: `HostError(.configInvalid)` when the TLS files cannot be read.
    public func makeApplication(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> any Service {
        let limits = daemon.config.http
        let fdLimit = FileDescriptorLimit.current()?.soft ?? 1024
        let budget = ConnectionBudget.resolve(configured: limits.maxConnections, fdLimit: fdLimit)
        if let lowered = budget.lowered { logger.notice("\(lowered)") }
        logger.info("HTTP: at most \(budget.cap) connections; idle timeout \(limits.idleTimeoutMs) ms, head \(limits.headerTimeoutMs) ms, body gap \(limits.bodyTimeoutMs) ms; body ≤ \(limits.maxBodyBytes) B, head ≤ \(limits.maxHeaderBytes) B, target ≤ \(limits.maxURIBytes) B")
        let registry = ConnectionRegistry()
        return Application(
            router: makeRouter(),
            server: try daemon.config.tls.map { try HTTPServerBuilder.tls(.frontDoor(limits: limits, registry: registry), tlsConfiguration: try $0.serverConfiguration()) }
                ?? .frontDoor(limits: limits, registry: registry),
            configuration: .init(address: .hostname(daemon.config.host, port: daemon.config.port), serverName: "lightning",
                                 availableConnectionsDelegate: ConnectionCap(cap: budget.cap, registry: registry)),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    /// Connections the unix socket holds at most (beside the TCP cap: the operator's way in
    /// while TCP is full).
    static let unixSocketConnections = 64

    /// The HTTP service on the unix socket `path` (mode 0600 once bound), for local
    /// administration: each request runs as its peer's uid decides (`UnixSocketPolicy`), no token.
    /// Same routes, limits and deadlines as TCP; its own connection cap.
    public func makeUnixApplication(path: String, onListening: @escaping @Sendable () async -> Void = {}) -> any Service {
        let registry = ConnectionRegistry()
        let logger = self.logger
        return Application(
            router: makeRouter(),
            server: .frontDoor(limits: daemon.config.http, registry: registry, readsPeerCredentials: true),
            configuration: .init(address: .unixDomainSocket(path: path), serverName: "lightning",
                                 availableConnectionsDelegate: ConnectionCap(cap: Self.unixSocketConnections, registry: registry)),
            onServerRunning: { _ in
                // Owner only: other local users cannot even connect (SO_PEERCRED decides for those who can).
                if chmod(path, 0o600) != 0 { logger.error("unix socket \(path): \(SystemCallFailed(call: "chmod(0600)", errno: errno))") }
                await onListening()
            },
            logger: logger
        )
    }
}
