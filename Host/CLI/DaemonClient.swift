import ArgumentParser
import Foundation
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

/// Where the daemon is and how to reach it; its calls go through the client generated from
/// Host/API/openapi.json (`call`, `eventStream` in DaemonClient+API.swift).
struct DaemonClient: Sendable {
    let base: String
    /// Where the bearer token comes from; resolved on every request.
    var token = ClientToken(tokenFile: nil, environment: [:])
    /// The daemon's unix socket: when set, JSON calls go through it without a token (the daemon
    /// decides by the caller's uid); the event stream still uses `base` and a token.
    var socketPath: String?

    /// The `Authorization` header to send, if a token was found.
    func authorization() throws -> (header: String, source: String)? {
        try token.resolve().map { ("Bearer \($0.secret)", $0.source) }
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
