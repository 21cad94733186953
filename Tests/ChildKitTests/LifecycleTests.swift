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
        try host.request(5, ChildProtocol.ping)
        // Responses in the order they come: 4 and 5 need not beat the sleep on a loaded machine,
        // but the shutdown (3) must be answered only after the in-flight request (2) finished.
        var answered: [Int: Result<JSONValue, RPCError>] = [:]
        var order: [Int] = []
        while answered.count < 4 {
            let message = try await host.next(timeout: .seconds(20))
            switch message {
            case .response(.int(let id), let result): answered[Int(id)] = .success(result); order.append(Int(id))
            case .errorResponse(.int(let id)?, let error): answered[Int(id)] = .failure(error); order.append(Int(id))
            case .notification: continue  // more progress of request 2, logs
            default: Issue.record("unexpected message \(message)")
            }
        }
        #expect(answered[4].flatMap { if case .failure(let e) = $0 { e } else { nil } }
                == RPCError(code: -32003, message: "shutting down: not taking new requests", data: ["code": "unavailable"]))
        #expect(answered[5].flatMap { try? $0.get() } == [:])
        #expect(answered[2].flatMap { try? $0.get() } == ["output": ["slept_ms": 3000]])
        #expect(answered[3].flatMap { try? $0.get() } == [:])
        #expect(order.firstIndex(of: 2)! < order.firstIndex(of: 3)!, "shutdown answered before the in-flight request: \(order)")
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
