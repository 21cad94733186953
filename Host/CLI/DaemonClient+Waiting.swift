import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LightningProtocol

extension DaemonClient {
    /// How long a waiting request may go without a byte from the daemon: a week, i.e. no
    /// practical limit (the operation ends the wait, or the user does with Ctrl-C).
    static let waitingTimeout: TimeInterval = 7 * 24 * 3600

    /// `send` for a request the daemon answers only when a long operation ends (a provider swap
    /// with a copy): the same answer and failures, without the client's 60 s timeout.
    /// - Throws: `ClientFailure` naming the daemon's error (message, code, HTTP status), or that it
    ///   could not be reached.
    func sendWithoutTimeout(_ method: String, _ path: String, body: Data) async throws -> JSONValue {
        try await send(method, path, body: body, timeout: Self.waitingTimeout)
    }
}
