/// The Redis serialization protocol: encoding commands and parsing replies from a byte buffer.
///
/// Commands go out as RESP arrays of bulk strings (binary-safe, so event JSON needs no escaping).
/// Replies are parsed incrementally: `parse` returns nil while the buffer holds only part of a
/// reply, and the caller reads more bytes and tries again from the same index.
enum RESP {
    /// A malformed reply: the connection cannot be trusted any more and is closed.
    struct ProtocolError: Error, CustomStringConvertible {
        let description: String
    }

    static let maxBulkBytes = 512 * 1024 * 1024
    static let maxDepth = 64

    /// Appends `command` (a name and its arguments) to `out`.
    static func encode(_ command: [String], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "*"))
        out.append(contentsOf: String(command.count).utf8)
        out.append(contentsOf: [13, 10])
        for arg in command {
            let bytes = arg.utf8
            out.append(UInt8(ascii: "$"))
            out.append(contentsOf: String(bytes.count).utf8)
            out.append(contentsOf: [13, 10])
            out.append(contentsOf: bytes)
            out.append(contentsOf: [13, 10])
        }
    }

    /// Parses one reply starting at `index`; on success advances `index` past it.
    /// - Returns: nil when the buffer ends before the reply does (read more, then retry).
    /// - Throws: `ProtocolError` for bytes that are not RESP.
    static func parse(_ buf: [UInt8], _ index: inout Int) throws(ProtocolError) -> RedisValue? {
        var i = index
        guard let v = try value(buf, &i, depth: 0) else { return nil }
        index = i
        return v
    }

    private static func value(_ buf: [UInt8], _ i: inout Int, depth: Int) throws(ProtocolError) -> RedisValue? {
        guard depth < maxDepth else { throw ProtocolError(description: "reply nested deeper than \(maxDepth) levels") }
        guard i < buf.count else { return nil }
        let kind = buf[i]
        i += 1
        guard let line = self.line(buf, &i) else { return nil }
        switch kind {
        case UInt8(ascii: "+"): return .simple(line)
        case UInt8(ascii: "-"): return .error(line)
        case UInt8(ascii: ":"):
            guard let n = Int64(line) else { throw ProtocolError(description: "expected an integer reply, got \"\(line.prefix(40))\"") }
            return .integer(n)
        case UInt8(ascii: "("): return .simple(line)  // RESP3 big number
        case UInt8(ascii: "_"): return .null
        case UInt8(ascii: "#"): return .bool(line == "t")
        case UInt8(ascii: ","):
            guard let d = Double(line) ?? (line == "inf" ? .infinity : line == "-inf" ? -.infinity : nil) else {
                throw ProtocolError(description: "expected a double reply, got \"\(line.prefix(40))\"")
            }
            return .double(d)
        case UInt8(ascii: "$"), UInt8(ascii: "="), UInt8(ascii: "!"):
            let n = try count(line)
            if n < 0 { return .null }
            guard n <= maxBulkBytes else { throw ProtocolError(description: "bulk reply of \(n) bytes exceeds \(maxBulkBytes)") }
            guard buf.count - i >= n + 2 else { return nil }
            var bytes = Array(buf[i..<(i + n)])
            i += n + 2
            if kind == UInt8(ascii: "!") { return .error(String(decoding: bytes, as: UTF8.self)) }
            if kind == UInt8(ascii: "="), bytes.count >= 4, bytes[3] == UInt8(ascii: ":") { bytes.removeFirst(4) }
            return .bulk(bytes)
        case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"), UInt8(ascii: "%"), UInt8(ascii: "|"):
            let n = try count(line)
            if n < 0 { return .null }
            let elements = (kind == UInt8(ascii: "%") || kind == UInt8(ascii: "|")) ? n * 2 : n
            var out: [RedisValue] = []
            out.reserveCapacity(min(elements, 4096))
            for _ in 0..<elements {
                guard let v = try value(buf, &i, depth: depth + 1) else { return nil }
                out.append(v)
            }
            // An attribute annotates the reply that follows it: skip it, return that reply.
            if kind == UInt8(ascii: "|") { return try value(buf, &i, depth: depth + 1) }
            return .array(out)
        default:
            throw ProtocolError(description: "unknown reply type byte \(kind)")
        }
    }

    /// The text up to the next CRLF, moving `i` past it; nil if the CRLF is not there yet.
    private static func line(_ buf: [UInt8], _ i: inout Int) -> String? {
        var j = i
        while j + 1 < buf.count {
            if buf[j] == 13, buf[j + 1] == 10 {
                let s = String(decoding: buf[i..<j], as: UTF8.self)
                i = j + 2
                return s
            }
            j += 1
        }
        return nil
    }

    private static func count(_ line: String) throws(ProtocolError) -> Int {
        guard let n = Int(line), n >= -1 else { throw ProtocolError(description: "expected a length, got \"\(line.prefix(40))\"") }
        return n
    }
}
