import Foundation
@testable import HostCore
import LightningProtocol
import Testing

/// `JSONShape.check`: the limits on a request body's JSON (issue 17, item 6), over bytes.
@Suite struct JSONShapeTests {
    let small = JSONShapeLimits(maxDepth: 4, maxStringBytes: 8, maxElements: 3)

    func check(_ text: String, _ limits: JSONShapeLimits? = nil) -> WireError? {
        let bytes = Array(text.utf8)
        do {
            try bytes.withUnsafeBytes { try JSONShape.check($0, limits: limits ?? small) }
            return nil
        } catch let e as WireError { return e } catch { Issue.record("unexpected \(error)"); return nil }
    }

    @Test func acceptsWhatFitsExactly() {
        #expect(check(#"{"a": [[1, 2, 3]], "b": "12345678", "c": {}}"#) == nil)
        #expect(check(#"[[[[]]]]"#) == nil)  // four levels
        #expect(check(#"[1,2,3]"#) == nil)
        #expect(check("") == nil)
        #expect(check("17") == nil)
    }

    @Test func depthPastTheLimitIs400NamingTheSetting() throws {
        let e = try #require(check(#"[[[[[]]]]]"#))
        #expect(e.code == .invalidArgument)
        #expect(e.message == "request body: JSON nested deeper than 4 levels at byte 4 (http.max_json_depth)")
        #expect(check(#"{"a": {"b": {"c": {"d": {}}}}}"#)?.code == .invalidArgument)
    }

    @Test func aHugeNestingIsRefusedWithoutRecursion() throws {
        let deep = String(repeating: "[", count: 1_000_000)
        #expect(check(deep, JSONShapeLimits())?.message.contains("deeper than 64 levels") == true)
    }

    @Test func longStringsAre413EvenAsKeys() throws {
        let value = try #require(check(#"{"a": "123456789"}"#))
        #expect(value.code == .payloadTooLarge)
        #expect(value.message == "request body: a JSON string of 9 bytes at byte 6; at most 8 (http.max_json_string_bytes)")
        #expect(check(#"{"123456789": 1}"#)?.code == .payloadTooLarge)
        #expect(check(#""123456789"#)?.code == .payloadTooLarge)  // unterminated
    }

    @Test func escapesAndStructureInsideStringsAreText() {
        #expect(check(#"["\"[[[[[,,,,", "a\\"]"#, JSONShapeLimits(maxDepth: 2, maxStringBytes: 16, maxElements: 2)) == nil)  // quotes, brackets and commas inside strings do not count
        #expect(check(#"["ab\"cd"]"#) == nil)  // 6 bytes with the escape
    }

    @Test func tooManyMembersAre413() throws {
        let array = try #require(check("[1, 2, 3, 4]"))
        #expect(array.code == .payloadTooLarge)
        #expect(array.message == "request body: a JSON array or object with more than 3 members at byte 8 (http.max_json_elements)")
        #expect(check(#"{"a": 1, "b": 2, "c": 3, "d": 4}"#)?.code == .payloadTooLarge)
        // Members are counted per container, not over the whole body.
        #expect(check("[[1, 2, 3], [1, 2, 3], [1, 2, 3]]") == nil)
    }
}

/// `TokenBucket`: the per-token rate limit's decision, with the clock passed in.
@Suite struct TokenBucketTests {
    @Test func burstThenRefillAtTheRate() throws {
        let limit = RateLimit(perSecond: 2, burst: 3)
        var b = TokenBucket(limit: limit, now: 100)
        #expect(b.take(now: 100, limit: limit) == nil)
        #expect(b.take(now: 100, limit: limit) == nil)
        #expect(b.take(now: 100, limit: limit) == nil)
        let wait = b.take(now: 100, limit: limit)
        #expect(abs((wait ?? 0) - 0.5) < 1e-9)
        #expect(b.take(now: 100.25, limit: limit) != nil)  // half a permit
        #expect(b.take(now: 100.5, limit: limit) == nil)
        #expect(b.take(now: 100.5, limit: limit) != nil)
    }

    @Test func refillStopsAtTheBurst() {
        let limit = RateLimit(perSecond: 10, burst: 2)
        var b = TokenBucket(limit: limit, now: 0)
        #expect(b.take(now: 3600, limit: limit) == nil)
        #expect(b.take(now: 3600, limit: limit) == nil)
        #expect(b.take(now: 3600, limit: limit) != nil)
    }

    @Test func aClockGoingBackwardsRefillsNothing() {
        let limit = RateLimit(perSecond: 1, burst: 1)
        var b = TokenBucket(limit: limit, now: 50)
        #expect(b.take(now: 50, limit: limit) == nil)
        #expect(b.take(now: 10, limit: limit) != nil)
        #expect(b.take(now: 50.5, limit: limit) != nil)
        #expect(b.take(now: 51, limit: limit) == nil)
    }

    @Test func aLoweredBurstAppliesAtOnce() {
        var b = TokenBucket(limit: RateLimit(perSecond: 1, burst: 100), now: 0)
        let lowered = RateLimit(perSecond: 1, burst: 1)
        #expect(b.take(now: 0, limit: lowered) == nil)
        #expect(b.take(now: 0, limit: lowered) != nil)
    }

    @Test func defaultBurstIsOneSecondsWorth() {
        #expect(RateLimit(perSecond: 2.5).burst == 3)
        #expect(RateLimit(perSecond: 0.1).burst == 1)
    }

    @Test func rangesAreChecked() {
        #expect(throws: WireError.self) { try RateLimit(perSecond: 0).validated() }
        #expect(throws: WireError.self) { try RateLimit(perSecond: .infinity).validated() }
        #expect(throws: WireError.self) { try RateLimit(perSecond: 1, burst: 0).validated() }
    }

    @Test func limiterKeepsOneBucketPerToken() {
        let now = Locked(0.0)
        let limiter = RateLimiter(clock: { now.value })
        let limit = RateLimit(perSecond: 1, burst: 1)
        #expect(limiter.admit("tok_a", limit: limit) == nil)
        #expect(limiter.admit("tok_b", limit: limit) == nil)
        #expect(limiter.admit("tok_a", limit: limit) != nil)
        now.withLock { $0 = 1 }
        #expect(limiter.admit("tok_a", limit: limit) == nil)
    }
}
