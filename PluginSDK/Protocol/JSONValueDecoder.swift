import Foundation

/// A `Decoder` over an already parsed `JSONValue` (from `FastJSON`), for `Wire.decode`'s fast
/// path. It reads values as Foundation's `JSONDecoder` with default strategies does; a
/// `JSONValue` inside the decoded type is taken from the tree as it is (no re-decoding), which is
/// where most of the time went. Types Foundation's decoder treats specially (`Data` as base64,
/// `URL` as a string) are read the same way; `Decimal` is declined (its exact literal is gone).
///
/// Errors are `DecodingError`s of the kinds Foundation throws in the same places, so that a
/// type's own `try?` fallbacks take the same branches; their messages are not Foundation's, and
/// `Wire.decode` does not show them: on any error it decodes again with Foundation.
struct JSONValueDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(_ value: JSONValue, codingPath: [any CodingKey] = []) {
        self.value = value
        self.codingPath = codingPath
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let o) = value else { throw Self.mismatch([String: Any].self, value, codingPath) }
        return KeyedDecodingContainer(Keyed<Key>(object: o, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let a) = value else { throw Self.mismatch([Any].self, value, codingPath) }
        return Unkeyed(array: a, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(value: value, codingPath: codingPath) }

    static func mismatch(_ type: Any.Type, _ value: JSONValue, _ path: [any CodingKey]) -> DecodingError {
        .typeMismatch(type, .init(codingPath: path, debugDescription: "Expected to decode \(type) but found \(value.typeDescription) instead."))
    }

    /// Decodes `T` from `value` at `path`, as Foundation's `JSONDecoder` would.
    static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, at path: [any CodingKey]) throws -> T {
        if T.self == JSONValue.self { return value as! T }
        if T.self == String.self {
            guard case .string(let s) = value else { throw nonNil(T.self, value, path) }
            return s as! T
        }
        if T.self == Int.self { return try integer(Int.self, value, path) as! T }
        // Read by hand when every member is in its plain form (EventJSON.swift); else by `Codable`.
        if T.self == Event.self, case .object(let o) = value, let event = Event(wireObject: o) { return event as! T }
        if T.self == [Event].self, case .array(let a) = value, let events = Event.list(wireArray: a) { return events as! T }
        if T.self == Timestamp.self, case .string(let s) = value, let t = Timestamp(rfc3339: s) { return t as! T }
        if T.self == [String: JSONValue].self, case .object(let o) = value { return o as! T }
        if T.self == [JSONValue].self, case .array(let a) = value { return a as! T }
        if let I = T.self as? any FixedWidthInteger.Type { return try integer(I, value, path) as! T }
        if T.self == Float.self { throw Declined() }
        if T.self == Bool.self {
            guard case .bool(let b) = value else { throw nonNil(T.self, value, path) }
            return b as! T
        }
        if T.self == Double.self { return try double(value, path) as! T }
        if T.self == Data.self {
            guard case .string(let s) = value else { throw nonNil(T.self, value, path) }
            guard let d = Data(base64Encoded: s) else {
                throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "Encountered Data is not valid Base64."))
            }
            return d as! T
        }
        if T.self == URL.self {
            guard case .string(let s) = value else { throw nonNil(T.self, value, path) }
            guard let u = URL(string: s) else { throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "Invalid URL string.")) }
            return u as! T
        }
        if T.self == Decimal.self { throw Declined() }
        return try T(from: JSONValueDecoder(value, codingPath: path))
    }

    /// Foundation throws `valueNotFound` for null where a value is needed, else `typeMismatch`.
    static func nonNil(_ type: Any.Type, _ value: JSONValue, _ path: [any CodingKey]) -> DecodingError {
        if case .null = value {
            return .valueNotFound(type, .init(codingPath: path, debugDescription: "Cannot get value of type \(type) -- found null value instead"))
        }
        return mismatch(type, value, path)
    }

    static func integer<I: FixedWidthInteger>(_ type: I.Type, _ value: JSONValue, _ path: [any CodingKey]) throws -> I {
        switch value {
        case .int(let i):
            guard let v = I(exactly: i) else { throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "Number \(i) does not fit in \(I.self).")) }
            return v
        case .double(let d):
            guard d == d.rounded(.towardZero), let v = I(exactly: d) else {
                throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "Number \(d) is not representable in Swift."))
            }
            return v
        default: throw nonNil(I.self, value, path)
        }
    }

    static func double(_ value: JSONValue, _ path: [any CodingKey]) throws -> Double {
        switch value {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: throw nonNil(Double.self, value, path)
        }
    }

    /// Not read here (the caller decodes with Foundation instead).
    struct Declined: Error {}

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let object: [String: JSONValue]
        let codingPath: [any CodingKey]
        var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }

        func contains(_ key: Key) -> Bool { object[key.stringValue] != nil }

        func value(_ key: Key) throws -> JSONValue {
            guard let v = object[key.stringValue] else {
                throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "No value associated with key \(key) (\"\(key.stringValue)\")."))
            }
            return v
        }

        func decodeNil(forKey key: Key) throws -> Bool {
            if case .null = try value(key) { return true }
            return false
        }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decode(T.self, key) }

        private func decode<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T {
            try JSONValueDecoder.decode(T.self, from: value(key), at: codingPath + [key])
        }

        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decode(Bool.self as Bool.Type, key) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try decode(String.self as String.Type, key) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decode(Double.self as Double.Type, key) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decode(Float.self as Float.Type, key) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decode(Int.self as Int.Type, key) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decode(Int8.self as Int8.Type, key) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decode(Int16.self as Int16.Type, key) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decode(Int32.self as Int32.Type, key) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decode(Int64.self as Int64.Type, key) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decode(UInt.self as UInt.Type, key) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decode(UInt8.self as UInt8.Type, key) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decode(UInt16.self as UInt16.Type, key) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decode(UInt32.self as UInt32.Type, key) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decode(UInt64.self as UInt64.Type, key) }

        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            guard let v = object[key.stringValue] else { return nil }
            if case .null = v { return nil }
            return try JSONValueDecoder.decode(T.self, from: v, at: codingPath + [key])
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try JSONValueDecoder(value(key), codingPath: codingPath + [key]).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try JSONValueDecoder(value(key), codingPath: codingPath + [key]).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder { throw Declined() }
        func superDecoder(forKey key: Key) throws -> any Decoder { throw Declined() }
    }

    struct Unkeyed: UnkeyedDecodingContainer {
        let array: [JSONValue]
        let codingPath: [any CodingKey]
        var currentIndex = 0
        var count: Int? { array.count }
        var isAtEnd: Bool { currentIndex >= array.count }

        init(array: [JSONValue], codingPath: [any CodingKey]) {
            self.array = array
            self.codingPath = codingPath
        }

        private func next<T>(_ type: T.Type) throws -> JSONValue {
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(type, .init(codingPath: codingPath + [IndexKey(currentIndex)], debugDescription: "Unkeyed container is at end."))
            }
            return array[currentIndex]
        }

        mutating func decodeNil() throws -> Bool {
            if case .null = try next(Never.self) {
                currentIndex += 1
                return true
            }
            return false
        }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try decodeNext(T.self) }

        private mutating func decodeNext<T: Decodable>(_ type: T.Type) throws -> T {
            let v = try JSONValueDecoder.decode(T.self, from: next(T.self), at: codingPath + [IndexKey(currentIndex)])
            currentIndex += 1
            return v
        }

        mutating func decode(_ type: Bool.Type) throws -> Bool { try decodeNext(Bool.self) }
        mutating func decode(_ type: String.Type) throws -> String { try decodeNext(String.self) }
        mutating func decode(_ type: Double.Type) throws -> Double { try decodeNext(Double.self) }
        mutating func decode(_ type: Float.Type) throws -> Float { try decodeNext(Float.self) }
        mutating func decode(_ type: Int.Type) throws -> Int { try decodeNext(Int.self) }
        mutating func decode(_ type: Int8.Type) throws -> Int8 { try decodeNext(Int8.self) }
        mutating func decode(_ type: Int16.Type) throws -> Int16 { try decodeNext(Int16.self) }
        mutating func decode(_ type: Int32.Type) throws -> Int32 { try decodeNext(Int32.self) }
        mutating func decode(_ type: Int64.Type) throws -> Int64 { try decodeNext(Int64.self) }
        mutating func decode(_ type: UInt.Type) throws -> UInt { try decodeNext(UInt.self) }
        mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try decodeNext(UInt8.self) }
        mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try decodeNext(UInt16.self) }
        mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try decodeNext(UInt32.self) }
        mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try decodeNext(UInt64.self) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            let c = try JSONValueDecoder(next(Never.self), codingPath: codingPath + [IndexKey(currentIndex)]).container(keyedBy: type)
            currentIndex += 1
            return c
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            let c = try JSONValueDecoder(next(Never.self), codingPath: codingPath + [IndexKey(currentIndex)]).unkeyedContainer()
            currentIndex += 1
            return c
        }

        mutating func superDecoder() throws -> any Decoder { throw Declined() }
    }

    struct Single: SingleValueDecodingContainer {
        let value: JSONValue
        let codingPath: [any CodingKey]

        func decodeNil() -> Bool {
            if case .null = value { return true }
            return false
        }

        func decode<T: Decodable>(_ type: T.Type) throws -> T { try JSONValueDecoder.decode(T.self, from: value, at: codingPath) }

        func decode(_ type: Bool.Type) throws -> Bool { try JSONValueDecoder.decode(Bool.self, from: value, at: codingPath) }
        func decode(_ type: String.Type) throws -> String { try JSONValueDecoder.decode(String.self, from: value, at: codingPath) }
        func decode(_ type: Double.Type) throws -> Double { try JSONValueDecoder.decode(Double.self, from: value, at: codingPath) }
        func decode(_ type: Float.Type) throws -> Float { try JSONValueDecoder.decode(Float.self, from: value, at: codingPath) }
        func decode(_ type: Int.Type) throws -> Int { try JSONValueDecoder.decode(Int.self, from: value, at: codingPath) }
        func decode(_ type: Int8.Type) throws -> Int8 { try JSONValueDecoder.decode(Int8.self, from: value, at: codingPath) }
        func decode(_ type: Int16.Type) throws -> Int16 { try JSONValueDecoder.decode(Int16.self, from: value, at: codingPath) }
        func decode(_ type: Int32.Type) throws -> Int32 { try JSONValueDecoder.decode(Int32.self, from: value, at: codingPath) }
        func decode(_ type: Int64.Type) throws -> Int64 { try JSONValueDecoder.decode(Int64.self, from: value, at: codingPath) }
        func decode(_ type: UInt.Type) throws -> UInt { try JSONValueDecoder.decode(UInt.self, from: value, at: codingPath) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try JSONValueDecoder.decode(UInt8.self, from: value, at: codingPath) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try JSONValueDecoder.decode(UInt16.self, from: value, at: codingPath) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try JSONValueDecoder.decode(UInt32.self, from: value, at: codingPath) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try JSONValueDecoder.decode(UInt64.self, from: value, at: codingPath) }
    }

    struct IndexKey: CodingKey {
        var stringValue: String { "Index \(intValue!)" }
        var intValue: Int?
        init(_ i: Int) { intValue = i }
        init?(stringValue: String) { nil }
        init?(intValue: Int) { self.intValue = intValue }
    }
}
