import HostCore
import LightningProtocol
import Testing

/// A plugin instance a cloud test loaded through the real loader and C ABI, with the calls every
/// such test makes.
protocol PluginHandle: Sendable {
    var connection: any ProviderConnection { get }
}

extension PluginHandle {
    func call<P: Encodable, R: Decodable>(_ method: String, _ params: P, as: R.Type = R.self) async throws -> R {
        try await connection.call(method, params, as: R.self)
    }

    /// Calls `method` expecting it to fail with `code`; returns the error.
    @discardableResult
    func expectError<P: Encodable>(_ method: String, _ params: P, _ code: WireError.Code,
                                   sourceLocation: SourceLocation = #_sourceLocation) async -> WireError? {
        do {
            _ = try await connection.call(method, try Wire.encode(params))
            Issue.record("\(method): expected error \(code), got success", sourceLocation: sourceLocation)
            return nil
        } catch let e as WireError {
            #expect(e.code == code, "\(method): \(e.message)", sourceLocation: sourceLocation)
            return e
        } catch {
            Issue.record("\(method): expected WireError \(code), got \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    func close() async { await connection.close() }
}
