import LightningProtocol
import LightningTestSupport
import Testing

@Suite(.serialized, .timeLimit(.minutes(1)))
struct HandshakeTests {
    @Test func agentAnnouncesItsPatterns() async throws {
        let host = try PipeHost(BuildProducts.exampleAgent)
        let result = try await host.handshake()
        #expect(result == InitializeResult(protocolVersion: "1.0", child: PeerInfo(name: "example-agent", version: "1.0.0"),
                                           handles: ["greet.*"], functions: []))
    }

    @Test func functionChildAnnouncesItsFunctions() async throws {
        let host = try PipeHost(BuildProducts.exampleFunction)
        let result = try await host.handshake()
        #expect(result == InitializeResult(protocolVersion: "1.0", child: PeerInfo(name: "example-function", version: "1.0.0"),
                                           handles: [], functions: ["wordcount", "sleep"]))
    }

    @Test func testChildAnnouncesBoth() async throws {
        let host = try PipeHost(BuildProducts.testChild, ["well"])
        let result = try await host.handshake()
        #expect(result == InitializeResult(protocolVersion: "1.0", child: PeerInfo(name: "lt-test-child", version: "1.0.0"),
                                           handles: ["test.*"], functions: ["echo", "sleep", "effect", "pid"]))
    }

    @Test func otherMajorVersionIsRefusedAndChildExits1() async throws {
        let host = try PipeHost(BuildProducts.exampleFunction)
        try host.request(7, ChildProtocol.initialize, PipeHost.initializeParams(version: "2.0"))
        let error = try await host.error(of: 7)
        #expect(error == RPCError(code: -32001, message: "unsupported protocol version: host 2.0, child 1.0"))
        #expect(try await host.waitExit() == 1)
    }

    @Test func sameMajorOtherMinorIsAccepted() async throws {
        let host = try PipeHost(BuildProducts.exampleFunction)
        try host.request(1, ChildProtocol.initialize, PipeHost.initializeParams(version: "1.7"))
        let result = try await host.result(of: 1)
        #expect(result["protocol_version"] == "1.0")
    }

    @Test func malformedInitializeIsInvalidParams() async throws {
        let host = try PipeHost(BuildProducts.exampleFunction)
        try host.request(1, ChildProtocol.initialize, ["protocol_version": "1.0"])
        let error = try await host.error(of: 1)
        #expect(error.code == -32602)
        #expect(error.data == ["code": "invalid_argument"])
        #expect(error.message == #"initialize params: field "host": required but missing"#)
        // Still waiting for a good one.
        let result = try await host.handshake()
        #expect(result.child.name == "example-function")
    }

    @Test func requestBeforeInitializeIsRefused() async throws {
        let host = try PipeHost(BuildProducts.exampleFunction)
        try host.invoke(3, "wordcount", ["text": "a b"])
        let error = try await host.error(of: 3)
        #expect(error == RPCError(code: -32600, message: #""initialize" must come first"#))
        try host.request(4, ChildProtocol.ping)
        #expect(try await host.result(of: 4) == [:])
    }
}
