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
        guard let url = URL(string: base + path) else { throw ClientFailure(description: "invalid daemon URL: \(base + path)") }
        var req = URLRequest(url: url)
        req.httpMethod = method
        req.httpBody = body
        req.timeoutInterval = Self.waitingTimeout
        req.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let auth = try authorization()
        if let auth { req.setValue(auth.header, forHTTPHeaderField: "Authorization") }
        let configuration = URLSessionConfiguration.default
        configuration.timeoutIntervalForRequest = Self.waitingTimeout
        configuration.timeoutIntervalForResource = Self.waitingTimeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let (data, response): (Data, URLResponse)
        do { (data, response) = try await session.data(for: req) } catch {
            throw ClientFailure(description: "cannot reach the daemon at \(base): \(error.localizedDescription) (is `lightning serve` running?)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let json = data.isEmpty ? JSONValue.null : ((try? JSONDecoder().decode(JSONValue.self, from: data)) ?? .string(String(decoding: data, as: UTF8.self)))
        guard (200..<300).contains(status) else {
            if let e = json["error"], let msg = e["message"]?.stringValue {
                let hint = status == 401 ? (auth.map { " [token from \($0.source)]" } ?? " [no token found; looked at \(token.searched)]") : ""
                throw ClientFailure(description: "\(msg) (\(e["code"]?.stringValue ?? "error"), HTTP \(status))\(hint)")
            }
            throw ClientFailure(description: "HTTP \(status): \(String(decoding: data.prefix(500), as: UTF8.self))")
        }
        return json
    }
}
