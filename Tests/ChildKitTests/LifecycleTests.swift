import LightningProtocol
import LightningTestSupport
import Testing

/// `shutdown`, `exit`, stdin EOF.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct LifecycleTests {
    @Test func shutdownWaitsForInFlightWorkThenExitEndsWithStatus0() async throws {
        let host = try PipeHost(BuildProducts.exampleFunction)
        try await host.handshake()
        // Long enough that the ping below is answered first even on a loaded machine.
        try host.invoke(2, "sleep", ["ms": 3000])
        try await host.waitForProgress(of: 2)
        try host.request(3, ChildProtocol.shutdown)
        // New work is refused while shutting down; pings still work.
        try host.invoke(4, "wordcount", ["text": "late"])
        #expect(try await host.error(of: 4) == RPCError(code: -32003, message: "shutting down: not taking new requests",
                                                        data: ["code": "unavailable"]))
        try host.request(5, ChildProtocol.ping)
        #expect(try await host.result(of: 5) == [:])
        // The in-flight request finishes first, then shutdown is answered.
        #expect(try await host.result(of: 2) == ["output": ["slept_ms": 3000]])
        #expect(try await host.result(of: 3) == [:])
        #expect(host.isRunning())
        try host.notify(ChildProtocol.exit)
        #expect(try await host.waitExit() == 0)
    }

    @Test func shutdownWithNothingInFlightAnswersAtOnce() async throws {
        let host = try PipeHost(BuildProducts.exampleAgent)
        try await host.handshake()
        try host.request(2, ChildProtocol.shutdown)
        #expect(try await host.result(of: 2, timeout: .seconds(2)) == [:])
        try host.notify(ChildProtocol.exit)
        #expect(try await host.waitExit() == 0)
    }

    @Test func stdinEOFEndsTheChildWithStatus0() async throws {
        let host = try PipeHost(BuildProducts.exampleFunction)
        try await host.handshake()
        try host.invoke(2, "sleep", ["ms": 60000])
        try await host.waitForProgress(of: 2)
        host.closeStdin()
        #expect(try await host.waitExit(timeout: .seconds(5)) == 0)
    }

    @Test func stdinEOFBeforeInitializeEndsTheChild() async throws {
        let host = try PipeHost(BuildProducts.exampleAgent)
        host.closeStdin()
        #expect(try await host.waitExit(timeout: .seconds(5)) == 0)
    }

    @Test func stdinEOFFailsTheChildsPendingCalls() async throws {
        let host = try PipeHost(BuildProducts.exampleAgent)
        try await host.handshake()
        try host.request(2, ChildProtocol.handleEvent, AgentTests.greetEvent)
        _ = try await host.childRequest(Method.containerCreate)
        host.closeStdin()
        #expect(try await host.waitExit(timeout: .seconds(5)) == 0)
    }
}
