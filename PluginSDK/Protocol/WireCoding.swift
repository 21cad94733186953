public import Foundation

/// The one JSON encoder/decoder configuration used on every wire of Lightning.
///
/// Keys are written as declared by each type's `CodingKeys` (snake_case on the wire); keys are
/// sorted so that equal values encode to equal bytes (useful for fingerprints and tests).
public enum Wire {
    /// Encodes a value as compact UTF-8 JSON.
    /// Written by `FastJSONEncoder` (the same bytes, 2.6–2.75× faster on the bus's batches:
    /// docs/benchmarks.md); what it declines, and every value whose encoding fails, is encoded by
    /// Foundation's `JSONEncoder`, the reference.
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        if let data = try? FastJSONEncoder.encode(value) { return data }
        return try foundationEncode(value)
    }

    /// Foundation's encoding with the wire's settings: the reference `FastJSONEncoder` is held to.
    public static func foundationEncode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// Encodes a value, or a best-effort error object when encoding fails (never throws).
    public static func encodeOrError<T: Encodable>(_ value: T) -> Data {
        do { return try encode(value) } catch {
            return (try? encode(WireError(.internal, "could not encode result: \(error)"))) ?? Data("{}".utf8)
        }
    }

    /// Decodes a value; failures become `WireError(.invalidArgument)` naming the field and problem.
    /// Well-formed input is read by `FastJSON` and `JSONValueDecoder` (about 20× faster for event
    /// payloads); input they decline, and every input that fails, is decoded again by Foundation's
    /// `JSONDecoder`, whose result and messages are the reference (`FastJSONTests`).
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, what: String = "params") throws -> T {
        if let tree = FastJSON.parse(data), let value = try? JSONValueDecoder.decode(T.self, from: tree, at: []) { return value }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw WireError(.invalidArgument, "\(what): \(describe(error))")
        }
    }

    /// Decodes a value from an already parsed tree (e.g. one element of a parsed body), as
    /// `decode(_:from:what:)` would from the tree's bytes: read from the tree directly, and on
    /// any failure encoded and decoded again by Foundation for the reference message.
    public static func decode<T: Decodable>(_ type: T.Type, fromParsed value: JSONValue, what: String = "params") throws -> T {
        if let decoded = try? JSONValueDecoder.decode(T.self, from: value, at: []) { return decoded }
        return try decode(T.self, from: encode(value), what: what)
    }

    /// Human-readable text for a `DecodingError`: the field path, what was expected.
    public static func describe(_ error: DecodingError) -> String {
        func path(_ p: [any CodingKey]) -> String {
            let s = p.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return s.isEmpty ? "(top level)" : "field \"\(s.replacingOccurrences(of: ".[", with: "["))\""
        }
        switch error {
        case .keyNotFound(let key, let ctx):
            return "\(path(ctx.codingPath + [key])): required but missing"
        case .typeMismatch(let type, let ctx):
            return "\(path(ctx.codingPath)): expected \(typeName(type)), \(ctx.debugDescription)"
        case .valueNotFound(let type, let ctx):
            return "\(path(ctx.codingPath)): expected \(typeName(type)), got null"
        case .dataCorrupted(let ctx):
            if ctx.codingPath.isEmpty { return "not valid JSON (\(ctx.underlyingError.map { "\($0)" } ?? ctx.debugDescription))" }
            return "\(path(ctx.codingPath)): \(ctx.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Int64.Type, is UInt32.Type: return "an integer"
        case is Double.Type: return "a number"
        case is Bool.Type: return "a boolean"
        default:
            let n = "\(type)"
            if n.hasPrefix("Array") { return "an array" }
            if n.hasPrefix("Dictionary") { return "an object" }
            return n
        }
    }
}

/// An empty params or result object (`{}`).
public struct Empty: Codable, Sendable, Equatable {
    public init() {}
}
