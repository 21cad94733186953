public import Foundation
import LightningProtocol

/// A live connection to one plugin instance, whatever its tier: in-process (through the C ABI)
/// or isolated in a child process (through the stdio protocol). The rest of the host talks to
/// providers and drivers only through this.
///
/// Threading: `call` may be used from many tasks at once.
public protocol ProviderConnection: Sendable {
    /// A name for logs and errors (`plugin sqlite-storage#2`).
    var label: String { get }
    /// Calls `method` with JSON `params`; returns the result JSON.
    /// - Throws: `WireError` as reported by the plugin (`not_found`, `conflict`, ...), or
    ///   `.unavailable` once the connection is closed.
    func call(_ method: String, _ params: Data) async throws -> Data
    /// Stops accepting calls, waits for in-flight calls to finish, then releases the instance.
    func close() async
}

extension ProviderConnection {
    /// Typed form of `call`: encodes `params`, decodes the result as `R`.
    public func call<P: Encodable, R: Decodable>(_ method: String, _ params: P, as: R.Type) async throws -> R {
        let out = try await call(method, try Wire.encode(params))
        return try Wire.decode(R.self, from: out, what: "result of \(method) from \(label)")
    }

    /// Calls a method that takes no params.
    public func call<R: Decodable>(_ method: String, as: R.Type) async throws -> R {
        try await call(method, Empty(), as: R.self)
    }
}
