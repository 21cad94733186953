import Foundation
import LightningProtocol

/// Finds the id of a message from the first bytes of an over-size line, so the child can still
/// answer it with -32004 (docs/protocol.md#framing).
///
/// Scans only the top-level object's keys, skipping nested values (strings, objects, arrays)
/// without decoding them; stops quietly where the bytes end or stop looking like JSON.
enum OversizeProbe {
    struct Found: Equatable {
        var id: RPCID?
        /// A top-level `method` key was seen: the message is a request (or notification).
        var hasMethod = false
        /// A top-level `result` or `error` key was seen: the message is a response.
        var isResponse = false
    }

    static func scan(_ data: Data) -> Found {
        var s = Scanner(bytes: Array(data))
        var found = Found()
        s.skipSpace()
        guard s.take(UInt8(ascii: "{")) else { return found }
        while true {
            s.skipSpace()
            guard let key = s.string() else { return found }
            s.skipSpace()
            guard s.take(UInt8(ascii: ":")) else { return found }
            s.skipSpace()
            switch key {
            case "id":
                guard let id = s.idValue() else { return found }
                found.id = id
            case "method":
                found.hasMethod = true
                guard s.skipValue() else { return found }
            case "result", "error":
                found.isResponse = true
                guard s.skipValue() else { return found }
            default:
                guard s.skipValue() else { return found }
            }
            s.skipSpace()
            guard s.take(UInt8(ascii: ",")) else { return found }
        }
    }

    private struct Scanner {
        let bytes: [UInt8]
        var i = 0

        var peek: UInt8? { i < bytes.count ? bytes[i] : nil }

        mutating func skipSpace() {
            while let b = peek, b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { i += 1 }
        }

        mutating func take(_ b: UInt8) -> Bool {
            guard peek == b else { return false }
            i += 1
            return true
        }

        /// The raw bytes of a string (escapes kept), cursor after the closing quote.
        mutating func rawString() -> ArraySlice<UInt8>? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = i
            while let b = peek {
                if b == UInt8(ascii: "\\") { i += 2; continue }
                if b == UInt8(ascii: "\"") { defer { i += 1 }; return bytes[start..<i] }
                i += 1
            }
            return nil
        }

        mutating func string() -> String? {
            guard let raw = rawString() else { return nil }
            let quoted = [UInt8(ascii: "\"")] + raw + [UInt8(ascii: "\"")]
            return try? JSONDecoder().decode(String.self, from: Data(quoted))
        }

        mutating func idValue() -> RPCID? {
            if peek == UInt8(ascii: "\"") { return string().map(RPCID.string) }
            let start = i
            while let b = peek, b == UInt8(ascii: "-") || (b >= 0x30 && b <= 0x39) { i += 1 }
            return Int64(String(decoding: bytes[start..<i], as: UTF8.self)).map(RPCID.int)
        }

        /// Skips one value; false when the bytes end first.
        mutating func skipValue() -> Bool {
            var depth = 0
            while let b = peek {
                switch b {
                case UInt8(ascii: "\""):
                    guard rawString() != nil else { return false }
                    if depth == 0 { return true }
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if depth == 0 { return true }
                    depth -= 1
                    if depth == 0 { i += 1; return true }
                case UInt8(ascii: ","):
                    if depth == 0 { return true }
                default:
                    break
                }
                i += 1
            }
            return false
        }
    }
}
