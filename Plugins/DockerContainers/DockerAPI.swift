import DockerEngine
import Foundation
import LightningProtocol

/// The Docker Engine API calls the plugin makes, over `UnixHTTPClient`, with one mapping from
/// engine answers to `WireError`:
///
/// | engine | contract |
/// |---|---|
/// | socket missing, connection refused | `unavailable`, naming the socket path |
/// | 400 | `invalid_argument` with the engine's `message` |
/// | 401, 403 | `unauthenticated` |
/// | 404 | `not_found` |
/// | 409 | `conflict` |
/// | 500 with podman's `cause` "that name is already in use" or "container state improper" | `conflict` |
/// | 500 with podman's `cause` "no command or entrypoint provided, …" | `invalid_argument` |
/// | 500 and anything else | `internal` with the engine's `message` |
/// | deadline passed | `timeout` |
///
/// 304 is returned to the caller (start and stop treat it as success).
struct DockerAPI: Sendable {
    let client: UnixHTTPClient
    let config: DockerConfig

    init(config: DockerConfig) {
        self.config = config
        client = UnixHTTPClient(socketPath: config.socket)
    }

    /// `/v<api_version><path>?<query>`, with every query value percent-encoded.
    func target(_ path: String, _ query: [(String, String)] = []) -> String {
        var t = "/v\(config.apiVersion)\(path)"
        if !query.isEmpty { t += "?" + query.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&") }
        return t
    }

    /// A path segment or query value, percent-encoded (RFC 3986 unreserved characters stay).
    static func encode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(b)))
            default:
                out += String(format: "%%%02X", b)
            }
        }
        return out
    }

    /// Sends one request. Returns any response with a status in `accept` (the default: 2xx);
    /// every other status becomes a `WireError`.
    /// - Parameters:
    ///   - what: names the operation in errors (`create container "web"`).
    func send(_ method: String, _ path: String, query: [(String, String)] = [], body: EngineRequest.Body = .none,
              timeoutMs: Int? = nil, what: String, accept: Set<Int> = []) async throws -> HTTPResponse {
        let request = EngineRequest(method, target(path, query), body: body, timeoutMs: timeoutMs ?? config.requestTimeoutMs)
        let response: HTTPResponse
        do {
            response = try await client.send(request)
        } catch let e as EngineTransportError {
            throw transportError(e, what: what, timeoutMs: request.timeoutMs)
        }
        if (200..<300).contains(response.status) || accept.contains(response.status) { return response }
        throw Self.statusError(response, what: what)
    }

    func transportError(_ e: EngineTransportError, what: String, timeoutMs: Int) -> WireError {
        switch e.kind {
        case .unreachable:
            return WireError(.unavailable, "\(what): the container engine is not reachable on \(config.socket) (\(config.socketSource)): \(e.description); start Docker or podman, or set config \"socket\"")
        case .timedOut:
            return WireError(.timeout, "\(what): no complete answer from the engine on \(config.socket) within \(timeoutMs) ms")
        case .broken:
            return WireError(.unavailable, "\(what): \(e.description)")
        case .malformed:
            return WireError(.internal, "\(what): \(e.description)")
        case .localFile:
            return WireError(.invalidArgument, "\(what): \(e.description)")
        case .cancelled:
            return WireError(.cancelled, "\(what): cancelled")
        }
    }

    /// The error for a refused request: the engine's `message` (or its body) under the mapped code.
    static func statusError(_ r: HTTPResponse, what: String) -> WireError {
        let message = engineMessage(r)
        var code: WireError.Code
        switch r.status {
        case 400: code = .invalidArgument
        case 401, 403: code = .unauthenticated
        case 404: code = .notFound
        case 409: code = .conflict
        default: code = .internal
        }
        if r.status == 500, let c = podmanCauses[podmanCause(r) ?? ""] { code = c }
        return WireError(code, "\(what): \(message) (engine HTTP \(r.status))")
    }

    /// podman 4's compatible API answers some of Docker's 409s with a 500 whose `cause` says
    /// what happened (a duplicate name on create; removing a running container without force).
    static let podmanCauses: [String: WireError.Code] = [
        "that name is already in use": .conflict,
        "container state improper": .conflict,
        "no such container": .notFound,
        "image not known": .notFound,
        "no command or entrypoint provided, and no CMD or ENTRYPOINT from image": .invalidArgument,
    ]

    /// podman's `{"cause": ...}` next to the Docker-compatible `message`.
    static func podmanCause(_ r: HTTPResponse) -> String? {
        (try? JSONDecoder().decode(JSONValue.self, from: Data(r.body)))?["cause"]?.stringValue
    }

    /// `{"message": ...}` from an error body, or the body's first 300 bytes.
    static func engineMessage(_ r: HTTPResponse) -> String {
        if let v = try? JSONDecoder().decode(JSONValue.self, from: Data(r.body)), let m = v["message"]?.stringValue { return m }
        let text = r.bodyText.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? r.reason : String(text.prefix(300))
    }

    /// The body as JSON.
    static func json(_ r: HTTPResponse, what: String) throws -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(r.body))
        } catch {
            throw WireError(.internal, "\(what): the engine's answer is not JSON: \(r.bodyText.prefix(200))")
        }
    }

    /// The JSON objects of a progress stream (`/images/create`): one per line, or concatenated
    /// (an object split across chunks is whole here: the body is complete). Unparseable pieces
    /// are skipped; the caller looks for an `error` object among them.
    static func streamObjects(_ r: HTTPResponse) -> [JSONValue] {
        var objects: [JSONValue] = []
        let bytes = r.body
        var depth = 0, start = -1, inString = false, escaped = false
        for (i, b) in bytes.enumerated() {
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch b {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"):
                if depth == 0 { start = i }
                depth += 1
            case UInt8(ascii: "}"):
                depth -= 1
                if depth == 0, start >= 0 {
                    if let v = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes[start...i])) { objects.append(v) }
                    start = -1
                }
            default: break
            }
        }
        return objects
    }
}
