import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import AzureSupport
import LightningProtocol

extension AzureFunctions {
    /// Sends one invocation and turns Azure's answer into an `Invocation`. A reply other than
    /// 2xx is a `failed` invocation whose error code follows the status (`statusCode`).
    /// A request that gets no answer within `timeout_ms` is a `failed` invocation with `timeout`.
    /// - Throws: `WireError(.throttled)` when Azure still answers 429 after the retries,
    ///   `.unavailable` when the app cannot be reached, `.invalidArgument` when the
    ///   input cannot be sent with a GET or DELETE function.
    /// The caller's idempotency key, when given, goes as the `Idempotency-Key` header (on every
    /// retry of this request too): Azure Functions does not deduplicate on it, the function's own
    /// code can (docs/functions.md#idempotency-keys).
    func run(_ f: AzureFunctionsConfig.Function, input: JSONValue, id: String, started: Timestamp, idempotencyKey: String? = nil) async throws -> Invocation {
        var request = try f.trigger == .http ? httpRequest(f, input: input) : adminRequest(f, input: input)
        if let idempotencyKey { request.setValue(idempotencyKey, forHTTPHeaderField: "Idempotency-Key") }
        book.started(f.name)
        let clock = ContinuousClock()
        let t0 = clock.now
        let reply: HTTPReply
        do {
            reply = try await http.send({ request }, policy: policy)
        } catch let e as WireError where e.code == .timeout {
            // The request was sent and the function may have run: the contract's answer for a
            // function that outlived its time is a failed invocation with `timeout`, not a thrown error.
            let inv = Invocation(invocationId: id, function: f.name, status: .failed,
                                 error: WireError(.timeout, "function \"\(f.name)\": \(request.httpMethod ?? "POST") \(AzureHTTP.where(request)) did not answer within \(config.timeoutMs) ms"),
                                 durationMs: Self.ms(since: started), instance: appHost, startedAt: started)
            book.finished(f.name, invocation: inv, thrown: nil)
            return inv
        } catch {
            let e = error as? WireError ?? WireError(.internal, "\(error)")
            book.finished(f.name, invocation: nil, thrown: e)
            throw e
        }
        let elapsed = clock.now - t0
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        var inv = Invocation(invocationId: id, function: f.name, status: .succeeded, durationMs: ms, instance: appHost, startedAt: started)
        if (200..<300).contains(reply.status) {
            if f.trigger == .http {
                inv.output = Self.output(reply.body)
            } else {
                // Azure runs the function in the background and returns no output (202 Accepted).
                inv.output = .null
                inv.instance = "\(appHost) (admin invoke: HTTP \(reply.status) accepted; Azure returns no output for non-HTTP functions)"
            }
        } else {
            inv.status = .failed
            inv.error = WireError(Self.code(for: reply.status), failure(f, request: request, reply: reply))
        }
        book.finished(f.name, invocation: inv, thrown: nil)
        return inv
    }

    /// `{method} {app_url}/{route_prefix}/{route}` with the input as the JSON body (POST, PUT,
    /// PATCH) or as query parameters (GET, DELETE: the input must then be null or an object of
    /// strings, numbers and booleans).
    func httpRequest(_ f: AzureFunctionsConfig.Function, input: JSONValue) throws -> URLRequest {
        let path = (config.routePrefix.isEmpty ? "" : "/" + config.routePrefix) + "/" + f.route
        guard var c = URLComponents(url: config.appURL, resolvingAgainstBaseURL: false) else {
            throw WireError(.internal, "app_url \(config.appURL) cannot be decomposed")
        }
        c.percentEncodedPath = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path
        var body: Data?
        if f.method == "GET" || f.method == "DELETE" {
            var items: [URLQueryItem] = []
            switch input {
            case .null: break
            case .object(let o):
                for (k, v) in o.sorted(by: { $0.key < $1.key }) {
                    switch v {
                    case .string(let s): items.append(URLQueryItem(name: k, value: s))
                    case .int, .double, .bool: items.append(URLQueryItem(name: k, value: "\(v)"))
                    case .null: continue
                    default:
                        throw WireError(.invalidArgument, "function \"\(f.name)\" is invoked with \(f.method): input field \"\(k)\": expected a string, number or boolean (sent as a query parameter), got \(v.typeDescription)")
                    }
                }
            default:
                throw WireError(.invalidArgument, "function \"\(f.name)\" is invoked with \(f.method): expected an object input (sent as query parameters) or null, got \(input.typeDescription)")
            }
            c.queryItems = items.isEmpty ? nil : items
        } else {
            body = try Wire.encode(input)
        }
        guard let url = c.url else { throw WireError(.internal, "cannot build the URL of function \"\(f.name)\" from route \"\(f.route)\"") }
        var r = URLRequest(url: url)
        r.httpMethod = f.method
        r.setValue("application/json", forHTTPHeaderField: "Accept")
        if let body {
            r.httpBody = body
            r.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let key = config.key(for: f) { r.setValue(key.exposed, forHTTPHeaderField: "x-functions-key") }
        r.setValue("lightning-azure-functions/1.0.0", forHTTPHeaderField: "User-Agent")
        return r
    }

    /// `POST {app_url}/admin/functions/{name}` with the master key and `{"input": "<text>"}`:
    /// a string input is sent as is, any other JSON as its compact text, null as `{}`.
    func adminRequest(_ f: AzureFunctionsConfig.Function, input: JSONValue) throws -> URLRequest {
        guard let key = config.masterKey else {
            throw WireError(.invalidArgument, "function \"\(f.name)\" has trigger \"other\": running it needs the app's master key (config \"master_key\"), which is not set")
        }
        let url = config.appURL.appendingPathComponent("admin/functions").appendingPathComponent(f.name)
        let text: String?
        switch input {
        case .null: text = nil
        case .string(let s): text = s
        default: text = String(decoding: try Wire.encode(input), as: UTF8.self)
        }
        var r = URLRequest(url: url)
        r.httpMethod = "POST"
        r.httpBody = try Wire.encode(text.map { ["input": JSONValue.string($0)] } ?? [:])
        r.setValue("application/json", forHTTPHeaderField: "Content-Type")
        r.setValue(key.exposed, forHTTPHeaderField: "x-functions-key")
        r.setValue("lightning-azure-functions/1.0.0", forHTTPHeaderField: "User-Agent")
        return r
    }

    /// The reply body: JSON when it parses, else the text; an empty body is null.
    static func output(_ body: Data) -> JSONValue {
        if body.isEmpty { return .null }
        if let v = try? Wire.decode(JSONValue.self, from: body) { return v }
        return .string(String(decoding: body, as: UTF8.self))
    }

    /// The error code a status stands for.
    static func code(for status: Int) -> WireError.Code {
        switch status {
        case 400, 413, 414, 415, 422: return .invalidArgument
        case 401, 403: return .unauthenticated
        case 404, 410: return .notFound
        case 408, 504: return .timeout
        case 409: return .conflict
        case 412: return .preconditionFailed
        case 429: return .throttled
        case 501: return .unsupported
        case 502, 503: return .unavailable
        case 400..<500: return .invalidArgument
        default: return .internal
        }
    }

    /// `function "x": POST http://app/api/x answered HTTP 401: <body excerpt>` plus a hint for
    /// 401/403 and 404. Never a key: keys travel in a header and are scrubbed from the excerpt.
    func failure(_ f: AzureFunctionsConfig.Function, request: URLRequest, reply: HTTPReply) -> String {
        var excerpt = reply.bodyText(limit: 300).trimmingCharacters(in: .whitespacesAndNewlines)
        for s in config.secrets { excerpt = excerpt.replacingOccurrences(of: s.exposed, with: "***") }
        let hint: String
        switch reply.status {
        case 401, 403:
            hint = f.trigger == .http
                ? " (the key was refused: set the function's \"key\", or \"function_key\"/\"master_key\")"
                : " (the master key was refused: check \"master_key\")"
        case 404: hint = " (no such function on the app, or it is disabled; check \"name\"/\"route\" and \"route_prefix\")"
        default: hint = ""
        }
        let body = excerpt.isEmpty ? "empty body" : excerpt
        return "function \"\(f.name)\": \(request.httpMethod ?? "POST") \(AzureHTTP.where(request)) answered HTTP \(reply.status)\(hint): \(body)"
    }
}
