import Foundation
import LightningProtocol
import Synchronization

/// The reader thread's side: every line from the host is classified and dealt with here,
/// synchronously, so nothing that must be prompt (`$/ping`, responses, `$/cancel`) waits for
/// a busy handler.
extension Child {
    /// Handles one item from the reader; false stops the reader.
    func receive(_ item: LineReader.Item) -> Bool {
        switch item {
        case .line(let data):
            return receiveLine(data)
        case .oversize(let prefix, let length):
            receiveOversize(prefix: prefix, length: length)
            return true
        case .end(let failure):
            if let failure { ChildDiagnostics.note("stdin: \(failure)") }
            finish(WireError(.unavailable, "host connection closed"))
            return false
        }
    }

    private func receiveLine(_ data: Data) -> Bool {
        let message: RPCMessage
        do {
            message = try RPCMessage.parse(data)
        } catch {
            rejectMalformed(data, error)
            return true
        }
        switch message {
        case .request(let id, let method, let params):
            receiveRequest(id: id, method: method, params: params)
        case .notification(let method, let params):
            return receiveNotification(method: method, params: params)
        case .response(let id, let result):
            if !connection.pending.resolve(id, with: .success(result)) {
                ChildDiagnostics.note("response to unknown request id \(id) ignored")
            }
        case .errorResponse(let id?, let error):
            if !connection.pending.resolve(id, with: .failure(error.wireError)) {
                ChildDiagnostics.note("error response to unknown request id \(id) ignored: \(error)")
            }
        case .errorResponse(nil, let error):
            // The host could not read one of our lines; we cannot tell which.
            ChildDiagnostics.note("host reported a malformed message from this child: \(error)")
        }
        return true
    }

    /// Answers a line that is not a JSON-RPC message with `"id": null`, as docs/protocol.md
    /// says, even when an id could be read. A malformed *response* (no `method`) carrying the id
    /// of one of this child's pending calls also fails that call, so it does not wait forever.
    private func rejectMalformed(_ data: Data, _ failure: RPCErrorWithID) {
        if let id = failure.id {
            let object = (try? JSONDecoder().decode(JSONValue.self, from: data))?.objectValue
            if object?["method"] == nil {
                connection.pending.fail(id, WireError(.internal, "malformed response from host: \(failure.error.message)"))
            }
        }
        connection.respond(nil, error: failure.error)
    }

    private func receiveOversize(prefix: Data, length: Int) {
        let limit = connection.maxMessageBytes
        let found = OversizeProbe.scan(prefix)
        let text = "message of \(length) bytes is over max_message_bytes \(limit)"
        ChildDiagnostics.note("stdin: \(text)")
        guard let id = found.id else { return }
        if found.hasMethod {
            connection.respond(id, error: RPCError(code: RPCError.messageTooLarge, message: text))
        } else if found.isResponse {
            connection.pending.fail(id, WireError(.internal, "response \(text)"))
        }
    }

    private func receiveNotification(method: String, params: JSONValue?) -> Bool {
        switch method {
        case ChildProtocol.exit:
            finish(WireError(.unavailable, "child is exiting"))
            return false
        case ChildProtocol.cancel:
            guard let id = try? (params ?? .null).decode(CancelParams.self, what: "params").id else {
                ChildDiagnostics.note("$/cancel without a valid id ignored")
                return true
            }
            let task = state.withLock { s -> Task<Void, Never>? in
                guard let t = s.inFlight[id] else { return nil }
                s.cancelled.insert(id)
                return t
            }
            task?.cancel()
        default:
            // `initialized` and notifications this SDK does not know need no action.
            break
        }
        return true
    }

    private func receiveRequest(id: RPCID, method: String, params: JSONValue?) {
        switch method {
        case ChildProtocol.ping:
            connection.respond(id, result: .object([:]))
        case ChildProtocol.initialize:
            initialize(id: id, params: params)
        case ChildProtocol.shutdown:
            shutdown(id: id)
        case ChildProtocol.handleEvent, ChildProtocol.invoke, Method.health:
            start(id: id, method: method, params: params ?? .object([:]))
        default:
            connection.respond(id, error: RPCError(WireError(.unsupported, "method not found: \"\(method)\"")))
        }
    }

    /// The handshake, answered on the reader thread so the new line limit applies to the very
    /// next line.
    private func initialize(id: RPCID, params: JSONValue?) {
        let phase = state.withLock { $0.phase }
        guard phase == .awaitingInitialize else {
            connection.respond(id, error: RPCError(code: RPCError.invalidRequest, message: "already initialized"))
            return
        }
        let advertised = state.withLock { $0.registry.advertisedVersion }
        // Check the version before the rest: another major may have changed other fields.
        if let hostVersion = params?["protocol_version"]?.stringValue,
           ChildProtocol.major(of: hostVersion) != ChildProtocol.majorVersion {
            connection.respond(id, error: RPCError(
                code: RPCError.unsupportedProtocol,
                message: "unsupported protocol version: host \(hostVersion), child \(advertised)"))
            Sys.exitProcess(1)
        }
        let p: InitializeParams
        do {
            // Lenient about the fields that have an obvious default.
            var object = params?.objectValue ?? [:]
            if object["config"] == nil { object["config"] = .object([:]) }
            if object["max_message_bytes"] == nil { object["max_message_bytes"] = .int(ChildProtocol.defaultMaxMessageBytes) }
            p = try JSONValue.object(object).decode(InitializeParams.self, what: "initialize params")
        } catch {
            connection.respond(id, error: Child.rpcError(for: error))
            return
        }
        var session = Session(p)
        if session.maxMessageBytes <= 0 { session.maxMessageBytes = ChildProtocol.defaultMaxMessageBytes }
        connection.maxMessageBytes = session.maxMessageBytes
        reader.setMaxLineBytes(session.maxMessageBytes)

        let registry = state.withLock { s -> Registry in
            s.session = session
            s.phase = .running
            return s.registry
        }
        let result = InitializeResult(
            protocolVersion: advertised, child: info,
            handles: registry.events.map(\.pattern), functions: registry.functionNames)
        do {
            connection.respond(id, result: try JSONValue(wire: result))
        } catch {
            connection.respond(id, error: Child.rpcError(for: error))
            return
        }
        if let hook = registry.initialize {
            let ctx = Context(session: session, connection: connection, requestID: nil)
            Task { await hook(ctx) }
        }
    }

    /// Stops taking new requests, waits for those in flight, then answers `{}`.
    private func shutdown(id: RPCID) {
        let waitFor = state.withLock { s -> [Task<Void, Never>]? in
            guard s.phase == .running || s.phase == .shuttingDown else { return nil }
            s.phase = .shuttingDown
            return Array(s.inFlight.values)
        }
        guard let waitFor else {
            connection.respond(id, error: RPCError(code: RPCError.invalidRequest, message: "\"initialize\" must come first"))
            return
        }
        Task { [connection] in
            for t in waitFor { await t.value }
            connection.respond(id, result: .object([:]))
        }
    }
}
