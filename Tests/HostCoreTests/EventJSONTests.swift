import Foundation
import Testing

@testable import LightningProtocol

/// `Event`'s and `Timestamp`'s hand-written JSON (EventJSON.swift) against the `Codable` path
/// and Foundation, which stay the reference: same bytes written, same events read, and every
/// input the hand-written reader declines still decoded (or refused) as Foundation does.
@Suite struct EventJSONTests {
    typealias Rng = FastJSONTests.SplitMix

    static func randomString(_ rng: inout Rng) -> String {
        let alphabet: [String] = ["a", "Z", "0", ".", "_", "é", "😀", "\"", "\\", "/", "\n", "\u{1}", "中", " "]
        return (0..<Int(rng.next() % 10)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }.joined()
    }

    static func randomMillis(_ rng: inout Rng) -> Int64 {
        switch rng.next() % 5 {
        case 0: return Timestamp.valid.lowerBound + Int64(rng.next() % 100_000_000)
        case 1: return Timestamp.valid.upperBound - Int64(rng.next() % 100_000_000)
        case 2: return Int64(rng.next() % 4_000_000_000_000)  // 1970 to 2096
        case 3: return -Int64(rng.next() % 4_000_000_000_000)  // before 1970
        default: return Int64(truncatingIfNeeded: rng.next()) % Timestamp.valid.upperBound
        }
    }

    static func randomEvent(_ rng: inout Rng) -> Event {
        func maybe(_ s: String) -> String? { rng.next() % 2 == 0 ? s : nil }
        var metadata: [String: JSONValue] = [:]
        for k in 0..<Int(rng.next() % 4) { metadata[["lt.hops", "lt.emitted_by", "k\(k)", "Z"][Int(rng.next() % 4)]] = FastJSONTests.random(depth: 2, &rng) }
        let millis = randomMillis(&rng)
        return Event(id: randomString(&rng), type: "t.\(rng.next() % 100)", source: randomString(&rng),
                     data: FastJSONTests.random(depth: 0, &rng), metadata: metadata,
                     timestamp: Timestamp(millis: max(Timestamp.valid.lowerBound, min(Timestamp.valid.upperBound, millis))),
                     correlationId: maybe(randomString(&rng)), idempotencyKey: maybe(randomString(&rng)),
                     ttlSeconds: rng.next() % 2 == 0 ? Int(rng.next() % 100_000) : nil,
                     priority: Priority.allCases[Int(rng.next() % 4)], userId: maybe(randomString(&rng)), replyTo: maybe(randomString(&rng)))
    }

    @Test func eventsAreWrittenAsFoundationWritesThem() throws {
        var rng = Rng(seed: 0xE7E7)
        for _ in 0..<600 {
            let event = Self.randomEvent(&rng)
            let reference = String(decoding: try Wire.foundationEncode(event), as: UTF8.self)
            var direct: [UInt8] = []
            try event.writeJSON(into: &direct)
            #expect(String(decoding: direct, as: UTF8.self) == reference)
            #expect(String(decoding: try Wire.encode(event), as: UTF8.self) == reference)
            // Inside other types, through the generic writer (arrays, members).
            #expect(try Wire.encode(HandleResult(events: [event, event])) == Wire.foundationEncode(HandleResult(events: [event, event])))
        }
    }

    @Test func timestampsAreWrittenAsTheirDescription() {
        var rng = Rng(seed: 0x7173)
        var millis: [Int64] = [0, -1, 1, 999, -999, -1000, 86_399_999, -86_400_000, 951_782_400_000 /* 2000-02-29 */,
                               Timestamp.valid.lowerBound, Timestamp.valid.upperBound, Timestamp.valid.upperBound + 1, Timestamp.valid.lowerBound - 1]
        for _ in 0..<5000 { millis.append(Self.randomMillis(&rng)) }
        for m in millis {
            let t = Timestamp(millis: m)
            var out: [UInt8] = []
            t.writeJSON(into: &out)
            #expect(String(decoding: out, as: UTF8.self) == "\"\(t.description)\"", "millis \(m)")
            if Timestamp.valid.contains(m) { #expect(Timestamp(rfc3339: t.description) == t, "millis \(m)") }
        }
    }

    /// Random event objects, with every member absent, null, in its plain form or of a wrong
    /// kind: whatever the hand-written reader accepts equals what `Codable` with Foundation
    /// reads, and `Wire.decode` agrees with Foundation on every input (value or refusal).
    @Test func eventsAreReadAsFoundationReadsThem() throws {
        var rng = Rng(seed: 0xDEC0DE)
        var accepted = 0, declined = 0
        var clean = false  // half of the objects have no member of a wrong kind
        func member(_ plain: [JSONValue], _ rng: inout Rng) -> JSONValue? {
            switch rng.next() % 8 {
            case 2 where clean, 3 where clean, 4 where clean: return plain[0]
            case 0: return nil
            case 1: return .null
            case 2: return .bool(true)
            case 3: return .int(7)
            case 4: return .object(["x": 1])
            default: return plain[Int(rng.next() % UInt64(plain.count))]
            }
        }
        for _ in 0..<3000 {
            clean = rng.next() % 2 == 0
            var o: [String: JSONValue] = [:]
            let s: [JSONValue] = [.string("a"), .string(""), .string("é\"\\")]
            o["type"] = rng.next() % 10 == 0 ? member(s, &rng) : .string("a.b")
            o["id"] = rng.next() % 4 == 0 ? member(s, &rng) : .string("id-1")
            o["timestamp"] = rng.next() % 4 == 0
                ? member([.string("2026-12-07T10:00:00Z"), .string("2026-12-07T10:00:00.5+01:00"), .string("not a time"), .int(1_700_000_000), .double(1.5)], &rng)
                : .string("2026-12-07T10:00:00.123Z")
            for k in ["source", "correlation_id", "idempotency_key", "user_id", "reply_to"] { o[k] = member(s, &rng) }
            o["data"] = member([FastJSONTests.random(depth: 1, &rng), .array([.int(1)]), .string("x")], &rng)
            o["metadata"] = member([.object(["lt.hops": .int(2)]), .object([:])], &rng)
            o["ttl_seconds"] = member([.int(60), .int(-5), .double(5.0), .double(2.5), .string("60")], &rng)
            o["priority"] = member([.string("low"), .string("critical"), .string("urgent"), .string("High")], &rng)
            if rng.next() % 5 == 0 { o["extra"] = .string("ignored") }

            let bytes = try Wire.foundationEncode(JSONValue.object(o))
            let reference = try? JSONDecoder().decode(Event.self, from: bytes)
            let viaWire = try? Wire.decode(Event.self, from: bytes)
            func same(_ a: Event, _ b: Event) -> Bool {
                // Ids and timestamps the reader makes up when absent differ between two reads.
                var a = a, b = b
                if o["id"] == nil || o["id"] == .null { a.id = ""; b.id = "" }
                if o["timestamp"] == nil || o["timestamp"] == .null { a.timestamp = Timestamp(millis: 0); b.timestamp = Timestamp(millis: 0) }
                return a == b
            }
            #expect((viaWire == nil) == (reference == nil), "\(String(decoding: bytes, as: UTF8.self))")
            if let viaWire, let reference { #expect(same(viaWire, reference), "\(String(decoding: bytes, as: UTF8.self))") }
            // The same object in a list (`PublishRequest`), next to a plain event: read by hand
            // only when every element is plain, and always as Foundation reads it.
            let list = try Wire.foundationEncode(["events": JSONValue.array([.object(["type": "a.b", "id": "x", "timestamp": "2026-12-07T10:00:00.000Z"]), .object(o)])])
            let listReference = try? JSONDecoder().decode(PublishRequest.self, from: list)
            let listViaWire = try? Wire.decode(PublishRequest.self, from: list)
            #expect((listViaWire == nil) == (listReference == nil), "\(String(decoding: list, as: UTF8.self))")
            if let listViaWire, let listReference {
                #expect(listViaWire.events.count == 2 && listViaWire.events[0] == listReference.events[0] && same(listViaWire.events[1], listReference.events[1]))
            }
            if let direct = Event(wireObject: o) {
                accepted += 1
                let ref = try #require(reference, "accepted what Foundation refuses: \(String(decoding: bytes, as: UTF8.self))")
                #expect(same(direct, ref), "\(String(decoding: bytes, as: UTF8.self))")
            } else {
                declined += 1
            }
        }
        // Both branches were exercised.
        #expect(accepted > 300)
        #expect(declined > 300)
    }
}

/// A response line with a result spliced in as encoded JSON (ChildKit's answers) is the line
/// `RPCMessage.response(…).line()` writes for the same result.
@Suite struct SplicedResponseLineTests {
    @Test func splicedLinesEqualTheWrittenOnes() throws {
        var rng = FastJSONTests.SplitMix(seed: 0x11E5)
        for i in 0..<500 {
            let result = FastJSONTests.random(depth: 0, &rng)
            let id: RPCID = i % 2 == 0 ? .int(Int64(i) - 250) : .string("req-\"\(i)\"\\é")
            let spliced = RPCMessage.responseLine(id: id, resultJSON: try Wire.encode(result))
            #expect(String(decoding: spliced, as: UTF8.self) == String(decoding: RPCMessage.response(id: id, result: result).line(), as: UTF8.self))
            // And it parses back to the same message.
            #expect(try RPCMessage.parse(spliced.dropLast()) == .response(id: id, result: result))
        }
    }
}
