import Foundation
@testable import HostCore
import LightningProtocol
import Testing

/// JSON-RPC over two connections wired to each other in memory (each one's `send` is the other's
/// `receive`): requests both ways, errors, timeouts with `$/cancel`, close, limits.
@Suite struct RPCConnectionTests {
    /// Two connected peers; `peer` answers with `handler`. Records what crossed the wire and the violations.
    final class Pair: Sendable {
        let host: RPCConnection
        let peer: RPCConnection
        let hostSaw = Locked<[String]>([])
        let violations = Locked<[String]>([])
        let malformed = Locked<[String]>([])
        let notifications = Locked<[String]>([])

        init(maxInflight: Int = 64, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }, peerHandler: @escaping RPCConnection.Handler = { m, p in ["method": .string(m), "params": p ?? .null] }) {
            let hostBox = Locked<RPCConnection?>(nil)
            let peerBox = Locked<RPCConnection?>(nil)
            let (saw, violations, malformed, notifications) = (hostSaw, self.violations, self.malformed, self.notifications)
            host = RPCConnection(
                label: "host", maxInflight: maxInflight,
                send: { line in peerBox.value?.receive(line); return peerBox.value != nil },
                handler: { m, _ in ["host-answered": .string(m)] },
                onNotification: { m, _ in notifications.withLock { $0.append(m) } },
                onViolation: { r in violations.withLock { $0.append(r) } },
                onMalformed: { line, _ in malformed.withLock { $0.append(String(decoding: line, as: UTF8.self)) } },
                now: now)
            peer = RPCConnection(
                label: "peer", maxInflight: maxInflight,
                send: { line in
                    saw.withLock { $0.append(String(decoding: line, as: UTF8.self)) }
                    hostBox.value?.receive(line)
                    return hostBox.value != nil
                },
                handler: peerHandler, onNotification: { _, _ in }, onViolation: { _ in })
            hostBox.withLock { $0 = host }
            peerBox.withLock { $0 = peer }
        }
    }

    @Test func requestsAreAnsweredBothWays() async throws {
        let p = Pair()
        let a = try await p.host.request("peer.echo", ["x": 1], timeout: .seconds(30))
        #expect(a == ["method": "peer.echo", "params": ["x": 1]])
        let b = try await p.peer.request("host.thing", nil, timeout: .seconds(30))
        #expect(b == ["host-answered": "host.thing"])
        #expect(p.host.pendingCount == 0 && p.peer.pendingCount == 0)
    }

    @Test func manyConcurrentRequestsEachGetTheirOwnAnswer() async throws {
        let p = Pair(maxInflight: 256)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<200 {
                group.addTask {
                    let out = try await p.host.request("peer.echo", ["i": .int(i)], timeout: .seconds(30))
                    #expect(out["params"]?["i"]?.intValue == i)
                }
            }
            try await group.waitForAll()
        }
    }

    /// A typed request decodes the result straight from the response line (no `JSONValue` in
    /// between); a result of the wrong shape is an error naming the method, the peer and the field.
    @Test func typedRequestsDecodeTheResultFromTheLine() async throws {
        struct Echo: Decodable, Equatable { let method: String; let params: [String: Int] }
        struct Wrong: Decodable { let method: Int }
        struct Params: Encodable, Sendable { let x: Int }
        let p = Pair()
        let echo = try await p.host.request("peer.echo", Params(x: 7), as: Echo.self, timeout: .seconds(30))
        #expect(echo == Echo(method: "peer.echo", params: ["x": 7]))
        do {
            _ = try await p.host.request("peer.echo", Params(x: 7), as: Wrong.self, timeout: .seconds(30))
            Issue.record("expected an error")
        } catch let e as WireError {
            #expect(e.code == .invalidArgument)
            #expect(e.message.hasPrefix("result of peer.echo from host: "), "\(e.message)")
            #expect(e.message.contains("method"), "\(e.message)")
        }
        #expect(p.host.pendingCount == 0)
    }

    /// Responses are told from other lines by their head: a response with keys beyond the
    /// standard ones settles its request; `"result"` next to `"method"` is no response (a
    /// request with a stray key, answered as such), and an error response still fails its request.
    @Test func responsesAreRecognizedByTheirHead() {
        #expect(ResponseHead.id(of: Data(#"{"jsonrpc":"2.0","id":3,"result":{"a":[1,2]},"extra":true}"#.utf8)) == .int(3))
        #expect(ResponseHead.id(of: Data(#"{"jsonrpc":"2.0","id":"s","result":null}"#.utf8)) == .string("s"))
        #expect(ResponseHead.id(of: Data(#"{"jsonrpc":"2.0","id":3,"method":"m","result":1}"#.utf8)) == nil)
        #expect(ResponseHead.id(of: Data(#"{"jsonrpc":"2.0","id":3,"error":{"code":1,"message":"x"}}"#.utf8)) == nil)
        #expect(ResponseHead.id(of: Data(#"{"jsonrpc":"1.0","id":3,"result":1}"#.utf8)) == nil)
        #expect(ResponseHead.id(of: Data(#"{"jsonrpc":"2.0","id":1.5,"result":1}"#.utf8)) == nil)
        #expect(ResponseHead.id(of: Data("not json".utf8)) == nil)
    }

    @Test func aPeersErrorKeepsItsCodeAndMessage() async throws {
        let p = Pair(peerHandler: { _, _ in throw WireError(.notFound, "no such thing") })
        do { _ = try await p.host.request("peer.x", nil, timeout: .seconds(30)); Issue.record("expected an error") } catch let e as WireError {
            #expect(e.message == "no such thing")
        }
    }

    @Test func aTimeoutFailsTheRequestAndSendsCancel() async throws {
        let p = Pair(peerHandler: { _, _ in try await Task.sleep(for: .seconds(60)); return .null })
        do { _ = try await p.host.request("peer.slow", nil, timeout: .milliseconds(20)); Issue.record("expected a timeout") } catch let e as WireError {
            #expect(e.code == .timeout)
            #expect(e.message == "host: no answer to peer.slow within 0.02 seconds")
        }
        #expect(p.host.pendingCount == 0)
    }

    @Test(.timeLimit(.minutes(1))) func aShortTimeoutBehindALongOneStillFiresOnTime() async throws {
        // One sweeper serves every deadline: a request with an earlier deadline than the one it
        // sleeps until must re-arm it, or it would wait 60 s.
        let p = Pair(peerHandler: { _, _ in try await Task.sleep(for: .seconds(60)); return .null })
        let long = Task { try await p.host.request("peer.long", nil, timeout: .seconds(60)) }
        while p.host.pendingCount == 0 { await Task.yield() }
        let clock = ContinuousClock(), start = clock.now
        do { _ = try await p.host.request("peer.short", nil, timeout: .milliseconds(30)); Issue.record("expected a timeout") } catch let e as WireError {
            #expect(e.code == .timeout)
            #expect(e.message == "host: no answer to peer.short within 0.03 seconds")
        }
        #expect(clock.now - start < .seconds(30))
        #expect(p.host.pendingCount == 1)  // the long one still waits
        long.cancel()
        _ = try? await long.value
    }

    @Test(.timeLimit(.minutes(1))) func requestsThatTimeOutTogetherAllFailAndAnsweredOnesDoNot() async throws {
        let p = Pair(peerHandler: { m, _ in
            if m == "peer.slow" { try await Task.sleep(for: .seconds(60)) }
            return .string(m)
        })
        try await withThrowingTaskGroup(of: (String, String).self) { group in
            for i in 0..<20 {
                let method = i % 2 == 0 ? "peer.slow" : "peer.fast"
                group.addTask {
                    do { return (method, try await p.host.request(method, nil, timeout: .milliseconds(50 + i)).stringValue ?? "?") } catch let e as WireError {
                        return (method, e.code.rawValue)
                    }
                }
            }
            for try await (method, outcome) in group {
                #expect(outcome == (method == "peer.slow" ? "timeout" : "peer.fast"))
            }
        }
        #expect(p.host.pendingCount == 0)
    }

    @Test func cancellingTheCallerFailsTheRequestAsCancelled() async throws {
        let p = Pair(peerHandler: { _, _ in try await Task.sleep(for: .seconds(60)); return .null })
        let t = Task { try await p.host.request("peer.slow", nil, timeout: .seconds(60)) }
        while p.host.pendingCount == 0 { await Task.yield() }
        t.cancel()
        do { _ = try await t.value; Issue.record("expected cancelled") } catch let e as WireError {
            #expect(e.code == .cancelled)
        }
        #expect(p.host.pendingCount == 0)
    }

    @Test func closeFailsEveryPendingRequestAndRefusesNewOnes() async throws {
        let p = Pair(peerHandler: { _, _ in try await Task.sleep(for: .seconds(60)); return .null })
        let t = Task { try await p.host.request("peer.slow", nil, timeout: .seconds(60)) }
        while p.host.pendingCount == 0 { await Task.yield() }
        p.host.close("the process exited (exited with code 3)")
        do { _ = try await t.value; Issue.record("expected unavailable") } catch let e as WireError {
            #expect(e.code == .unavailable)
            #expect(e.message == "host: the process exited (exited with code 3)")
        }
        await #expect(throws: WireError.self) { _ = try await p.host.request("peer.x", nil, timeout: .seconds(1)) }
    }

    @Test func everyMalformedLineIsReportedAndTenInARowAreAViolation() {
        let p = Pair()
        for n in 1...9 { p.host.receive(Data("junk \(n)".utf8)) }
        #expect(p.malformed.value.count == 9)
        #expect(p.violations.value.isEmpty)
        // A valid message resets the run; ten more in a row break the protocol.
        p.host.receive(RPCMessage.notification(method: "log", params: nil).line())
        for n in 1...10 { p.host.receive(Data("junk again \(n)".utf8)) }
        #expect(p.malformed.value.count == 19)
        #expect(p.violations.value.count == 1)
        #expect(p.violations.value.first?.hasPrefix("protocol violation: 10 malformed messages in a row") == true)
    }

    @Test func requestsBeyondMaxInflightAreRefusedAsOverloaded() async throws {
        let gate = Locked(false)
        let p = Pair(maxInflight: 2, peerHandler: { _, _ in
            while !gate.value { try await Task.sleep(for: .milliseconds(5)) }
            return .null
        })
        let slow = (0..<2).map { _ in Task { try await p.host.request("peer.wait", nil, timeout: .seconds(30)) } }
        while p.host.pendingCount < 2 { await Task.yield() }
        try await Task.sleep(for: .milliseconds(20))
        do { _ = try await p.host.request("peer.third", nil, timeout: .seconds(30)); Issue.record("expected throttled") } catch let e as WireError {
            #expect(e.code == .throttled)
        }
        gate.withLock { $0 = true }
        for t in slow { _ = try await t.value }
    }
}

extension RPCConnectionTests {
    @Test func moreThan2000NotificationsInASecondAreAFlood() {
        // One instant for all of them: the verdict cannot depend on how fast this machine is.
        let t0 = ContinuousClock.now
        let p = Pair(now: { t0 })
        for _ in 0..<1500 { p.host.receive(RPCMessage.notification(method: "log", params: nil).line()) }
        #expect(p.violations.value.isEmpty, "1500 in a second is allowed")
        for _ in 0..<600 { p.host.receive(RPCMessage.notification(method: "log", params: nil).line()) }
        #expect(p.violations.value == ["flooding stdout: more than 2000 notifications in one second"])
    }
}
