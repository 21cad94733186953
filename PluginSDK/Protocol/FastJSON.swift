public import Foundation

/// A strict RFC 8259 parser into `JSONValue` for the hot paths (`Wire.decode`, JSON-RPC lines).
///
/// Why it exists: every event crosses several JSON boundaries (API, plugin ABI, child pipes, bus
/// journal), and Foundation's `JSONDecoder` spends ~40 µs per small event building a
/// `JSONValue` through `Codable` (it can only learn a value's type by trying each type and
/// catching the error). This parser reads the bytes once: about 20× faster on the same events
/// (docs/benchmarks.md#bottlenecks-with-evidence). No package in the mirror does this.
///
/// It is deliberately **narrower** than Foundation: it answers `nil` for anything it is not
/// sure Foundation would read the same way (duplicate keys, nesting deeper than 256, lone
/// surrogates, numbers out of range, a byte-order mark), and the caller then asks Foundation,
/// whose result and error messages stay the reference. What it does accept, it reads exactly
/// as Foundation's `JSONDecoder` reads a `JSONValue` (`FastJSONTests` holds the two together):
/// a number without fraction or exponent that fits an `Int` is `.int`; a fraction that is not an
/// integer, or an integer literal beyond `Int`, is `.double`; a fraction or exponent whose value
/// is an integer (`1.0`, `1e2`) is left to Foundation (which may read it as an `Int`).
public enum FastJSON {
    /// Nesting deeper than this is left to Foundation.
    static let maxDepth = 256

    /// The value of `data`, or nil when it is not JSON or not certainly read as Foundation would.
    public static func parse(_ data: Data) -> JSONValue? {
        data.withUnsafeBytes { raw -> JSONValue? in
            guard let base = raw.baseAddress, raw.count > 0 else { return nil }
            var p = Parser(bytes: UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: raw.count))
            guard let v = p.value(depth: 0) else { return nil }
            p.skipWhitespace()
            // (Not a ternary: `JSONValue` is ExpressibleByNilLiteral, so `nil` there is `.null`.)
            guard p.index == p.bytes.count else { return nil }
            return v
        }
    }

    struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x0A, 0x0D, 0x09: index += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) -> JSONValue? {
            skipWhitespace()
            guard index < bytes.count, depth < FastJSON.maxDepth else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "{"): return object(depth: depth + 1)
            case UInt8(ascii: "["): return array(depth: depth + 1)
            case UInt8(ascii: "\""): return string().map(JSONValue.string)
            case UInt8(ascii: "t"): return literal("true") ? JSONValue.bool(true) : Optional<JSONValue>.none
            case UInt8(ascii: "f"): return literal("false") ? JSONValue.bool(false) : Optional<JSONValue>.none
            case UInt8(ascii: "n"): return literal("null") ? JSONValue.null : Optional<JSONValue>.none
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
            default: return nil
            }
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let n = word.utf8CodeUnitCount
            guard index + n <= bytes.count else { return false }
            let w = word.utf8Start
            for k in 0..<n where bytes[index + k] != w[k] { return false }
            index += n
            return true
        }

        mutating func object(depth: Int) -> JSONValue? {
            index += 1
            var o: [String: JSONValue] = [:]
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(o)
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let key = string() else { return nil }
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                guard let v = value(depth: depth) else { return nil }
                // Foundation keeps the first of two equal keys; rare enough to leave to it.
                guard o.updateValue(v, forKey: key) == nil else { return nil }
                skipWhitespace()
                guard index < bytes.count else { return nil }
                switch bytes[index] {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "}"):
                    index += 1
                    return .object(o)
                default: return nil
                }
            }
        }

        mutating func array(depth: Int) -> JSONValue? {
            index += 1
            var a: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(a)
            }
            while true {
                guard let v = value(depth: depth) else { return nil }
                a.append(v)
                skipWhitespace()
                guard index < bytes.count else { return nil }
                switch bytes[index] {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"):
                    index += 1
                    return .array(a)
                default: return nil
                }
            }
        }

        /// A string at `index` (its opening quote); nil for invalid UTF-8, a raw control
        /// character, a bad escape or a lone surrogate.
        mutating func string() -> String? {
            index += 1
            let start = index
            while index < bytes.count {
                let b = bytes[index]
                if b == UInt8(ascii: "\"") {
                    let s = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                    index += 1
                    return s
                }
                if b == UInt8(ascii: "\\") || b < 0x20 { break }
                index += 1
            }
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\\") else { return nil }
            // Escapes: copy what came before, then decode byte by byte.
            var out = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
            while index < bytes.count {
                let b = bytes[index]
                switch b {
                case UInt8(ascii: "\""):
                    index += 1
                    return String(validating: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    index += 1
                    guard index < bytes.count else { return nil }
                    let e = bytes[index]
                    index += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        guard let unit = hex4() else { return nil }
                        var scalar: UInt32 = UInt32(unit)
                        if (0xD800...0xDBFF).contains(unit) {
                            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else { return nil }
                            index += 2
                            guard let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return nil }
                            scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                        } else if (0xDC00...0xDFFF).contains(unit) {
                            return nil
                        }
                        guard let u = Unicode.Scalar(scalar) else { return nil }
                        out.append(contentsOf: UTF8.encode(u)!)
                    default: return nil
                    }
                default:
                    guard b >= 0x20 else { return nil }
                    out.append(b)
                    index += 1
                }
            }
            return nil
        }

        mutating func hex4() -> UInt16? {
            guard index + 4 <= bytes.count else { return nil }
            var v: UInt16 = 0
            for _ in 0..<4 {
                let c = bytes[index]
                let d: UInt16
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt16(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt16(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt16(c - UInt8(ascii: "A") + 10)
                default: return nil
                }
                v = v << 4 | d
                index += 1
            }
            return v
        }

        /// RFC 8259's number grammar; `.int` when the value is an integer that fits (see the type's
        /// comment), `.double` when finite, nil otherwise.
        mutating func number() -> JSONValue? {
            let start = index
            var integral = true
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else if (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(bytes[index]) {
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            } else {
                return nil
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                integral = false
                index += 1
                let digits = index
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
                guard index > digits else { return nil }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                integral = false
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                let digits = index
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
                guard index > digits else { return nil }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            if integral, let i = Int(text) { return .int(i) }
            guard let d = Double(text), d.isFinite else { return nil }
            // A fraction or exponent whose value is an integer (`1.0`, `1e2`, `1e-400`): whether
            // Foundation reads it as an `Int` depends on its parser's rounding; left to it.
            if !integral, d == d.rounded(.towardZero) { return nil }
            // An integer literal beyond Int, or a true fraction: Foundation's Int fails, its Double reads it.
            return .double(d)
        }
    }
}
