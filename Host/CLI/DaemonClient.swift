import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LightningProtocol

/// Options every client subcommand takes.
struct ClientOptions: ParsableArguments {
    @Option(name: .long, help: "Daemon URL, over TCP with a token (default: $LIGHTNING_URL; without either, the unix socket when a daemon answers on it, else http://127.0.0.1:7777).")
    var url: String?

    @Option(name: .long, help: "The daemon's unix socket: no token needed for the daemon's own user (default: $LIGHTNING_SOCKET, else $LIGHTNING_DATA_DIR/lightning.sock or .lightning/lightning.sock when a daemon answers there).")
    var socket: String?

    @Flag(name: .long, help: "Print the raw JSON answer.")
    var json = false

    @Option(name: .long, help: "File holding the API token, mode 0600 (default: $LIGHTNING_TOKEN, $LIGHTNING_TOKEN_FILE, or $LIGHTNING_DATA_DIR/admin.token, else .lightning/admin.token).")
    var tokenFile: String?

    /// TCP with a token when a URL is given (`--url`, `LIGHTNING_URL`); else the unix socket
    /// named (`--socket`, `LIGHTNING_SOCKET`), or the data folder's when a daemon answers on it;
    /// else TCP on the default address.
    var client: DaemonClient {
        let env = ProcessInfo.processInfo.environment
        let base = url ?? env["LIGHTNING_URL"].flatMap { $0.isEmpty ? nil : $0 }
        var client = DaemonClient(base: base ?? "http://127.0.0.1:7777", token: ClientToken(tokenFile: tokenFile, environment: env))
        if let named = socket ?? env["LIGHTNING_SOCKET"].flatMap({ $0.isEmpty ? nil : $0 }) {
            client.socketPath = named
        } else if base == nil, tokenFile == nil, env["LIGHTNING_TOKEN"] == nil {
            let path = UnixSocketHTTP.defaultPath(environment: env)
            if UnixSocketHTTP.reachable(path) { client.socketPath = path }
        }
        return client
    }
}

/// A failure reported by the daemon (or reaching it): printed as is, exit code 1.
struct ClientFailure: Error, CustomStringConvertible {
    let description: String
}

/// A minimal HTTP client for the daemon's JSON API.
struct DaemonClient: Sendable {
    let base: String
    /// Where the bearer token comes from; resolved on every request.
    var token = ClientToken(tokenFile: nil, environment: [:])
    /// The daemon's unix socket: when set, JSON calls go through it without a token (the daemon
    /// decides by the caller's uid); `events tail` still uses `base` and a token.
    var socketPath: String?

    /// The `Authorization` header to send, if a token was found.
    func authorization() throws -> (header: String, source: String)? {
        try token.resolve().map { ("Bearer \($0.secret)", $0.source) }
    }

    /// Sends a request; returns the decoded JSON body for 2xx, throws `ClientFailure` otherwise.
    /// - Parameters:
    ///   - accepting: non-2xx statuses whose JSON body is still the answer (e.g. 503 of /health).
    ///   - timeout: how long the request may go without an answer over TCP; nil: URLSession's 60 s
    ///     (`waitingTimeout` for operations the daemon answers only when they end).
    func send(_ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:],
              accepting: Set<Int> = [], timeout: TimeInterval? = nil) async throws -> JSONValue {
        if let socketPath {
            var h = headers
            if body != nil { h["Content-Type"] = "application/json" }
            let (status, data) = try UnixSocketHTTP.send(path: socketPath, method: method, target: path, headers: h, body: body)
            return try answer(status: status, data: data, accepting: accepting, socket: socketPath, hint: "")
        }
        guard let url = URL(string: base + path) else { throw ClientFailure(description: "invalid daemon URL: \(base + path)") }
        var req = URLRequest(url: url)
        req.httpMethod = method
        req.httpBody = body
        if body != nil { req.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        let auth = try authorization()
        if let auth { req.setValue(auth.header, forHTTPHeaderField: "Authorization") }
        for (k, v) in headers { req.setValue(v, forHTTPHeaderField: k) }
        var session = URLSession.shared
        if let timeout {
            req.timeoutInterval = timeout
            let configuration = URLSessionConfiguration.default
            configuration.timeoutIntervalForRequest = timeout
            configuration.timeoutIntervalForResource = timeout
            session = URLSession(configuration: configuration)
        }
        defer { if timeout != nil { session.finishTasksAndInvalidate() } }
        let (data, response): (Data, URLResponse)
        do { (data, response) = try await session.data(for: req) } catch {
            throw ClientFailure(description: "cannot reach the daemon at \(base): \(error.localizedDescription) (is `lightning serve` running?)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let hint = status == 401 ? (auth.map { " [token from \($0.source)]" } ?? " [no token found; looked at \(token.searched)]") : ""
        return try answer(status: status, data: data, accepting: accepting, socket: nil, hint: hint)
    }

    /// The JSON body of a 2xx (or accepted) answer; otherwise the daemon's error as a `ClientFailure`.
    private func answer(status: Int, data: Data, accepting: Set<Int>, socket: String?, hint: String) throws -> JSONValue {
        let json = data.isEmpty ? JSONValue.null : ((try? JSONDecoder().decode(JSONValue.self, from: data)) ?? .string(String(decoding: data, as: UTF8.self)))
        guard (200..<300).contains(status) || accepting.contains(status) else {
            if let e = json["error"], let msg = e["message"]?.stringValue {
                throw ClientFailure(description: "\(msg) (\(e["code"]?.stringValue ?? "error"), HTTP \(status)\(socket.map { ", over unix:\($0)" } ?? ""))\(hint)")
            }
            throw ClientFailure(description: "HTTP \(status)\(socket.map { " over unix:\($0)" } ?? ""): \(String(decoding: data.prefix(500), as: UTF8.self))")
        }
        return json
    }

    func get(_ path: String, accepting: Set<Int> = []) async throws -> JSONValue { try await send("GET", path, accepting: accepting) }

    func post(_ path: String, _ value: JSONValue) async throws -> JSONValue {
        try await send("POST", path, body: try Wire.encode(value))
    }
}

/// Output helpers.
enum Output {
    static func json(_ v: JSONValue) {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: (try? enc.encode(v)) ?? Data(), as: UTF8.self))
    }

    /// Prints rows as an aligned table with a header.
    static func table(_ header: [String], _ rows: [[String]]) {
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i == cells.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
        print(line(header))
        for r in rows { print(line(r)) }
    }

    static func text(_ v: JSONValue?) -> String {
        switch v {
        case nil, .null?: return "-"
        case .string(let s)?: return s
        case .int(let i)?: return String(i)
        case .double(let d)?: return String(format: "%.2f", d)
        case .bool(let b)?: return String(b)
        case .array(let a)?: return a.map { text($0) }.joined(separator: ",")
        case .object?: return "{…}"
        }
    }
}

/// Parses a JSON argument, naming the option when it is malformed.
func parseJSONArgument(_ text: String, option: String) throws -> JSONValue {
    do { return try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) } catch let e as DecodingError {
        throw ValidationError("\(option): expected JSON, \(Wire.describe(e))")
    }
}
