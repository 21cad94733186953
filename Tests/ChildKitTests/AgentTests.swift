import LightningProtocol
import LightningTestSupport
import Testing

/// `event.handle` with the child calling the host while the host's request is in flight.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct AgentTests {
    static let greetEvent: JSONValue = ["event": ["id": "evt-1", "type": "greet.request", "source": "api", "data": ["name": "Ada"]]]

    @Test func agentStoresThroughTheHostThenReplies() async throws {
        let host = try PipeHost(BuildProducts.exampleAgent)
        try await host.handshake(config: ["greeting": "Hi"])
        try host.request(2, ChildProtocol.handleEvent, Self.greetEvent)

        let create = try await host.childRequest(Method.containerCreate)
        #expect(create.params == ["container": "greetings"])
        // The child still reads (and answers) while its own call waits for us.
        try host.request(3, ChildProtocol.ping)
        #expect(try await host.result(of: 3) == [:])
        try host.send(.response(id: create.id, result: ["created": true]))

        let upsert = try await host.childRequest(Method.documentUpsert)
        #expect(upsert.id != create.id)
        let document: JSONValue = ["id": "evt-1", "partition_key": "", "data": ["name": "Ada", "greeting": "Hi, Ada!"]]
        #expect(upsert.params == ["container": "greetings", "document": document])
        var stored = document.objectValue ?? [:]
        stored["etag"] = "\"e1\""
        stored["created_at"] = "2026-01-02T03:04:05.000Z"
        stored["updated_at"] = "2026-01-02T03:04:05.000Z"
        try host.send(.response(id: upsert.id, result: .object(stored)))

        let result = try await host.result(of: 2)
        let events = try #require(result["events"]?.arrayValue)
        #expect(events.count == 1)
        #expect(events.first?["type"] == "greet.reply")
        #expect(events.first?["data"] == ["greeting": "Hi, Ada!", "stored_id": "evt-1"])
        #expect(events.first?["correlation_id"] == "evt-1")
        #expect(events.first?["source"] == "test-child")
        let logs = host.logs()
        #expect(logs == [["level": "info", "message": "greeted Ada; stored greetings/evt-1"]])
    }

    @Test func existingContainerIsFine() async throws {
        let host = try PipeHost(BuildProducts.exampleAgent)
        try await host.handshake()
        try host.request(2, ChildProtocol.handleEvent, Self.greetEvent)
        let create = try await host.childRequest(Method.containerCreate)
        try host.send(.response(id: create.id, result: ["created": false]))
        let upsert = try await host.childRequest(Method.documentUpsert)
        #expect(upsert.params["document"]?["data"] == ["name": "Ada", "greeting": "Hello, Ada!"])
        try host.send(.response(id: upsert.id, result: ["id": "evt-1", "data": [:]]))
        let result = try await host.result(of: 2)
        #expect(result["events"]?.arrayValue?.first?["data"] == ["greeting": "Hello, Ada!", "stored_id": "evt-1"])
    }

    @Test func hostErrorReachesTheHostWithItsCode() async throws {
        let host = try PipeHost(BuildProducts.exampleAgent)
        try await host.handshake()
        try host.request(2, ChildProtocol.handleEvent, Self.greetEvent)
        let create = try await host.childRequest(Method.containerCreate)
        try host.send(.errorResponse(id: create.id, error: RPCError(code: -32000, message: "storage is down", data: ["code": "unavailable"])))
        let error = try await host.error(of: 2)
        #expect(error == RPCError(code: -32000, message: "storage is down", data: ["code": "unavailable"]))
    }

    @Test func eventWithoutHandlerIsUnsupported() async throws {
        let host = try PipeHost(BuildProducts.exampleAgent)
        try await host.handshake()
        try host.request(2, ChildProtocol.handleEvent, ["event": ["id": "e2", "type": "user.created"]])
        let error = try await host.error(of: 2)
        #expect(error == RPCError(code: -32601, message: #"no handler for event type "user.created" (handles: ["greet.*"])"#,
                                  data: ["code": "unsupported"]))
    }

    @Test func badEventDataIsInvalidArgument() async throws {
        let host = try PipeHost(BuildProducts.exampleAgent)
        try await host.handshake()
        try host.request(2, ChildProtocol.handleEvent, ["event": ["id": "e3", "type": "greet.request", "data": ["name": 5]]])
        let error = try await host.error(of: 2)
        #expect(error == RPCError(code: -32602, message: #"event e3 (greet.request): field "data.name": expected a non-empty string, got an integer"#,
                                  data: ["code": "invalid_argument"]))
    }

    @Test func missingEventIsInvalidParams() async throws {
        let host = try PipeHost(BuildProducts.exampleAgent)
        try await host.handshake()
        try host.request(2, ChildProtocol.handleEvent, ["evnt": [:]])
        let error = try await host.error(of: 2)
        #expect(error.code == -32602)
        #expect(error.message == #"params: field "event": required but missing"#)
    }

    @Test func emitGoesThroughTheHost() async throws {
        let host = try PipeHost(BuildProducts.testChild, ["well"])
        try await host.handshake()
        try host.request(2, ChildProtocol.handleEvent, ["event": ["id": "e4", "type": "test.emit", "data": ["n": 1]]])
        let emit = try await host.childRequest(Method.emit)
        let events = try #require(emit.params["events"]?.arrayValue)
        #expect(events.count == 1)
        #expect(events.first?["type"] == "test.emitted")
        #expect(events.first?["data"] == ["n": 1])
        try host.send(.response(id: emit.id, result: ["results": [["id": events.first?["id"] ?? .null, "status": "accepted"]]]))
        #expect(try await host.result(of: 2) == ["events": []])
    }

    @Test func handlerFailureIsAnApplicationError() async throws {
        let host = try PipeHost(BuildProducts.testChild, ["well"])
        try await host.handshake()
        try host.request(2, ChildProtocol.handleEvent, ["event": ["id": "e5", "type": "test.fail"]])
        #expect(try await host.error(of: 2) == RPCError(code: -32000, message: "asked to fail", data: ["code": "internal"]))
    }
}
