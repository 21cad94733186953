import Foundation
@testable import HostCore
import LightningProtocol
import Testing

@Suite struct WireTypesTests {
    @Test func newEventIDsAreLowerCaseVersion7UUIDsAndDistinct() {
        let ids = (0..<2000).map { _ in Event.newID() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(200) {
            let parsed = UUID(uuidString: id)
            #expect(parsed != nil)
            #expect(parsed?.uuidString.lowercased() == id)
            let chars = Array(id)
            #expect(chars[14] == "7")
            #expect("89ab".contains(chars[19]))
        }
        #expect(Event(type: "t").id.count == 36)
    }

    /// The first 48 bits are the Unix milliseconds (RFC 9562's layout), so ids of later
    /// milliseconds sort after earlier ones as strings: what keeps the journals' id indexes
    /// appending instead of writing a random page per event.
    @Test func newEventIDsCarryTheirMillisecondAndSortByIt() {
        let instants: [Int64] = [0, 1, 255, 256, 1_700_000_000_000, 1_799_999_999_999, 0xFFFF_FFFF_FFFF]
        for ms in instants {
            let id = Event.newID(now: Timestamp(millis: ms))
            let hex = id.replacingOccurrences(of: "-", with: "").prefix(12)
            #expect(Int64(hex, radix: 16) == ms, "\(id) for \(ms)")
        }
        var previous = ""
        for ms in stride(from: Int64(1_765_000_000_000), to: 1_765_000_000_000 + 5000, by: 7) {
            let id = Event.newID(now: Timestamp(millis: ms))
            #expect(id > previous)
            previous = id
        }
    }

    @Test func aReceiveResultWithSplicedEventsIsTheSameJSONAsTheTypedOne() throws {
        let events = [
            Event(id: "e1", type: "a.b", source: "s", data: ["text": "quote \" and \\ and é", "n": 3], metadata: ["lt.hops": 1]),
            Event(id: "e2", type: "c", source: "s", correlationId: "e1", ttlSeconds: 60, priority: .high),
        ]
        let typed = ReceiveResult(deliveries: [
            Delivery(deliveryId: "1:ab", attempt: 1, event: events[0]),
            Delivery(deliveryId: "2:\"odd\"\n", attempt: 3, event: events[1]),
        ])
        let spliced = ReceiveResult.json(try typed.deliveries.map { d in
            EncodedDelivery(deliveryId: d.deliveryId, attempt: d.attempt, event: try Wire.encode(d.event))
        })
        // Byte for byte what the typed result encodes to, and it reads back the same.
        #expect(String(decoding: spliced, as: UTF8.self) == String(decoding: try Wire.encode(typed), as: UTF8.self))
        let back = try Wire.decode(ReceiveResult.self, from: spliced)
        #expect(back.deliveries == typed.deliveries)
        #expect(String(decoding: ReceiveResult.json([]), as: UTF8.self) == #"{"deliveries":[]}"#)
    }

    @Test func patternsMatchExactPrefixAndStar() {
        #expect(EventPattern.matches("*", "anything.at.all"))
        #expect(EventPattern.matches("user.*", "user.created"))
        #expect(EventPattern.matches("user.*", "user.profile.updated"))
        #expect(!EventPattern.matches("user.*", "user"))
        #expect(!EventPattern.matches("user.*", "users.created"))
        #expect(EventPattern.matches("user.created", "user.created"))
        #expect(!EventPattern.matches("user.created", "user.created.v2"))
    }

    @Test func validatesTypesAndPatterns() {
        #expect(EventPattern.isValidType("a.b_c-d.9"))
        #expect(!EventPattern.isValidType("a..b"))
        #expect(!EventPattern.isValidType(".a"))
        #expect(!EventPattern.isValidType("a b"))
        #expect(EventPattern.isValidPattern("a.*"))
        #expect(!EventPattern.isValidPattern("a*"))
        #expect(!EventPattern.isValidPattern("*.a"))
    }

    @Test func filtersMatchSourcesUsersAndNestedData() {
        let e = Event(type: "t", source: "crm", data: ["a": ["b": 1], "s": "x"], metadata: ["m": "v"], userId: "u1")
        #expect(EventFilter(sources: ["crm"], userIds: ["u1"], data: ["a.b": 1, "s": "x"], metadata: ["m": "v"]).matches(e))
        #expect(!EventFilter(data: ["a.b": "1"]).matches(e))
        #expect(!EventFilter(userIds: ["u2"]).matches(e))
        #expect(!EventFilter(data: ["missing": .null]).matches(e))
    }

    @Test func timestampsRoundTripAsRFC3339() throws {
        let t = Timestamp(millis: 1_700_000_000_123)
        #expect(t.description == "2023-11-14T22:13:20.123Z")
        #expect(Timestamp(rfc3339: t.description) == t)
        #expect(Timestamp(rfc3339: "2023-11-14T23:13:20.123+01:00") == t)
        #expect(Timestamp(rfc3339: "2023-11-14T22:13:20Z")?.millis == 1_700_000_000_000)
        #expect(Timestamp(rfc3339: "2023-13-14T22:13:20Z") == nil)
        #expect(Timestamp(rfc3339: "yesterday") == nil)
        // Nanoseconds (podman, Azure) are truncated to milliseconds; one digit scales up.
        #expect(Timestamp(rfc3339: "2023-11-14T22:13:20.123456789Z") == t)
        #expect(Timestamp(rfc3339: "2023-11-14T22:13:20.1Z")?.millis == 1_700_000_000_100)
        #expect(Timestamp(rfc3339: "2023-11-14T22:13:20.Z") == nil)
        #expect(Timestamp(rfc3339: "2023-11-14T22:13:20+") == nil)
        #expect(Timestamp(rfc3339: "2023-11-14T22:13:20+01") == nil)
        let decoded = try JSONDecoder().decode([Timestamp].self, from: Data("[\"2023-11-14T22:13:20.123Z\"]".utf8))
        #expect(decoded == [t])
    }

    @Test func eventDecodingFillsDefaultsAndValidates() throws {
        let e = try Wire.decode(Event.self, from: Data(#"{"type":"user.created","data":{"x":1}}"#.utf8))
        #expect(!e.id.isEmpty)
        #expect(e.source == "api")
        #expect(e.priority == .normal)
        #expect(e.validationError() == nil)
        var bad = e
        bad.type = "no spaces"
        #expect(bad.validationError()?.contains("field \"type\"") == true)
        #expect(throws: WireError.self) { try Wire.decode(Event.self, from: Data(#"{"data":{}}"#.utf8)) }
        do { _ = try Wire.decode(Event.self, from: Data(#"{"data":{}}"#.utf8)) } catch let w as WireError {
            #expect(w.message == "params: field \"type\": required but missing")
        }
    }

    @Test func jsonNumbersCompareByValue() throws {
        #expect(JSONValue.int(1) == JSONValue.double(1.0))
        #expect(JSONValue.int(1) != JSONValue.bool(true))
        let v = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"a":[1,2.5,"x",null,true]}"#.utf8))
        #expect(v["a"] == [1, 2.5, "x", nil, true])
    }

    @Test func semanticVersionsParseAndOrder() {
        #expect(SemanticVersion("1.2.3-beta.1+build5")?.description == "1.2.3-beta.1+build5")
        #expect(SemanticVersion("01.2.3") == nil)
        #expect(SemanticVersion("1.2") == nil)
        #expect(SemanticVersion("1.2.3-beta")! < SemanticVersion("1.2.3")!)
        #expect(SemanticVersion("1.10.0")! > SemanticVersion("1.9.9")!)
    }

    @Test func retryDelaysDoubleUpToTheCap() {
        let s = Subscription(name: "s", patterns: ["*"], backoffMs: 100, maxBackoffMs: 500)
        #expect([1, 2, 3, 4, 5].map { s.retryDelayMs(afterAttempt: $0) } == [100, 200, 400, 500, 500])
    }

    @Test func metadataFiltersMatchDottedKeysAsIsAndNestedPaths() {
        let e = Event(type: "a.b", metadata: ["lt.hops": 2, "ctx": ["tenant": "t1"]])
        #expect(EventFilter(metadata: ["lt.hops": 2]).matches(e))
        #expect(!EventFilter(metadata: ["lt.hops": 3]).matches(e))
        #expect(EventFilter(metadata: ["ctx.tenant": "t1"]).matches(e))
        #expect(!EventFilter(metadata: ["ctx.tenant": "t2"]).matches(e))
    }
}

/// Numbers from clients never trap the daemon (schemathesis found `"before": -1.26e289` on
/// `POST /v1/events/orphans/drain` crashing it in `Timestamp.init(from:)`).
@Suite struct HostileNumbersTests {
    @Test func timestampsOutsideYears1To9999AreDecodingErrors() throws {
        for text in ["-1.2622958223217756e+289", "1e300", "253402300800"] {
            #expect(throws: DecodingError.self, "\(text)") { try JSONDecoder().decode(Timestamp.self, from: Data(text.utf8)) }
        }
        #expect(try JSONDecoder().decode(Timestamp.self, from: Data("1.5".utf8)).millis == 1500)
        #expect(Timestamp(secondsSince1970: .nan) == nil && Timestamp(secondsSince1970: -.infinity) == nil)
    }

    @Test func addingSaturates() {
        let now = Timestamp.now()
        #expect(now.adding(seconds: 1e300).millis == Timestamp.valid.upperBound)
        #expect(now.adding(seconds: -1e300).millis == Timestamp.valid.lowerBound)
        #expect(now.adding(seconds: .nan) == now)
        #expect(now.adding(seconds: 1).millis == now.millis + 1000)
    }

    @Test func hugeTTLsAreRefusedAndNeverOverflow() {
        var e = Event(type: "t.x", source: "test", data: .null)
        e.ttlSeconds = Int.max
        #expect(e.validationError()?.contains("ttl_seconds") == true)
        #expect(e.isExpired() == false)
        e.ttlSeconds = 60
        #expect(e.validationError() == nil)
    }
}
