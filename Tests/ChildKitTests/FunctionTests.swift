import LightningProtocol
import LightningTestSupport
import Testing

/// `function.invoke`, concurrency with `$/ping`, `$/cancel`, errors.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct FunctionTests {
    @Test func wordcountCountsWordsAndCharacters() async throws {
        let host = try PipeHost(BuildProducts.exampleFunction)
        try await host.handshake()
        try host.invoke(2, "wordcount", ["text": "the quick  brown\tfox"])
        #expect(try await host.result(of: 2) == ["output": ["words": 4, "chars": 20]])
    }

    @Test func pingIsAnsweredWhileAFunctionRuns() async throws {
        let host = try PipeHost(BuildProducts.exampleFunction)
        try await host.handshake()
        let started = ContinuousClock.now
        try host.invoke(2, "sleep", ["ms": 6000])
        try await host.waitForProgress(of: 2)
        try host.request(3, ChildProtocol.ping)
        // The ping's answer is the next message: it came while the function was still sleeping.
        #expect(try await host.result(of: 3) == [:])
        #expect(try await host.result(of: 2, timeout: .seconds(30)) == ["output": ["slept_ms": 6000]])
        #expect(ContinuousClock.now - started >= .milliseconds(6000))
    }

    @Test func cancelledSleepAnswersRequestCancelled() async throws {
        let host = try PipeHost(BuildProducts.exampleFunction)
        try await host.handshake()
        let started = ContinuousClock.now
        try host.invoke(2, "sleep", ["ms": 120_000])
        try await host.waitForProgress(of: 2)
        try host.notify(ChildProtocol.cancel, ["id": 2])
        let error = try await host.error(of: 2, timeout: .seconds(60))
        #expect(error == RPCError(code: -32800, message: "request cancelled", data: ["code": "cancelled"]))
        // Long before the sleep would have ended by itself.
        #expect(ContinuousClock.now - started < .seconds(60))
        // The child goes on working.
        try host.invoke(3, "wordcount", ["text": "one"])
        #expect(try await host.result(of: 3) == ["output": ["words": 1, "chars": 3]])
    }

    @Test func cancelOfUnknownRequestIsIgnored() async throws {
        let host = try PipeHost(BuildProducts.exampleFunction)
        try await host.handshake()
        try host.notify(ChildProtocol.cancel, ["id": 99])
        try host.notify(ChildProtocol.cancel, ["nonsense": true])
        try host.request(2, ChildProtocol.ping)
        #expect(try await host.result(of: 2) == [:])
    }

    @Test func unknownMethodIsMethodNotFound() async throws {
        let host = try PipeHost(BuildProducts.exampleFunction)
        try await host.handshake()
        try host.request(2, "frobnicate", [:])
        #expect(try await host.error(of: 2) == RPCError(code: -32601, message: #"method not found: "frobnicate""#, data: ["code": "unsupported"]))
    }

    @Test func unknownFunctionIsMethodNotFound() async throws {
        let host = try PipeHost(BuildProducts.exampleFunction)
        try await host.handshake()
        try host.invoke(2, "resize", [:])
        #expect(try await host.error(of: 2) == RPCError(code: -32601, message: #"unknown function "resize" (functions: ["wordcount", "sleep"])"#,
                                                        data: ["code": "unsupported"]))
    }

    @Test func invalidInputIsInvalidParamsNamingTheField() async throws {
        let host = try PipeHost(BuildProducts.exampleFunction)
        try await host.handshake()
        try host.invoke(2, "wordcount", ["txt": "a"])
        #expect(try await host.error(of: 2) == RPCError(code: -32602, message: #"wordcount input: field "text": expected a string, got nothing"#,
                                                        data: ["code": "invalid_argument"]))
        try host.invoke(3, "sleep", ["ms": "soon"])
        #expect(try await host.error(of: 3) == RPCError(code: -32602, message: #"sleep input: field "ms": expected a non-negative integer, got "soon""#,
                                                        data: ["code": "invalid_argument"]))
    }

    @Test func healthIsHealthy() async throws {
        let host = try PipeHost(BuildProducts.exampleFunction)
        try await host.handshake()
        try host.request(2, Method.health)
        let report = try Wire.decode(HealthReport.self, from: Wire.encode(try await host.result(of: 2)))
        #expect(report.status == .healthy)
        #expect(report.latencyMs >= 0)
        #expect(report.error == nil)
    }

    @Test func manyConcurrentInvocationsAllAnswer() async throws {
        let host = try PipeHost(BuildProducts.testChild, ["well"])
        try await host.handshake()
        for id in 10..<60 { try host.invoke(id, "sleep", ["ms": .int(200 - (id - 10) * 4)]) }
        var answered: Set<Int> = []
        for _ in 10..<60 {
            guard case .response(.int(let id), let result) = try await host.next() else { throw TestFailure("expected a result") }
            #expect(result == ["output": ["slept_ms": .int(200 - (Int(id) - 10) * 4)]])
            answered.insert(Int(id))
        }
        #expect(answered == Set(10..<60))
    }

    @Test func pidFunctionReportsTheProcess() async throws {
        let host = try PipeHost(BuildProducts.testChild, ["well"])
        try await host.handshake()
        try host.invoke(2, "pid", [:])
        #expect(try await host.result(of: 2) == ["output": ["pid": .int(Int(host.pid))]])
        try host.invoke(3, "echo", ["a": [1, 2, ["b": nil]]])
        #expect(try await host.result(of: 3) == ["output": ["a": [1, 2, ["b": nil]]]])
    }
}
