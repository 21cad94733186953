import Foundation
public import LightningProtocol

/// A driver plugin loaded in-process, seen by the router as a `DriverEndpoint`.
public struct PluginDriver: DriverEndpoint {
    public let name: String
    public let capabilities: [String]
    public let maxConcurrency: Int?
    let connection: any ProviderConnection

    public init(name: String, capabilities: [String], maxConcurrency: Int? = nil, connection: any ProviderConnection) {
        self.name = name; self.capabilities = capabilities; self.maxConcurrency = maxConcurrency; self.connection = connection
    }

    public func handle(_ event: Event) async throws -> [Event] {
        try await connection.call(Method.handle, HandleRequest(event: event), as: HandleResult.self).events
    }
}
