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
        let out = Output()
        try write(value, to: out)
        return Data(out.bytes)
    }

    /// The bytes being written, shared by a value and every value inside it: each writes its
    /// part at the end, and a keyed container reorders only its own part when it finishes.
    final class Output {
        var bytes: [UInt8] = []
        init() { bytes.reserveCapacity(512) }
    }

    /// Appends the JSON of one value.
    static func write<T: Encodable>(_ value: T, to out: Output) throws {
        if try writeKnown(value, into: &out.bytes) { return }
        let encoder = ValueEncoder(out)
        try value.encode(to: encoder)
        try encoder.finish()
    }

    /// The types written without asking them to encode themselves (as Foundation special-cases
    /// `Data`, `URL` and the primitive types; `Event` and `Timestamp` by hand, EventJSON.swift);
    /// false when `value` is none of them. Decided by
    /// comparing metatypes, not by casting: a failed dynamic cast per value cost more than the
    /// writing.
    @inline(__always)
    static func writeKnown<T: Encodable>(_ value: T, into out: inout [UInt8]) throws -> Bool {
        if T.self == String.self { writeString(value as! String, into: &out); return true }
        if T.self == Event.self { try (value as! Event).writeJSON(into: &out); return true }
        if T.self == [Event].self {
            out.append(UInt8(ascii: "["))
            for (i, event) in (value as! [Event]).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                try event.writeJSON(into: &out)
            }
            out.append(UInt8(ascii: "]"))
            return true
        }
        if T.self == Timestamp.self { (value as! Timestamp).writeJSON(into: &out); return true }
        if T.self == JSONValue.self { try writeJSON(value as! JSONValue, into: &out); return true }
        if T.self == Int.self { writeInt(value as! Int, into: &out); return true }
        if T.self == Bool.self { out.append(contentsOf: (value as! Bool) ? trueBytes : falseBytes); return true }
        if T.self == Double.self { try writeDouble(value as! Double, into: &out); return true }
        if T.self == [String: JSONValue].self { try writeObject(value as! [String: JSONValue], into: &out); return true }
        if T.self == [JSONValue].self { try writeJSON(.array(value as! [JSONValue]), into: &out); return true }
        if T.self == Int64.self || T.self == Int32.self || T.self == Int16.self || T.self == Int8.self
            || T.self == UInt.self || T.self == UInt64.self || T.self == UInt32.self || T.self == UInt16.self || T.self == UInt8.self {
            out.append(contentsOf: String(describing: value).utf8)
            return true
        }
        if T.self == Data.self { writeString((value as! Data).base64EncodedString(), into: &out); return true }
        if T.self == URL.self { writeString((value as! URL).absoluteString, into: &out); return true }
        if T.self == Float.self || T.self == Decimal.self { throw Declined() }
        return false
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
        // The members sorted whole: no second lookup of each key's value.
        for (key, value) in object.sorted(by: { keyOrder($0.key, $1.key) }) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            writeString(key, into: &out)
            out.append(UInt8(ascii: ":"))
            try writeJSON(value, into: &out)
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

    /// Writes `value` as a JSON string, quoted and escaped as Foundation writes it.
    public static func writeString(_ value: String, into out: inout [UInt8]) {
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

    /// The encoder one non-primitive value encodes itself into: its containers write into the
    /// shared `Output` after `base`. A class, as `Encoder` requires containers that write into
    /// shared storage; used by one value on one thread.
    final class ValueEncoder: Encoder {
        enum Kind { case none, keyed, unkeyed, single }
        let out: Output
        let base: Int
        var kind = Kind.none
        /// Keyed: each member's key and where its value is in `out.bytes`.
        var members: [(key: String, start: Int, end: Int)] = []
        /// Unkeyed: elements written; single: 1 once written.
        var count = 0
        /// Set when the value used the API in a way this writer leaves to Foundation.
        var failed = false
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        init(_ out: Output) {
            self.out = out
            base = out.bytes.count
        }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            switch kind {
            case .none: kind = .keyed
            case .keyed: break
            // Foundation traps or merges here; leave such types to it.
            case .unkeyed, .single: failed = true
            }
            return KeyedEncodingContainer(Keyed<Key>(encoder: self))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            switch kind {
            case .none:
                kind = .unkeyed
                out.bytes.append(UInt8(ascii: "["))
            case .unkeyed: break
            case .keyed, .single: failed = true
            }
            return Unkeyed(encoder: self)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer {
            if kind == .none { kind = .single } else { failed = true }
            return Single(encoder: self)
        }

        /// Writes one member's value (keyed).
        func member(_ key: String, _ write: (Output) throws -> Void) rethrows {
            guard kind == .keyed, !failed else { failed = true; return }
            let start = out.bytes.count
            try write(out)
            members.append((key, start, out.bytes.count))
        }

        /// Writes one element (unkeyed).
        func element(_ write: (Output) throws -> Void) rethrows {
            guard kind == .unkeyed, !failed else { failed = true; return }
            if count > 0 { out.bytes.append(UInt8(ascii: ",")) }
            try write(out)
            count += 1
        }

        /// Writes the one value (single).
        func single(_ write: (Output) throws -> Void) rethrows {
            guard kind == .single, count == 0, !failed else { failed = true; return }
            try write(out)
            count = 1
        }

        /// Completes the value's JSON in `out`: brackets, or the members in key order.
        func finish() throws {
            guard !failed else { throw Declined() }
            switch kind {
            case .none: out.bytes.append(contentsOf: [UInt8(ascii: "{"), UInt8(ascii: "}")])
            case .single: guard count == 1 else { throw Declined() }
            case .unkeyed: out.bytes.append(UInt8(ascii: "]"))
            case .keyed:
                let values = Array(out.bytes[base...])
                out.bytes.removeSubrange(base...)
                members.sort { FastJSONEncoder.keyOrder($0.key, $1.key) }
                out.bytes.append(UInt8(ascii: "{"))
                for (i, m) in members.enumerated() {
                    if i > 0 {
                        guard members[i - 1].key != m.key else { throw Declined() }
                        out.bytes.append(UInt8(ascii: ","))
                    }
                    FastJSONEncoder.writeString(m.key, into: &out.bytes)
                    out.bytes.append(UInt8(ascii: ":"))
                    out.bytes.append(contentsOf: values[(m.start - base)..<(m.end - base)])
                }
                out.bytes.append(UInt8(ascii: "}"))
            }
        }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let encoder: ValueEncoder
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil(forKey key: Key) throws { encoder.member(key.stringValue) { $0.bytes.append(contentsOf: FastJSONEncoder.nullBytes) } }
        mutating func encode(_ value: Bool, forKey key: Key) throws {
            encoder.member(key.stringValue) { $0.bytes.append(contentsOf: value ? FastJSONEncoder.trueBytes : FastJSONEncoder.falseBytes) }
        }
        mutating func encode(_ value: String, forKey key: Key) throws { encoder.member(key.stringValue) { FastJSONEncoder.writeString(value, into: &$0.bytes) } }
        mutating func encode(_ value: Int, forKey key: Key) throws { encoder.member(key.stringValue) { FastJSONEncoder.writeInt(value, into: &$0.bytes) } }
        mutating func encode(_ value: Double, forKey key: Key) throws { try encoder.member(key.stringValue) { try FastJSONEncoder.writeDouble(value, into: &$0.bytes) } }
        mutating func encode(_ value: Float, forKey key: Key) throws { throw Declined() }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            try encoder.member(key.stringValue) { try FastJSONEncoder.write(value, to: $0) }
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            encoder.failed = true
            return KeyedEncodingContainer(Keyed<NestedKey>(encoder: ValueEncoder(Output())))
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            encoder.failed = true
            return Unkeyed(encoder: ValueEncoder(Output()))
        }
        mutating func superEncoder() -> any Encoder { encoder.failed = true; return ValueEncoder(Output()) }
        mutating func superEncoder(forKey key: Key) -> any Encoder { encoder.failed = true; return ValueEncoder(Output()) }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let encoder: ValueEncoder
        var codingPath: [any CodingKey] { [] }
        var count: Int { encoder.count }

        mutating func encodeNil() throws { encoder.element { $0.bytes.append(contentsOf: FastJSONEncoder.nullBytes) } }
        mutating func encode(_ value: Bool) throws { encoder.element { $0.bytes.append(contentsOf: value ? FastJSONEncoder.trueBytes : FastJSONEncoder.falseBytes) } }
        mutating func encode(_ value: String) throws { encoder.element { FastJSONEncoder.writeString(value, into: &$0.bytes) } }
        mutating func encode(_ value: Int) throws { encoder.element { FastJSONEncoder.writeInt(value, into: &$0.bytes) } }
        mutating func encode(_ value: Double) throws { try encoder.element { try FastJSONEncoder.writeDouble(value, into: &$0.bytes) } }
        mutating func encode(_ value: Float) throws { throw Declined() }
        mutating func encode<T: Encodable>(_ value: T) throws { try encoder.element { try FastJSONEncoder.write(value, to: $0) } }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            encoder.failed = true
            return KeyedEncodingContainer(Keyed<NestedKey>(encoder: ValueEncoder(Output())))
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { encoder.failed = true; return Unkeyed(encoder: ValueEncoder(Output())) }
        mutating func superEncoder() -> any Encoder { encoder.failed = true; return ValueEncoder(Output()) }
    }

    struct Single: SingleValueEncodingContainer {
        let encoder: ValueEncoder
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil() throws { encoder.single { $0.bytes.append(contentsOf: FastJSONEncoder.nullBytes) } }
        mutating func encode(_ value: Bool) throws { encoder.single { $0.bytes.append(contentsOf: value ? FastJSONEncoder.trueBytes : FastJSONEncoder.falseBytes) } }
        mutating func encode(_ value: String) throws { encoder.single { FastJSONEncoder.writeString(value, into: &$0.bytes) } }
        mutating func encode(_ value: Int) throws { encoder.single { FastJSONEncoder.writeInt(value, into: &$0.bytes) } }
        mutating func encode(_ value: Double) throws { try encoder.single { try FastJSONEncoder.writeDouble(value, into: &$0.bytes) } }
        mutating func encode(_ value: Float) throws { throw Declined() }
        mutating func encode<T: Encodable>(_ value: T) throws { try encoder.single { try FastJSONEncoder.write(value, to: $0) } }
    }
}
