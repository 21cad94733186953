import LightningProtocol
import Hummingbird

/// Limits on the shape of a JSON request body, checked over its bytes before it is decoded, so a
/// hostile body (a 100,000-deep `[[[[…`, a 3 MB string, a million-element array) is refused with
/// a clear 4xx before any decoder or handler spends memory or stack on it (docs/api.md, "Limits").
/// From the config's `http` object: `max_json_depth`, `max_json_string_bytes`, `max_json_elements`.
struct JSONShapeLimits: Sendable, Equatable {
    var maxDepth = 64
    var maxStringBytes = 1 << 20
    var maxElements = 10_000

    /// The limits of the listener serving the current request (`JSONShapeLimitsMiddleware`).
    @TaskLocal static var current = JSONShapeLimits()
}

enum JSONShape {
    /// JSON's insignificant whitespace (RFC 8259: space, tab, line feed, carriage return).
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t")
    }

    /// Scans `bytes` once (no allocation, no recursion) and throws the first limit it passes:
    /// nesting deeper than `maxDepth` → 400 `invalid_argument`; a string (key or value) longer than
    /// `maxStringBytes` or an array/object with more than `maxElements` members → 413
    /// `payload_too_large`. Malformed JSON is left for the decoder to describe.
    static func check(_ bytes: UnsafeRawBufferPointer, limits: JSONShapeLimits, what: String = "request body") throws(WireError) {
        // Members seen so far in each open container, innermost last; empty containers have 0.
        var members: [Int] = []
        members.reserveCapacity(16)
        var inString = false, escaped = false
        var stringStart = 0
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if inString {
                if escaped { escaped = false }
                else if byte == UInt8(ascii: "\\") { escaped = true }
                else if byte == UInt8(ascii: "\"") {
                    inString = false
                    let length = index - stringStart - 1
                    if length > limits.maxStringBytes {
                        throw WireError(.payloadTooLarge, "\(what): a JSON string of \(length) bytes at byte \(stringStart); at most \(limits.maxStringBytes) (http.max_json_string_bytes)")
                    }
                }
                index += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                stringStart = index
                if members.last == 0 { members[members.count - 1] = 1 }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if members.last == 0 { members[members.count - 1] = 1 }
                if members.count >= limits.maxDepth {
                    throw WireError(.invalidArgument, "\(what): JSON nested deeper than \(limits.maxDepth) levels at byte \(index) (http.max_json_depth)")
                }
                members.append(0)
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !members.isEmpty { members.removeLast() }
            case UInt8(ascii: ","):
                guard !members.isEmpty else { break }
                members[members.count - 1] += 1
                if members[members.count - 1] > limits.maxElements {
                    throw WireError(.payloadTooLarge, "\(what): a JSON array or object with more than \(limits.maxElements) members at byte \(index) (http.max_json_elements)")
                }
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"), UInt8(ascii: ":"):
                break
            default:
                // The first byte of a number or literal makes an empty container non-empty.
                if members.last == 0 { members[members.count - 1] = 1 }
            }
            index += 1
        }
        if inString {
            let length = count - stringStart - 1
            if length > limits.maxStringBytes {
                throw WireError(.payloadTooLarge, "\(what): a JSON string of more than \(limits.maxStringBytes) bytes at byte \(stringStart) (http.max_json_string_bytes)")
            }
        }
    }
}

/// Binds the daemon's `JSONShapeLimits` for each request, where `Request.decode` reads them.
struct JSONShapeLimitsMiddleware<Context: RequestContext>: RouterMiddleware {
    let limits: JSONShapeLimits

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await JSONShapeLimits.$current.withValue(limits) { try await next(request, context) }
    }
}
