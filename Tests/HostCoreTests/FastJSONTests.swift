import Foundation
@testable import LightningProtocol
import Testing

/// `FastJSON` and `JSONValueDecoder` (`Wire.decode`'s fast path) against the reference,
/// Foundation's `JSONDecoder`: whatever the fast path accepts, it must read exactly as Foundation
/// does; whatever Foundation refuses, the fast path must refuse too (then `Wire.decode` asks
/// Foundation, whose error messages are the ones users see).
@Suite struct FastJSONTests {
    static func foundation(_ text: String) -> JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }

    /// The fast parser agrees with Foundation or declines; it never accepts what Foundation refuses.
    static func check(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let reference = foundation(text)
        guard let fast = FastJSON.parse(Data(text.utf8)) else { return }
        #expect(reference != nil, "accepted what Foundation refuses: \(text.debugDescription)", sourceLocation: sourceLocation)
        #expect(fast == reference, "\(text.debugDescription): fast \(fast), Foundation \(String(describing: reference))", sourceLocation: sourceLocation)
    }

    @Test func edgeCasesAgreeWithFoundationOrAreDeclined() {
        let cases = [
            "0", "-0", "1", "-1", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "12345678901234567890",
            "1.5", "-0.25", "1.0", "1e2", "1E2", "1e-2", "1.5e3", "1e400", "1e-400", "-1e-400", "1.0000000000000001", "0.1", "2.5e-7",
            "01", "+1", "1.", ".5", "-", "1e", "1e+", "NaN", "Infinity", "-Infinity", "0x10",
            "true", "false", "null", "tru", "nul", "True",
            "\"\"", "\"a\"", #""\u00e9\ud83d\ude00""#, #""\ud83d""#, #""\ude00""#, #""\u0000""#, #""\/\b\f\n\r\t\"\\""#, #""\x""#, #""\u12""#,
            "\"raw\u{1}control\"", "\"tab\tinside\"", "\"é😀\"", "\"unterminated",
            "[]", "{}", "[1,2,3]", "[1,]", "[,1]", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":1 \"b\":2}", "{1:2}", "{\"a\":1,\"a\":2}",
            " \t\n\r[ 1 , { \"k\" : [ null ] } ]\n ", "[1] x", "", " ", "\u{feff}[1]",
            String(repeating: "[", count: 300) + String(repeating: "]", count: 300),
            String(repeating: "[", count: 200) + String(repeating: "]", count: 200),
        ]
        for c in cases { Self.check(c) }
        // Invalid UTF-8 inside a string: both refuse.
        var bad = Data("\"a".utf8)
        bad.append(contentsOf: [0xC3, 0x28, 0x22])
        #expect(FastJSON.parse(bad) == nil)
        #expect((try? JSONDecoder().decode(JSONValue.self, from: bad)) == nil)
    }

    /// The common shapes are read by the fast path (not declined), so it does its job.
    @Test func theHotShapesAreNotDeclined() throws {
        let event = #"{"id":"e1","type":"order.created","source":"shop","timestamp":"2026-12-07T00:00:00.000Z","data":{"n":1,"x":1.5,"s":"é\n","list":[true,null,{"k":"v"}]},"metadata":{"lt.hops":2}}"#
        #expect(FastJSON.parse(Data(event.utf8)) != nil)
        #expect(FastJSON.parse(Data("[\(event),\(event)]".utf8)) != nil)
        let tree = try #require(FastJSON.parse(Data(event.utf8)))
        #expect(try JSONValueDecoder.decode(Event.self, from: tree, at: []) == JSONDecoder().decode(Event.self, from: Data(event.utf8)))
    }

    /// Random documents, written by Foundation's encoder (compact and pretty) and read back both ways.
    @Test func randomDocumentsAgree() throws {
        var rng = SplitMix(seed: 0x5EED_F00D)
        let compact = JSONEncoder()
        let pretty = JSONEncoder()
        pretty.outputFormatting = [.prettyPrinted, .sortedKeys]
        var read = 0
        for _ in 0..<400 {
            let v = Self.random(depth: 0, &rng)
            for encoder in [compact, pretty] {
                let text = String(decoding: try encoder.encode(v), as: UTF8.self)
                Self.check(text)
                if FastJSON.parse(Data(text.utf8)) != nil { read += 1 }
            }
        }
        #expect(read > 600, "the fast parser declined too much: \(read) of 800 read")
    }

    /// Typed decoding through the tree gives what Foundation gives, and fails where it fails.
    @Test func typedDecodingAgreesWithFoundation() throws {
        struct Shapes: Codable, Equatable {
            var i: Int; var u8: UInt8?; var i64: Int64; var d: Double; var b: Bool; var s: String
            var o: [String: JSONValue]; var a: [Int]; var nested: [[String: String]]?; var data: Data?; var url: URL?
            var kind: Priority; var maybe: String?
        }
        let good = #"{"i":-3,"u8":255,"i64":9223372036854775807,"d":2,"b":false,"s":"x","o":{"k":[1,{"z":null}]},"a":[1,2],"nested":[{"a":"b"}],"data":"AQID","url":"https://example.com/a?b=c","kind":"high","maybe":null}"#
        let bad = [
            #"{"i":1.5,"i64":1,"d":1,"b":true,"s":"","o":{},"a":[],"kind":"low"}"#,       // fraction into Int
            #"{"i":1,"u8":256,"i64":1,"d":1,"b":true,"s":"","o":{},"a":[],"kind":"low"}"#, // out of UInt8
            #"{"i":1,"i64":1,"d":1,"b":1,"s":"","o":{},"a":[],"kind":"low"}"#,             // number as Bool
            #"{"i":1,"i64":1,"d":1,"b":true,"s":1,"o":{},"a":[],"kind":"low"}"#,           // number as String
            #"{"i":1,"i64":1,"d":1,"b":true,"s":"","o":[],"a":[],"kind":"low"}"#,          // array as object
            #"{"i":1,"i64":1,"d":1,"b":true,"s":"","o":{},"a":[null],"kind":"low"}"#,      // null in [Int]
            #"{"i":1,"i64":1,"d":1,"b":true,"s":"","o":{},"a":[],"kind":"urgent"}"#,       // unknown enum case
            #"{"i":1,"i64":1,"d":1,"b":true,"s":"","o":{},"a":[],"kind":"low","data":"!!"}"#, // bad base64
            #"{"i":null,"i64":1,"d":1,"b":true,"s":"","o":{},"a":[],"kind":"low"}"#,       // null for a value
            #"{"i64":1,"d":1,"b":true,"s":"","o":{},"a":[],"kind":"low"}"#,                // missing key
        ]
        let tree = try #require(FastJSON.parse(Data(good.utf8)))
        #expect(try JSONValueDecoder.decode(Shapes.self, from: tree, at: []) == JSONDecoder().decode(Shapes.self, from: Data(good.utf8)))
        #expect(try Wire.decode(Shapes.self, from: Data(good.utf8)) == JSONDecoder().decode(Shapes.self, from: Data(good.utf8)))
        for text in bad {
            let t = try #require(FastJSON.parse(Data(text.utf8)))
            #expect((try? JSONValueDecoder.decode(Shapes.self, from: t, at: [])) == nil, "\(text)")
            #expect((try? JSONDecoder().decode(Shapes.self, from: Data(text.utf8))) == nil, "\(text)")
            // The message users see is Foundation's, through Wire.
            var fast = "", reference = ""
            do { _ = try Wire.decode(Shapes.self, from: Data(text.utf8), what: "body") } catch { fast = "\(error)" }
            do { _ = try JSONDecoder().decode(Shapes.self, from: Data(text.utf8)) } catch let e as DecodingError { reference = "body: " + Wire.describe(e) } catch {}
            #expect(fast.hasSuffix(reference) && !reference.isEmpty, "\(fast) vs \(reference)")
        }
    }

    /// The protocol's hot messages read the same both ways.
    @Test func protocolMessagesAgree() throws {
        let event = #"{"id":"e1","type":"a.b","source":"s","timestamp":"2026-12-07T00:00:00Z","data":{"x":[1,2.5,"3"]},"metadata":{"lt.hops":1},"priority":"low","ttl_seconds":60,"correlation_id":"c"}"#
        let publish = #"{"events":[\#(event),\#(event)]}"#
        let fromFoundation = try JSONDecoder().decode(PublishRequest.self, from: Data(publish.utf8))
        let fast = try JSONValueDecoder.decode(PublishRequest.self, from: #require(FastJSON.parse(Data(publish.utf8))), at: [])
        #expect(try Wire.encode(fast) == Wire.encode(fromFoundation))
        #expect(fast.events == fromFoundation.events)
    }

    static func random(depth: Int, _ rng: inout SplitMix) -> JSONValue {
        let pick = rng.next() % (depth > 3 ? 5 : 7)
        switch pick {
        case 0: return .null
        case 1: return .bool(rng.next() % 2 == 0)
        case 2:
            switch rng.next() % 4 {
            case 0: return .int(Int(truncatingIfNeeded: rng.next()))
            case 1: return .int(Int(rng.next() % 2000) - 1000)
            default: return .double(Double(Int(rng.next() % 2_000_000) - 1_000_000) / 1024 + 0.5)
            }
        case 3, 4:
            let alphabet: [String] = ["a", "Z", "0", " ", "é", "😀", "\"", "\\", "/", "\n", "\t", "\u{1}", "\u{7f}", "\u{2028}", "中"]
            return .string((0..<Int(rng.next() % 12)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }.joined())
        case 5: return .array((0..<Int(rng.next() % 5)).map { _ in random(depth: depth + 1, &rng) })
        default:
            var o: [String: JSONValue] = [:]
            for k in 0..<Int(rng.next() % 5) { o["k\(k)\(["", "é", "\"q", "\\"][Int(rng.next() % 4)])"] = random(depth: depth + 1, &rng) }
            return .object(o)
        }
    }

    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
