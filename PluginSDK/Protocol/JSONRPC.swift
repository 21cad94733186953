public import Foundation

/// JSON-RPC 2.0 as Lightning's children speak it over stdio (docs/protocol.md): one message
/// per line, requests in both directions at once. A message with `method` is a request (with
/// `id`) or a notification (without); a message without `method` answers a request the
/// *receiver* sent, so ids chosen by the two sides never collide.
public enum RPCID: Hashable, Sendable, Codable, CustomStringConvertible {
    case int(Int64)
    case string(String)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int64.self) { self = .int(i); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        throw DecodingError.typeMismatch(RPCID.self, .init(codingPath: decoder.codingPath, debugDescription: "id must be an integer or a string"))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let i): try c.encode(i)
        case .string(let s): try c.encode(s)
        }
    }

    public var description: String {
        switch self {
        case .int(let i): return String(i)
        case .string(let s): return "\"\(s)\""
        }
    }
}

/// A JSON-RPC error object. `data.code` carries Lightning's `WireError` code when there is one.
public struct RPCError: Error, Codable, Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var data: JSONValue?

    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code; self.message = message; self.data = data
    }

    public var description: String { "JSON-RPC error \(code): \(message)" }

    // Standard codes.
    public static let parseError = -32700
    public static let invalidRequest = -32600
    public static let methodNotFound = -32601
    public static let invalidParams = -32602
    public static let internalError = -32603
    // Lightning's codes (docs/protocol.md#errors).
    /// An application error; `data.code` is the `WireError` code (`not_found`, `conflict`, ...).
    public static let applicationError = -32000
    /// `initialize` with a protocol major version the other side does not speak.
    public static let unsupportedProtocol = -32001
    /// The request did not complete before its deadline.
    public static let timeout = -32002
    /// Too many requests in flight; retry later.
    public static let overloaded = -32003
    /// The message was larger than the connection's limit.
    public static let messageTooLarge = -32004
    /// The request was cancelled (`$/cancel`), as in LSP.
    public static let requestCancelled = -32800

    /// The error for a `WireError`, keeping its code in `data.code`.
    public init(_ w: WireError) {
        let code: Int
        switch w.code {
        case .invalidArgument: code = RPCError.invalidParams
        case .unsupported: code = RPCError.methodNotFound
        case .timeout: code = RPCError.timeout
        case .cancelled: code = RPCError.requestCancelled
        case .throttled: code = RPCError.overloaded
        default: code = RPCError.applicationError
        }
        self.init(code: code, message: w.message, data: ["code": .string(w.code.rawValue)])
    }

    /// The `WireError` this stands for (from `data.code`, else from the JSON-RPC code).
    public var wireError: WireError {
        if let c = data?["code"]?.stringValue { return WireError(WireError.Code(c), message) }
        switch code {
        case RPCError.invalidParams, RPCError.invalidRequest, RPCError.parseError: return WireError(.invalidArgument, message)
        case RPCError.methodNotFound: return WireError(.unsupported, message)
        case RPCError.timeout: return WireError(.timeout, message)
        case RPCError.requestCancelled: return WireError(.cancelled, message)
        case RPCError.overloaded: return WireError(.throttled, message)
        default: return WireError(.internal, message)
        }
    }
}

/// One JSON-RPC message, as read from or written to a line.
public enum RPCMessage: Sendable, Equatable {
    case request(id: RPCID, method: String, params: JSONValue?)
    case notification(method: String, params: JSONValue?)
    case response(id: RPCID, result: JSONValue)
    case errorResponse(id: RPCID?, error: RPCError)

    /// Parses one line. Malformed input throws an `RPCError` ready to send back
    /// (`parseError` or `invalidRequest`), with the id when one could be read.
    public static func parse(_ line: Data) throws(RPCErrorWithID) -> RPCMessage {
        let value: JSONValue
        if let fast = FastJSON.parse(line) {
            value = fast
        } else {
            do { value = try JSONDecoder().decode(JSONValue.self, from: line) } catch {
                throw RPCErrorWithID(id: nil, error: RPCError(code: RPCError.parseError, message: "not valid JSON: \(String(decoding: line.prefix(80), as: UTF8.self))"))
            }
        }
        guard case .object(let o) = value else {
            throw RPCErrorWithID(id: nil, error: RPCError(code: RPCError.invalidRequest, message: "expected a JSON object, got \(value.typeDescription)"))
        }
        var id: RPCID?
        switch o["id"] {
        case nil, .null?: id = nil
        case .int(let i)?: id = .int(Int64(i))
        case .string(let s)?: id = .string(s)
        case let other?:
            throw RPCErrorWithID(id: nil, error: RPCError(code: RPCError.invalidRequest, message: "field \"id\": expected an integer or a string, got \(other.typeDescription)"))
        }
        guard o["jsonrpc"] == .string("2.0") else {
            throw RPCErrorWithID(id: id, error: RPCError(code: RPCError.invalidRequest, message: "field \"jsonrpc\": expected \"2.0\""))
        }
        if let m = o["method"] {
            guard case .string(let method) = m, !method.isEmpty else {
                throw RPCErrorWithID(id: id, error: RPCError(code: RPCError.invalidRequest, message: "field \"method\": expected a non-empty string"))
            }
            let params = o["params"]
            if let p = params, p.objectValue == nil, p.arrayValue == nil, p != .null {
                throw RPCErrorWithID(id: id, error: RPCError(code: RPCError.invalidRequest, message: "field \"params\": expected an object or an array"))
            }
            if let id { return .request(id: id, method: method, params: params) }
            return .notification(method: method, params: params)
        }
        if let e = o["error"] {
            guard let code = e["code"]?.intValue, let message = e["message"]?.stringValue else {
                throw RPCErrorWithID(id: id, error: RPCError(code: RPCError.invalidRequest, message: "field \"error\": expected {\"code\": integer, \"message\": string}"))
            }
            return .errorResponse(id: id, error: RPCError(code: code, message: message, data: e["data"]))
        }
        guard let id else {
            throw RPCErrorWithID(id: nil, error: RPCError(code: RPCError.invalidRequest, message: "expected \"method\", \"result\" or \"error\" with an \"id\""))
        }
        guard let result = o["result"] else {
            throw RPCErrorWithID(id: id, error: RPCError(code: RPCError.invalidRequest, message: "a response needs \"result\" or \"error\""))
        }
        return .response(id: id, result: result)
    }

    /// The message as one line of compact JSON, newline included.
    /// A request line with `params` encoded straight from its type (no `JSONValue` on the way).
    public static func requestLine<P: Encodable>(id: RPCID, method: String, params: P) throws -> Data {
        var data = try Wire.encode(TypedRequest(id: id, method: method, params: params))
        data.append(0x0A)
        return data
    }

    /// A response line whose result is already JSON (`{"id":…,"jsonrpc":"2.0","result":…}`, the
    /// keys in the order `line()` writes them), newline included. `resultJSON` must be one
    /// complete JSON value, as `Wire.encode` writes it.
    public static func responseLine(id: RPCID, resultJSON: Data) -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(resultJSON.count + 48)
        out.append(contentsOf: #"{"id":"#.utf8)
        switch id {
        case .int(let i): FastJSONEncoder.writeInt(Int(i), into: &out)
        case .string(let s): FastJSONEncoder.writeString(s, into: &out)
        }
        out.append(contentsOf: #","jsonrpc":"2.0","result":"#.utf8)
        out.append(contentsOf: resultJSON)
        out.append(contentsOf: "}\n".utf8)
        return Data(out)
    }

    public func line() -> Data {
        var o: [String: JSONValue] = ["jsonrpc": "2.0"]
        func idValue(_ id: RPCID) -> JSONValue {
            switch id { case .int(let i): return .int(Int(i)); case .string(let s): return .string(s) }
        }
        switch self {
        case .request(let id, let method, let params):
            o["id"] = idValue(id); o["method"] = .string(method)
            if let params { o["params"] = params }
        case .notification(let method, let params):
            o["method"] = .string(method)
            if let params { o["params"] = params }
        case .response(let id, let result):
            o["id"] = idValue(id); o["result"] = result
        case .errorResponse(let id, let error):
            o["id"] = id.map(idValue) ?? .null
            var e: [String: JSONValue] = ["code": .int(error.code), "message": .string(error.message)]
            if let d = error.data { e["data"] = d }
            o["error"] = .object(e)
        }
        var data = (try? Wire.encode(JSONValue.object(o))) ?? Data(#"{"jsonrpc":"2.0","error":{"code":-32603,"message":"unencodable"},"id":null}"#.utf8)
        data.append(0x0A)
        return data
    }
}

/// A parse failure and the id of the request it belongs to, when known.
public struct RPCErrorWithID: Error, Sendable {
    public var id: RPCID?
    public var error: RPCError
    public init(id: RPCID?, error: RPCError) { self.id = id; self.error = error }
}

/// A JSON-RPC request whose params keep their type until they are encoded.
struct TypedRequest<P: Encodable>: Encodable {
    var jsonrpc = "2.0"
    let id: RPCID
    let method: String
    let params: P
}
