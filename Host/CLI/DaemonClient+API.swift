import ArgumentParser
import Foundation
import HTTPTypes
import LightningAPIClient
import LightningProtocol
import OpenAPIRuntime
import Synchronization

/// The generated client (Host/APIClient, from Host/API/openapi.json) as the CLI uses it: every
/// subcommand calls an operation of `APIProtocol` with typed inputs, and prints the daemon's JSON
/// answer as it did before.
///
/// ```
///  subcommand ─▶ client.call { try await $0.listTasks(query: …) } ─▶ Client (generated)
///      ▲                                                                │ DaemonAnswer: token, status check, raw body
///      └────────────── JSONValue (the body as the daemon sent it) ◀─────┘ DaemonTransport: unix socket | TCP
/// ```
/// Rationale: the typed output is decoded (so an answer that does not match the document fails
/// here, naming the operation), but what is printed comes from the raw body: the human tables and
/// `--json` stay byte-for-byte what they were, fields the document leaves open included.
extension DaemonClient {
    /// Runs one generated operation and returns the daemon's answer.
    /// - Parameters:
    ///   - accepting: non-2xx statuses whose JSON body is still the answer (503 of /health, 422 of a plan).
    ///   - timeout: how long the daemon may stay silent over TCP; nil: 60 s
    ///     (`waitingTimeout` for operations the daemon answers only when they end).
    ///   - document: a document the user wrote (a plan or instruction file), sent exactly as
    ///     written instead of the operation's typed body, so the daemon reports its problems as
    ///     it would for any client; the typed body then only names the operation's content type.
    ///   - operation: the call on the generated client.
    /// - Returns: the body as JSON (`.null` when empty; a string when not JSON).
    /// - Throws: `ClientFailure` with the daemon's error message, code and status, or why it
    ///   could not be reached, or that its answer does not match the document.
    @discardableResult
    func call<Output: Sendable>(accepting: Set<Int> = [], timeout: TimeInterval? = nil, document: Data? = nil,
                                _ operation: @Sendable (Client) async throws -> Output) async throws -> JSONValue {
        let answer = DaemonAnswer(client: self, accepting: accepting, streaming: false, document: document)
        let client = try generated(middleware: answer, timeout: timeout, style: .request)
        do { _ = try await operation(client) } catch { throw Self.failure(error) }
        let data = answer.body.withLock { $0 } ?? Data()
        return data.isEmpty ? .null : ((try? JSONDecoder().decode(JSONValue.self, from: data)) ?? .string(String(decoding: data, as: UTF8.self)))
    }

    /// `GET /v1/events/stream` over TCP with the token (as before, also when the JSON calls use
    /// the unix socket): the server-sent events as they arrive.
    /// - Throws: `ClientFailure` with the daemon's error message and status, or the stream's failure.
    func eventStream(types: [String]) async throws -> some AsyncSequence<ServerSentEvent, any Error> {
        var tcp = self
        tcp.socketPath = nil
        let answer = DaemonAnswer(client: tcp, accepting: [], streaming: true, document: nil)
        let client = try tcp.generated(middleware: answer, timeout: 24 * 3600, style: .stream)
        let output: Operations.StreamEvents.Output
        do { output = try await client.streamEvents(query: .init(_type: types.isEmpty ? nil : types)) } catch { throw Self.failure(error) }
        switch output {
        case .ok(let ok): return try ok.body.textEventStream.asDecodedServerSentEvents()
        default: throw ClientFailure(description: "the daemon did not open the event stream: \(output)")
        }
    }

    private func generated(middleware: DaemonAnswer, timeout: TimeInterval?, style: DaemonTransport.FailureStyle) throws -> Client {
        guard let serverURL = URL(string: socketPath == nil ? base : "http://lightning") else {
            throw ClientFailure(description: "invalid daemon URL: \(base)")
        }
        var transport = DaemonTransport(route: socketPath.map { .unixSocket($0) } ?? .tcp, base: base, failureStyle: style)
        if let timeout {
            transport.requestTimeout = timeout
            if style == .request { transport.resourceTimeout = timeout }
        }
        return Client(serverURL: serverURL, configuration: .init(dateTranscoder: APITimestamps()), transport: transport, middlewares: [middleware])
    }

    /// A `ClientFailure` from what the generated client threw (it wraps what the transport and
    /// the middleware threw in `ClientError`).
    static func failure(_ error: any Error) -> any Error {
        guard let e = error as? ClientError else { return error }
        if let f = e.underlyingError as? ClientFailure { return f }
        let status = e.response.map { ", HTTP \($0.status.code)" } ?? ""
        return ClientFailure(description: "the daemon's answer to \(e.operationID) does not match the API document (Host/API/openapi.json\(status)): \(e.causeDescription): \(e.underlyingError)")
    }
}

/// The one middleware: sends the token over TCP, turns an error status into today's
/// `ClientFailure`, and keeps the body as the daemon sent it.
final class DaemonAnswer: ClientMiddleware {
    let client: DaemonClient
    let accepting: Set<Int>
    /// A 200 answer is passed on unread (the event stream); errors are still read and reported.
    let streaming: Bool
    /// Sent instead of the typed request body (see `DaemonClient.call`).
    let document: Data?
    /// The body of the accepted answer, exactly as received (at most one per call).
    let body = Mutex<Data?>(nil)

    init(client: DaemonClient, accepting: Set<Int>, streaming: Bool, document: Data?) {
        self.client = client
        self.accepting = accepting
        self.streaming = streaming
        self.document = document
    }

    func intercept(_ request: HTTPRequest, body requestBody: HTTPBody?, baseURL: URL, operationID: String,
                   next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        var auth: (header: String, source: String)?
        if client.socketPath == nil {
            auth = try client.authorization()
            if let auth { request.headerFields[.authorization] = auth.header }
        }
        if let document { request.headerFields[.contentLength] = String(document.count) }
        let (response, responseBody) = try await next(request, document.map { HTTPBody($0) } ?? requestBody, baseURL)
        let status = response.status.code
        if streaming && status == 200 { return (response, responseBody) }
        var data = Data()
        if let responseBody { data = try await Data(collecting: responseBody, upTo: 256 * 1024 * 1024) }
        guard (200..<300).contains(status) || accepting.contains(status) else {
            throw failure(status: status, data: data, auth: auth)
        }
        self.body.withLock { $0 = data }
        return (response, data.isEmpty ? nil : HTTPBody(data))
    }

    /// Today's messages: `MESSAGE (CODE, HTTP STATUS[, over unix:PATH])[ token hint]`, or the
    /// event stream's `MESSAGE (HTTP STATUS)`.
    private func failure(status: Int, data: Data, auth: (header: String, source: String)?) -> ClientFailure {
        let json = (try? JSONDecoder().decode(JSONValue.self, from: data)) ?? .string(String(decoding: data, as: UTF8.self))
        if streaming {
            let msg = json["error"]?["message"]?.stringValue ?? String(decoding: data.prefix(500), as: UTF8.self)
            return ClientFailure(description: "\(msg) (HTTP \(status))")
        }
        let socket = client.socketPath
        let hint = socket == nil && status == 401 ? (auth.map { " [token from \($0.source)]" } ?? " [no token found; looked at \(client.token.searched)]") : ""
        if let e = json["error"], let msg = e["message"]?.stringValue {
            return ClientFailure(description: "\(msg) (\(e["code"]?.stringValue ?? "error"), HTTP \(status)\(socket.map { ", over unix:\($0)" } ?? ""))\(hint)")
        }
        return ClientFailure(description: "HTTP \(status)\(socket.map { " over unix:\($0)" } ?? ""): \(String(decoding: data.prefix(500), as: UTF8.self))")
    }
}

/// The document's `Timestamp`: RFC 3339 with milliseconds as the daemon writes it; without
/// fractions also read (what `TimestampInput` accepts).
struct APITimestamps: DateTranscoder {
    private let withFractions = ISO8601DateTranscoder(options: [.withInternetDateTime, .withFractionalSeconds])
    private let plain = ISO8601DateTranscoder()
    func encode(_ date: Date) throws -> String { try withFractions.encode(date) }
    func decode(_ text: String) throws -> Date { try (try? withFractions.decode(text)) ?? plain.decode(text) }
}

/// A generated type from a JSON value the CLI built (options, files): the same JSON, typed.
/// - Throws: `ValidationError`-style `ClientFailure` naming what did not fit the document.
func typed<T: Decodable>(_ value: JSONValue, as type: T.Type = T.self, what: String) throws -> T {
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .custom { d in
        let text = try d.singleValueContainer().decode(String.self)
        do { return try APITimestamps().decode(text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: d.codingPath, debugDescription: "expected an RFC 3339 time, got \"\(text)\""))
        }
    }
    do { return try decoder.decode(T.self, from: try Wire.encode(value)) } catch let e as DecodingError {
        throw ClientFailure(description: "\(what): does not match the API document's \(T.self): \(Wire.describe(e))")
    }
}

/// A generated enum from an option's text.
/// - Throws: `ValidationError` naming the option, the values the document allows and the one given.
func option<E: RawRepresentable & CaseIterable>(_ text: String, as type: E.Type, _ name: String) throws -> E where E.RawValue == String {
    guard let value = E(rawValue: text) else {
        let allowed = E.allCases.map(\.rawValue)
        let list = allowed.count > 1 ? allowed.dropLast().joined(separator: ", ") + " or " + allowed.last! : allowed.joined()
        throw ValidationError("\(name): expected \(list), got \"\(text)\"")
    }
    return value
}
