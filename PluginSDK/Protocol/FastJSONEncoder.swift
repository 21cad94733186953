public import Foundation

/// A direct JSON writer for `Encodable` values behind `Wire.encode`: the bytes of Foundation's
/// `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]`, written without Foundation's
/// intermediate tree of dictionaries.
///
/// Why it exists: after `FastJSON` took the decoding, encoding was the largest cost left on the
/// event path (four encodings per ingested event: the bus request, the journal record, the bus's
/// answer and the 202; docs/benchmarks.md#bottlenecks-with-evidence).
///
/// Like `FastJSON` it is **narrower** than Foundation and declines (throws `Declined`, and
/// `Wire.encode` asks Foundation) whatever it is not sure to write byte for byte the same way:
/// `Float`, `Decimal`, doubles outside 1e-4 ≤ |x| < 1e15 that are not integers, nested containers
/// and `superEncoder`, a key written twice, and every error a value throws. What it writes is
/// Foundation's output (`FastJSONEncoderTests` compares them on random values and on the
/// protocol's types): keys in byte order of their UTF-8 (Foundation's order on Linux), integral
/// doubles without a fraction (`1.0` → `1`, `-0.0` → `-0`), `Data` as base64, `URL` as its
/// absolute string, and strings escaped as Foundation escapes them.
public enum FastJSONEncoder {
    /// What the writer does not do; the caller then encodes with Foundation.
    struct Declined: Error {}

    /// The JSON of `value`, or `Declined` (or the value's own error) for Foundation to handle.
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        try write(value, into: &out)
        return Data(out)
    }

    /// Appends the JSON of one value.
    static func write<T: Encodable>(_ value: T, into out: inout [UInt8]) throws {
        if let done = try writeKnown(value, into: &out), done { return }
        let encoder = ValueEncoder()
        try value.encode(to: encoder)
        try encoder.finish(into: &out)
    }

    /// The types written without asking them to encode themselves (as Foundation special-cases
    /// `Data`, `URL`, `Date` strategies and the primitive types). Nil when `value` is none of them.
    @inline(__always)
    static func writeKnown<T: Encodable>(_ value: T, into out: inout [UInt8]) throws -> Bool? {
        switch value {
        case let v as JSONValue: try writeJSON(v, into: &out)
        case let v as String: writeString(v, into: &out)
        case let v as Int: writeInt(v, into: &out)
        case let v as Bool: out.append(contentsOf: v ? trueBytes : falseBytes)
        case let v as Double: try writeDouble(v, into: &out)
        case let v as [String: JSONValue]: try writeObject(v, into: &out)
        case let v as any FixedWidthInteger: out.append(contentsOf: String(v).utf8)
        case let v as Data: writeString(v.base64EncodedString(), into: &out)
        case let v as URL: writeString(v.absoluteString, into: &out)
        case is Float, is Decimal, is Float16: throw Declined()
        default: return nil
        }
        return true
    }

    static let trueBytes = Array("true".utf8), falseBytes = Array("false".utf8), nullBytes = Array("null".utf8)

    static func writeJSON(_ value: JSONValue, into out: inout [UInt8]) throws {
        switch value {
        case .null: out.append(contentsOf: nullBytes)
        case .bool(let b): out.append(contentsOf: b ? trueBytes : falseBytes)
        case .int(let i): writeInt(i, into: &out)
        case .double(let d): try writeDouble(d, into: &out)
        case .string(let s): writeString(s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                try writeJSON(v, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o): try writeObject(o, into: &out)
        }
    }

    static func writeObject(_ object: [String: JSONValue], into out: inout [UInt8]) throws {
        out.append(UInt8(ascii: "{"))
        var first = true
        for key in object.keys.sorted(by: keyOrder) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            writeString(key, into: &out)
            out.append(UInt8(ascii: ":"))
            try writeJSON(object[key]!, into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Foundation's order for `.sortedKeys` on Linux: the keys' UTF-8 bytes, compared as unsigned.
    static func keyOrder(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in b.withUTF8 { y in
            let n = min(x.count, y.count)
            if n > 0, let xb = x.baseAddress, let yb = y.baseAddress {
                let c = memcmp(xb, yb, n)
                if c != 0 { return c < 0 }
            }
            return x.count < y.count
        } }
    }

    static func writeInt(_ value: Int, into out: inout [UInt8]) {
        if value >= 0 && value < 10 { out.append(UInt8(ascii: "0") &+ UInt8(value)); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var magnitude = value.magnitude
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buf in
            repeat {
                buf[19 - count] = UInt8(ascii: "0") &+ UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            if value < 0 { out.append(UInt8(ascii: "-")) }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[(20 - count)...]))
        }
    }

    /// Integral doubles below 1e15 as integers (Foundation writes `1.0` as `1`, `-0.0` as `-0`);
    /// other finite doubles in 1e-4 ≤ |x| < 1e15 by Swift's shortest representation, which is
    /// Foundation's there. Everything else (exponents, non-finite) is declined.
    static func writeDouble(_ value: Double, into out: inout [UInt8]) throws {
        guard value.isFinite else { throw Declined() }
        let m = value.magnitude
        if value == value.rounded(.towardZero) && m < 1e15 {
            if value == 0 && value.sign == .minus { out.append(contentsOf: Array("-0".utf8)); return }
            writeInt(Int(value), into: &out)
            return
        }
        guard m >= 1e-4 && m < 1e15 else { throw Declined() }
        out.append(contentsOf: value.description.utf8)
    }

    static func writeString(_ value: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = value
        s.withUTF8 { u in
            var start = 0
            for i in 0..<u.count {
                let c = u[i]
                guard c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") else { continue }
                if start < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: u[start..<i])) }
                start = i + 1
                out.append(UInt8(ascii: "\\"))
                switch c {
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(c >> 4)], hex[Int(c & 0xF)]])
                }
            }
            if start < u.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: u[start...])) }
        }
        out.append(UInt8(ascii: "\""))
    }

    // MARK: the Encoder

    /// What one value asked for: nothing yet, a keyed, an unkeyed or a single-value container.
    enum Storage {
        case none
        case keyed([(key: String, bytes: [UInt8])])
        case unkeyed([UInt8], count: Int)
        case single([UInt8])
    }

    /// The encoder one non-primitive value encodes itself into. A class, as `Encoder` requires
    /// containers that write into shared storage; used by one value on one thread.
    final class ValueEncoder: Encoder {
        var storage = Storage.none
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            switch storage {
            case .none: storage = .keyed([])
            case .keyed: break
            // Foundation traps or merges here; leave such types to it.
            case .unkeyed, .single: failed = true
            }
            return KeyedEncodingContainer(Keyed<Key>(encoder: self))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            switch storage {
            case .none: storage = .unkeyed([UInt8(ascii: "[")], count: 0)
            case .unkeyed: break
            case .keyed, .single: failed = true
            }
            return Unkeyed(encoder: self)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer {
            if case .none = storage {} else { failed = true }
            return Single(encoder: self)
        }

        /// Set when the value used the API in a way this writer leaves to Foundation.
        var failed = false

        func finish(into out: inout [UInt8]) throws {
            guard !failed else { throw Declined() }
            switch storage {
            case .none: out.append(contentsOf: Array("{}".utf8))
            case .single(let bytes):
                guard !bytes.isEmpty else { throw Declined() }
                out.append(contentsOf: bytes)
            case .unkeyed(let bytes, _):
                out.append(contentsOf: bytes)
                out.append(UInt8(ascii: "]"))
            case .keyed(var members):
                members.sort { FastJSONEncoder.keyOrder($0.key, $1.key) }
                out.append(UInt8(ascii: "{"))
                for (i, m) in members.enumerated() {
                    if i > 0 {
                        guard members[i - 1].key != m.key else { throw Declined() }
                        out.append(UInt8(ascii: ","))
                    }
                    FastJSONEncoder.writeString(m.key, into: &out)
                    out.append(UInt8(ascii: ":"))
                    out.append(contentsOf: m.bytes)
                }
                out.append(UInt8(ascii: "}"))
            }
        }

        func add(_ key: String, _ bytes: [UInt8]) {
            guard case .keyed(var members) = storage else { failed = true; return }
            storage = .none
            members.append((key, bytes))
            storage = .keyed(members)
        }

        func append(_ write: (inout [UInt8]) throws -> Void) rethrows {
            guard case .unkeyed(var bytes, let count) = storage else { failed = true; return }
            storage = .none
            defer { storage = .unkeyed(bytes, count: count + 1) }
            if count > 0 { bytes.append(UInt8(ascii: ",")) }
            try write(&bytes)
        }

        func set(_ write: (inout [UInt8]) throws -> Void) rethrows {
            var bytes: [UInt8] = []
            try write(&bytes)
            storage = .single(bytes)
        }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let encoder: ValueEncoder
        var codingPath: [any CodingKey] { [] }

        private func bytes(_ write: (inout [UInt8]) throws -> Void) rethrows -> [UInt8] {
            var b: [UInt8] = []
            try write(&b)
            return b
        }

        mutating func encodeNil(forKey key: Key) throws { encoder.add(key.stringValue, FastJSONEncoder.nullBytes) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { encoder.add(key.stringValue, value ? FastJSONEncoder.trueBytes : FastJSONEncoder.falseBytes) }
        mutating func encode(_ value: String, forKey key: Key) throws { encoder.add(key.stringValue, bytes { FastJSONEncoder.writeString(value, into: &$0) }) }
        mutating func encode(_ value: Int, forKey key: Key) throws { encoder.add(key.stringValue, bytes { FastJSONEncoder.writeInt(value, into: &$0) }) }
        mutating func encode(_ value: Double, forKey key: Key) throws { encoder.add(key.stringValue, try bytes { try FastJSONEncoder.writeDouble(value, into: &$0) }) }
        mutating func encode(_ value: Float, forKey key: Key) throws { throw Declined() }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            encoder.add(key.stringValue, try bytes { try FastJSONEncoder.write(value, into: &$0) })
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            encoder.failed = true
            return KeyedEncodingContainer(Keyed<NestedKey>(encoder: ValueEncoder()))
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            encoder.failed = true
            return Unkeyed(encoder: ValueEncoder())
        }
        mutating func superEncoder() -> any Encoder { encoder.failed = true; return ValueEncoder() }
        mutating func superEncoder(forKey key: Key) -> any Encoder { encoder.failed = true; return ValueEncoder() }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let encoder: ValueEncoder
        var codingPath: [any CodingKey] { [] }
        var count: Int { if case .unkeyed(_, let n) = encoder.storage { return n } else { return 0 } }

        mutating func encodeNil() throws { encoder.append { $0.append(contentsOf: FastJSONEncoder.nullBytes) } }
        mutating func encode(_ value: Bool) throws { encoder.append { $0.append(contentsOf: value ? FastJSONEncoder.trueBytes : FastJSONEncoder.falseBytes) } }
        mutating func encode(_ value: String) throws { encoder.append { FastJSONEncoder.writeString(value, into: &$0) } }
        mutating func encode(_ value: Int) throws { encoder.append { FastJSONEncoder.writeInt(value, into: &$0) } }
        mutating func encode(_ value: Double) throws { try encoder.append { try FastJSONEncoder.writeDouble(value, into: &$0) } }
        mutating func encode(_ value: Float) throws { throw Declined() }
        mutating func encode<T: Encodable>(_ value: T) throws { try encoder.append { try FastJSONEncoder.write(value, into: &$0) } }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            encoder.failed = true
            return KeyedEncodingContainer(Keyed<NestedKey>(encoder: ValueEncoder()))
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { encoder.failed = true; return Unkeyed(encoder: ValueEncoder()) }
        mutating func superEncoder() -> any Encoder { encoder.failed = true; return ValueEncoder() }
    }

    struct Single: SingleValueEncodingContainer {
        let encoder: ValueEncoder
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil() throws { encoder.set { $0.append(contentsOf: FastJSONEncoder.nullBytes) } }
        mutating func encode(_ value: Bool) throws { encoder.set { $0.append(contentsOf: value ? FastJSONEncoder.trueBytes : FastJSONEncoder.falseBytes) } }
        mutating func encode(_ value: String) throws { encoder.set { FastJSONEncoder.writeString(value, into: &$0) } }
        mutating func encode(_ value: Int) throws { encoder.set { FastJSONEncoder.writeInt(value, into: &$0) } }
        mutating func encode(_ value: Double) throws { try encoder.set { try FastJSONEncoder.writeDouble(value, into: &$0) } }
        mutating func encode(_ value: Float) throws { throw Declined() }
        mutating func encode<T: Encodable>(_ value: T) throws { try encoder.set { try FastJSONEncoder.write(value, into: &$0) } }
    }
}
