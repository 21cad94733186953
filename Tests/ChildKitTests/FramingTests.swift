import LightningProtocol
import LightningTestSupport
import Testing

/// Lines that are not messages, over-size lines.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct FramingTests {
    @Test func garbageLineIsAParseErrorWithNullIDAndTheChildGoesOn() async throws {
        let host = try PipeHost(BuildProducts.exampleFunction)
        try await host.handshake()
        try host.send(raw: "this is not json")
        let reply = try await host.next()
        #expect(reply == .errorResponse(id: nil, error: RPCError(code: -32700, message: "not valid JSON: this is not json")))
        try host.invoke(2, "wordcount", ["text": "still here"])
        #expect(try await host.result(of: 2) == ["output": ["words": 2, "chars": 10]])
    }

    @Test func nonRPCObjectIsAnInvalidRequestWithNullID() async throws {
        let host = try PipeHost(BuildProducts.exampleFunction)
        try await host.handshake()
        try host.send(raw: #"{"jsonrpc":"1.0","id":5,"method":"$/ping"}"#)
        #expect(try await host.next() == .errorResponse(id: nil, error: RPCError(code: -32600, message: #"field "jsonrpc": expected "2.0""#)))
        try host.send(raw: "[1,2]")
        #expect(try await host.next() == .errorResponse(id: nil, error: RPCError(code: -32600, message: "expected a JSON object, got an array")))
        try host.send(raw: "")
        try host.send(raw: "   \r")
        try host.request(6, ChildProtocol.ping)
        #expect(try await host.result(of: 6) == [:])
    }

    @Test func crlfLinesAreAccepted() async throws {
        let host = try PipeHost(BuildProducts.exampleFunction)
        try await host.handshake()
        try host.send(raw: #"{"jsonrpc":"2.0","id":2,"method":"$/ping"}"# + "\r")
        #expect(try await host.result(of: 2) == [:])
    }

    @Test func overSizeRequestIsAnsweredMessageTooLarge() async throws {
        let host = try PipeHost(BuildProducts.exampleFunction)
        try await host.handshake(maxMessageBytes: 1024)
        let big = RPCMessage.request(id: .int(42), method: ChildProtocol.invoke,
                                     params: ["function": "wordcount", "input": ["text": .string(String(repeating: "a ", count: 1000))]])
        let length = big.line().count - 1
        try host.send(big)
        #expect(try await host.error(of: 42) == RPCError(code: -32004, message: "message of \(length) bytes is over max_message_bytes 1024"))
        // An over-size notification is dropped quietly; the next line is read normally.
        try host.send(.notification(method: "log", params: ["message": .string(String(repeating: "x", count: 5000))]))
        try host.invoke(43, "wordcount", ["text": "small"])
        #expect(try await host.result(of: 43) == ["output": ["words": 1, "chars": 5]])
    }

    @Test func resultOverTheLimitBecomesMessageTooLarge() async throws {
        let host = try PipeHost(BuildProducts.testChild, ["well"])
        // The echoed event gains id, source, timestamp, priority, metadata: its result line is
        // longer than the request, which just fits.
        let request = RPCMessage.request(id: .int(2), method: ChildProtocol.handleEvent,
                                         params: ["event": ["id": "e", "type": "test.echo", "data": ["s": .string(String(repeating: "y", count: 400))]]])
        let limit = request.line().count - 1
        try await host.handshake(maxMessageBytes: limit)
        try host.send(request)
        let error = try await host.error(of: 2)
        #expect(error.code == -32004)
        #expect(error.message.hasPrefix("result of "))
        #expect(error.message.hasSuffix(" bytes is over max_message_bytes \(limit)"))
    }
}
