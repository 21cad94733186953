@testable import HostCore
import LightningProtocol
import Testing

/// `InvocationLog` (local-functions' record behind `functions.invocation` and
/// `GET /v1/functions/{name}/invocations`): one function's invocations, the latest started first,
/// bounded, a running invocation replaced in place by its result.
@Suite struct InvocationLogTests {
    static func inv(_ id: String, _ function: String = "wc", at millis: Int64, _ status: Invocation.Status = .succeeded) -> Invocation {
        Invocation(invocationId: id, function: function, status: status, durationMs: 1, coldStart: false, startedAt: Timestamp(millis: millis))
    }

    @Test func listsOneFunctionsInvocationsLatestStartedFirst() {
        var log = InvocationLog()
        // A synchronous invocation is recorded when it ends: `slow` started first but ends last.
        log.put(Self.inv("a", at: 1_000))
        log.put(Self.inv("other", "echo", at: 1_500))
        log.put(Self.inv("b", at: 3_000))
        log.put(Self.inv("slow", at: 2_000))
        #expect(log.recent(of: "wc", limit: 10).map(\.invocationId) == ["b", "slow", "a"])
        #expect(log.recent(of: "wc", limit: 2).map(\.invocationId) == ["b", "slow"])
        #expect(log.recent(of: "echo", limit: 10).map(\.invocationId) == ["other"])
        #expect(log.recent(of: "nothing", limit: 10).isEmpty)
    }

    @Test func aResultReplacesItsRunningRecordAndTiesKeepTheLatestRecordedFirst() {
        var log = InvocationLog()
        log.put(Self.inv("async", at: 5_000, .running))
        log.put(Self.inv("x", at: 5_000))
        log.put(Self.inv("async", at: 5_000, .failed))
        let listed = log.recent(of: "wc", limit: 10)
        #expect(listed.map(\.invocationId) == ["x", "async"])
        #expect(listed.map(\.status) == [.succeeded, .failed])
    }

    @Test func keepsTheLastThousand() {
        var log = InvocationLog()
        for i in 0..<(InvocationLog.capacity + 5) { log.put(Self.inv("i\(i)", at: Int64(i))) }
        let all = log.recent(of: "wc", limit: 5000)
        #expect(all.count == InvocationLog.capacity)
        #expect(all.first?.invocationId == "i\(InvocationLog.capacity + 4)")
        #expect(all.last?.invocationId == "i5")
        #expect(log.get("i4") == nil)
    }
}
