/// An HTTP/1.1 response as read from the engine: status, headers, the whole body (de-chunked).
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var reason: String
    /// In the order received; names as sent (compare case-insensitively with `header(_:)`).
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, reason: String, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status; self.reason = reason; self.headers = headers; self.body = body
    }

    /// The first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let n = name.lowercased()
        return headers.first { $0.name.lowercased() == n }?.value
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    public static func == (a: HTTPResponse, b: HTTPResponse) -> Bool {
        a.status == b.status && a.reason == b.reason && a.body == b.body
            && a.headers.map(\.name) == b.headers.map(\.name) && a.headers.map(\.value) == b.headers.map(\.value)
    }
}

/// Why a response could not be parsed: the rule broken and what was found.
public struct HTTPParseError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    init(_ d: String) { description = d }
}

/// An incremental HTTP/1.1 response parser: feed bytes as they arrive, in pieces of any size,
/// until `isComplete`; at end of stream call `finish()`.
///
/// ```
/// feed(bytes) ─▶ status line ─▶ headers ─▶ body by Content-Length
///                  (1xx heads skipped)      │ or chunked (size;ext CRLF data CRLF … 0 CRLF trailers CRLF)
///                                           │ or until the connection closes
///                                           └ none for HEAD, 204, 304
/// ```
///
/// Bare LF line ends are accepted as well as CRLF. Limits: head 64 KiB, body `maxBody` bytes.
public struct HTTPResponseParser: Sendable {
    private enum Phase: Sendable {
        case head
        case fixed(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkEnd
        case trailers
        case untilClose
        case done
    }

    private var phase: Phase = .head
    private var buffer: [UInt8] = []
    private var index = 0
    private let headRequest: Bool
    private let maxBody: Int
    private var status = 0
    private var reason = ""
    private var headers: [(name: String, value: String)] = []
    private var body: [UInt8] = []

    static let maxHead = 64 * 1024

    /// - Parameters:
    ///   - requestMethod: the request's method (`HEAD` responses have no body).
    ///   - maxBody: refuse bodies larger than this many bytes.
    public init(requestMethod: String = "GET", maxBody: Int = 64 << 20) {
        headRequest = requestMethod.uppercased() == "HEAD"
        self.maxBody = maxBody
    }

    public var isComplete: Bool { if case .done = phase { return true } else { return false } }

    /// True once the status line and headers are read.
    public var hasHead: Bool { if case .head = phase { return false } else { return true } }

    /// The response, once `isComplete`.
    public var response: HTTPResponse? {
        isComplete ? HTTPResponse(status: status, reason: reason, headers: headers, body: body) : nil
    }

    /// Consumes `bytes`. Bytes after the end of the response are ignored (one response per connection).
    public mutating func feed(_ bytes: some Collection<UInt8>) throws(HTTPParseError) {
        if isComplete { return }
        buffer.append(contentsOf: bytes)
        try advance()
        if index > 0 && (index == buffer.count || index > 65_536) {
            buffer.removeFirst(index)
            index = 0
        }
    }

    /// The connection closed: completes a body read until close; anything else unfinished is an error.
    public mutating func finish() throws(HTTPParseError) {
        switch phase {
        case .done: return
        case .untilClose: phase = .done
        case .head:
            throw HTTPParseError(buffer.isEmpty && status == 0
                ? "connection closed before any response"
                : "connection closed inside the response head (\(buffer.count - index) bytes unparsed)")
        case .fixed(let remaining):
            throw HTTPParseError("connection closed with \(remaining) of the Content-Length body bytes missing")
        default:
            throw HTTPParseError("connection closed inside a chunked body")
        }
    }

    private mutating func advance() throws(HTTPParseError) {
        while true {
            switch phase {
            case .done: return
            case .head:
                guard let lines = try takeHead() else { return }
                try parseHead(lines)
            case .fixed(let remaining):
                let n = min(remaining, buffer.count - index)
                body.append(contentsOf: buffer[index..<(index + n)])
                index += n
                if remaining - n == 0 { phase = .done } else { phase = .fixed(remaining: remaining - n); return }
            case .untilClose:
                try appendBody(buffer[index...])
                index = buffer.count
                return
            case .chunkSize:
                guard let line = takeLine(limit: 1024) else {
                    if buffer.count - index > 1024 { throw HTTPParseError("chunk size line longer than 1024 bytes") }
                    return
                }
                let sizeText = line.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                let trimmed = sizeText.trimmedOWS()
                guard !trimmed.isEmpty, trimmed.count <= 15, let size = Int(trimmed, radix: 16), size >= 0 else {
                    throw HTTPParseError("chunk size: expected hexadecimal digits, got \"\(line.prefix(40))\"")
                }
                if size == 0 { phase = .trailers } else {
                    guard body.count + size <= maxBody else { throw tooLarge() }
                    phase = .chunkData(remaining: size)
                }
            case .chunkData(let remaining):
                let n = min(remaining, buffer.count - index)
                body.append(contentsOf: buffer[index..<(index + n)])
                index += n
                if remaining - n == 0 { phase = .chunkEnd } else { phase = .chunkData(remaining: remaining - n); return }
            case .chunkEnd:
                guard let line = takeLine(limit: 2) else {
                    if buffer.count - index >= 2 { throw HTTPParseError("chunk data: expected CRLF after the chunk, got other bytes") }
                    return
                }
                guard line.isEmpty else { throw HTTPParseError("chunk data: expected CRLF after the chunk, got \"\(line.prefix(20))\"") }
                phase = .chunkSize
            case .trailers:
                guard let line = takeLine(limit: Self.maxHead) else { return }
                if line.isEmpty { phase = .done }
            }
        }
    }

    private mutating func appendBody(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) {
        guard body.count + bytes.count <= maxBody else { throw tooLarge() }
        body.append(contentsOf: bytes)
    }

    private func tooLarge() -> HTTPParseError { HTTPParseError("response body larger than \(maxBody) bytes") }

    /// The next line (without CRLF or LF) when a whole one is buffered.
    private mutating func takeLine(limit: Int) -> String? {
        var i = index
        while i < buffer.count && i - index <= limit + 1 {
            if buffer[i] == 10 {
                var end = i
                if end > index && buffer[end - 1] == 13 { end -= 1 }
                let line = String(decoding: buffer[index..<end], as: UTF8.self)
                index = i + 1
                return line
            }
            i += 1
        }
        return nil
    }

    /// The head's lines once the blank line ending it is buffered.
    private mutating func takeHead() throws(HTTPParseError) -> [String]? {
        var i = index
        var lineStart = index
        while i < buffer.count {
            if buffer[i] == 10 {
                var end = i
                if end > lineStart && buffer[end - 1] == 13 { end -= 1 }
                if end == lineStart {
                    let text = String(decoding: buffer[index..<lineStart], as: UTF8.self)
                    index = i + 1
                    return text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
                        .map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
                }
                lineStart = i + 1
            }
            i += 1
        }
        if buffer.count - index > Self.maxHead { throw HTTPParseError("response head longer than \(Self.maxHead) bytes") }
        return nil
    }

    private mutating func parseHead(_ lines: [String]) throws(HTTPParseError) {
        guard let statusLine = lines.first else { throw HTTPParseError("empty response head") }
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let code = Int(parts[1]), code >= 100 else {
            throw HTTPParseError("status line: expected \"HTTP/1.x <3-digit status> <reason>\", got \"\(statusLine.prefix(80))\"")
        }
        var fields: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                throw HTTPParseError("header line: expected \"Name: value\", got \"\(line.prefix(80))\"")
            }
            fields.append((String(line[..<colon]), line[line.index(after: colon)...].trimmedOWS()))
        }
        if code < 200 { return }  // 100 Continue and friends: the real head follows
        status = code
        reason = parts.count > 2 ? String(parts[2]) : ""
        headers = fields
        if headRequest || code == 204 || code == 304 { phase = .done; return }
        let te = fields.filter { $0.name.lowercased() == "transfer-encoding" }.map { $0.value.lowercased() }
        if te.contains(where: { $0.split(separator: ",").last?.trimmedOWS() == "chunked" }) {
            phase = .chunkSize
            return
        }
        let lengths = fields.filter { $0.name.lowercased() == "content-length" }.map(\.value)
        if let first = lengths.first {
            guard lengths.allSatisfy({ $0 == first }), let n = Int(first), n >= 0 else {
                throw HTTPParseError("Content-Length: expected one non-negative integer, got \(lengths.map { "\"\($0)\"" }.joined(separator: ", "))")
            }
            guard n <= maxBody else { throw tooLarge() }
            phase = n == 0 ? .done : .fixed(remaining: n)
            return
        }
        phase = .untilClose
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    fileprivate func trimmedOWS() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
