import Foundation
import LightningProtocol
@testable import HostCore
import Testing

@testable import LightningProtocol

/// `FastJSONEncoder` writes Foundation's bytes (`JSONEncoder`, `.sortedKeys`,
/// `.withoutEscapingSlashes`) or declines; `Wire.encode` is always Foundation's output.
@Suite struct FastJSONEncoderTests {
    /// The fast bytes equal Foundation's, or the writer declined; `Wire.encode` equals Foundation's either way.
    @discardableResult
    static func check<T: Encodable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws -> Bool {
        let reference = try Wire.foundationEncode(value)
        #expect(try Wire.encode(value) == reference, sourceLocation: sourceLocation)
        guard let fast = try? FastJSONEncoder.encode(value) else { return false }
        #expect(String(decoding: fast, as: UTF8.self) == String(decoding: reference, as: UTF8.self), sourceLocation: sourceLocation)
        return true
    }

    @Test func randomDocumentsAreWrittenAsFoundationWritesThem() throws {
        var rng = FastJSONTests.SplitMix(seed: 0x5EED_0E0C)
        var written = 0
        for _ in 0..<800 where try Self.check(FastJSONTests.random(depth: 0, &rng)) { written += 1 }
        // The generator's doubles are all in the written range: nothing may be declined.
        #expect(written == 800)
    }

    /// Foundation sorts keys by their UTF-8 bytes on Linux: upper case before lower, digits by
    /// character (not numerically), punctuation by code, non-ASCII last, NFC and NFD apart.
    @Test func keysAreOrderedAsFoundationOrdersThem() throws {
        let keys = ["a_b", "ab", "aB", "a.b", "a-b", "a1", "a10", "a2", "a01", "A", "a", "_a", "Z", "z", "[", "`", "~", "{",
                    "é", "e\u{301}", "f", "E", "中", "😀", "", " ", "lt.hops", "lt.emitted_by", "t0", "text", "x9", "x10"]
        var rng = FastJSONTests.SplitMix(seed: 42)
        for _ in 0..<200 {
            var object: [String: JSONValue] = [:]
            for _ in 0..<Int(rng.next() % 12) { object[keys[Int(rng.next() % UInt64(keys.count))] + (rng.next() % 3 == 0 ? "x" : "")] = .int(1) }
            #expect(try Self.check(JSONValue.object(object)))
            #expect(try Self.check(object.mapValues { _ in 1 }))
        }
    }

    @Test func doublesAreWrittenAsFoundationWritesThemOrDeclined() throws {
        var rng = FastJSONTests.SplitMix(seed: 7)
        var written = 0
        let fixed: [Double] = [0, -0.0, 1, -1, 0.1, 0.5, 1.5, 1e-4, 1e-5, 123456789.123, 1e14, 1e15 - 1, 1e15, 1e16, 1e20, -2.5e-3,
                               .pi, 9007199254740992, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .infinity, .nan]
        for d in fixed { if (try? Wire.foundationEncode(d)) != nil, try Self.check(d) { written += 1 } }
        for _ in 0..<3000 {
            let d: Double = switch rng.next() % 3 {
            case 0: Double(bitPattern: rng.next())
            case 1: Double(Int(truncatingIfNeeded: rng.next()) % 10_000_000) / Double(1 << (rng.next() % 30))
            default: Double(Int(truncatingIfNeeded: rng.next()) % 1_000_000)
            }
            guard (try? Wire.foundationEncode(d)) != nil else { continue }  // NaN and infinities: Foundation throws
            if try Self.check(d) { written += 1 }
            try Self.check(["v": d])
        }
        #expect(written > 2000)
    }

    @Test func typedValuesAreWrittenAsFoundationWritesThem() throws {
        enum Kind: String, Codable { case one, two }
        struct Inner: Codable { var name: String; var n: Int8; var big: UInt64; var flag: Bool? }
        struct Shapes: Codable {
            var list: [Inner]; var kinds: [Kind]; var byInt: [Int: String]; var optional: String?; var explicitNil: Int?
            var data: Data; var url: URL; var date: Date; var nested: [[String: [Int]]]; var empty: [String: Int]
            var value: JSONValue
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(list, forKey: .list); try c.encode(kinds, forKey: .kinds); try c.encode(byInt, forKey: .byInt)
                try c.encodeIfPresent(optional, forKey: .optional); try c.encode(explicitNil, forKey: .explicitNil)
                try c.encode(data, forKey: .data); try c.encode(url, forKey: .url); try c.encode(date, forKey: .date)
                try c.encode(nested, forKey: .nested); try c.encode(empty, forKey: .empty); try c.encode(value, forKey: .value)
            }
        }
        let shapes = Shapes(list: [Inner(name: "a/b \"q\"", n: -8, big: .max, flag: nil), Inner(name: "", n: 0, big: 0, flag: true)],
                            kinds: [.two, .one], byInt: [10: "ten", 2: "two", -1: "minus"], optional: nil, explicitNil: nil,
                            data: Data([0, 1, 2, 250, 255]), url: URL(string: "https://example.com/a?b=c")!,
                            date: Date(timeIntervalSinceReferenceDate: 1_000_000), nested: [["b": [1], "a": []]], empty: [:],
                            value: ["z": 1, "a": [true, nil, "s"]])
        #expect(try Self.check(shapes))
        #expect(try Self.check([Kind.one]))
        #expect(try Self.check("top-level fragment"))
        #expect(try Self.check(Empty()))
    }

    /// The protocol's hot messages are written, not declined.
    @Test func theHotMessagesAreWritten() throws {
        let event = Event(type: "echo.request", source: "bench", data: ["t0": 123, "text": "hello / \"world\"", "seq": 1, "x": 2.5])
        var replied = event
        replied.metadata = [EventMetadataKey.hops: 1, EventMetadataKey.emittedBy: "echo-driver"]
        replied.correlationId = "c-1"
        replied.ttlSeconds = 60
        #expect(try Self.check(event))
        #expect(try Self.check(replied))
        #expect(try Self.check(PublishRequest(events: [event, replied])))
        #expect(try Self.check(WireError(.invalidArgument, "field \"x\": expected a string")))
    }

    /// What the writer leaves to Foundation still comes out of `Wire.encode` as Foundation's bytes.
    @Test func declinedShapesFallBackToFoundation() throws {
        struct Nested: Encodable {
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: AnyKey.self)
                var inner = c.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("outer"))
                try inner.encode(1, forKey: AnyKey("b"))
                try c.encode(2, forKey: AnyKey("a"))
            }
        }
        struct Twice: Encodable {
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: AnyKey.self)
                try c.encode(1, forKey: AnyKey("k"))
                try c.encode(2, forKey: AnyKey("k"))
            }
        }
        struct Floaty: Encodable { var f: Float = 0.1 }
        #expect(try !Self.check(Nested()))
        #expect(try !Self.check(Twice()))
        #expect(try !Self.check(Floaty()))
        #expect(try !Self.check(["big": 1e300]))
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
