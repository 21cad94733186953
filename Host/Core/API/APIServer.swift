import Foundation
public import Hummingbird
import LightningProtocol
import Logging
import NIOCore
public import ServiceLifecycle

/// The REST API of the daemon (docs/api.md). Routes are grouped by area in `APIServer+*.swift`.
public struct APIServer: Sendable {
    let daemon: Daemon
    let logger: Logger

    public init(daemon: Daemon) {
        self.daemon = daemon
        self.logger = Logger(label: "lt.api")
    }

    /// The router with every route, usable in memory (tests) or behind a server.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: JSONErrorMiddleware(logger: logger))
        router.add(middleware: AuthMiddleware(enabled: daemon.config.authEnabled, store: { [daemon] in daemon.tokens }))
        router.add(middleware: AuditMiddleware(router: daemon.router, logger: logger))
        addSystemRoutes(router)
        addEventRoutes(router)
        addStreamRoutes(router)
        addProcessRoutes(router)
        addFunctionRoutes(router)
        addContainerRoutes(router)
        addStorageRoutes(router)
        addTokenRoutes(router)
        addPlanRoutes(router)
        addRunRoutes(router)
        return router
    }

    /// The HTTP service. `onListening` receives the bound port (useful with port 0).
    public func makeApplication(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> any Service {
        Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(daemon.config.host, port: daemon.config.port), serverName: "lightning"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    /// Runs `body`, mapping any error to an error response.
    func respond(_ body: () async throws -> Response) async -> Response {
        do { return try await body() } catch { return APIResponse.error(error, logger: logger) }
    }
}
