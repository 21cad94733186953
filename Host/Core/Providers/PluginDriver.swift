import Foundation
public import LightningProtocol

/// A driver plugin (in either isolation tier), seen by the router as a `DriverEndpoint`.
public struct PluginDriver: DriverEndpoint {
    public let name: String
    public let capabilities: [String]
    public let maxConcurrency: Int?
    let connection: any ProviderConnection
    /// The sha256 its manifest pins (crash markers name it, so a new library lifts a quarantine).
    public let sha256: String

    public init(name: String, capabilities: [String], maxConcurrency: Int? = nil, connection: any ProviderConnection, sha256: String = "") {
        self.name = name; self.capabilities = capabilities; self.maxConcurrency = maxConcurrency; self.connection = connection
        self.sha256 = sha256
    }

    /// Its code runs inside the daemon: a crash there is the daemon's (crash markers apply).
    var inProcess: Bool { connection is InProcessConnection }

    public func handle(_ event: Event) async throws -> [Event] {
        try await connection.call(Method.handle, HandleRequest(event: event), as: HandleResult.self).events
    }
}
