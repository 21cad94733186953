public import Foundation
public import LightningProtocol

/// What every plugin instance is, once created from its configuration: something that answers
/// method calls with JSON bytes. Plugin authors normally conform to one of the typed protocols
/// (`StoragePlugin`, `EventBusPlugin`, `DriverPlugin`), whose extensions implement `handle` by
/// decoding params, calling the typed method and encoding its result.
///
/// Threading: `handle` may be called concurrently from many tasks; instances guard their state.
public protocol PluginInstance: AnyObject, Sendable {
    /// Answers one call. Throw `WireError` to choose the error code the caller sees; any other
    /// error becomes `internal` with its description.
    func handle(method: String, params: Data) async throws -> Data
    /// Called once when the host destroys the instance, after its last call completed.
    func shutdown() async
}

extension PluginInstance {
    public func shutdown() async {}
}

/// Helpers used by the typed dispatchers.
public enum Dispatch {
    /// Decodes `params`, runs `body`, encodes its result.
    @inlinable
    public static func typed<P: Decodable, R: Encodable>(
        _ params: Data, as: P.Type, _ body: (P) async throws -> R
    ) async throws -> Data {
        let p = try Wire.decode(P.self, from: params.isEmpty ? Data("{}".utf8) : params)
        return try Wire.encode(try await body(p))
    }

    /// The error for a method this plugin does not know.
    public static func unknown(_ method: String, kind: String) -> WireError {
        WireError(.unsupported, "method \"\(method)\" is not part of the \(kind) contract (see docs/plugin-abi.md)")
    }
}
