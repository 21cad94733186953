import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LightningTestSupport
import LightningProtocol
import Testing

/// Issue 18, items 4–5, with the real daemon: idle connections beyond the cap or the descriptor
/// limit never starve `/health`; idle and slow connections are closed; oversized requests get
/// 413 / 414 / 431 with the API's JSON error, and the connection is closed.
/// Latencies under these loads are measured by `Benchmarks/frontdoor/health_under_load.py` (docs/reliability.md), not here.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct DaemonFrontDoorTests {
    static let minimal: @Sendable (String) -> Bool = { ["sqlite-storage.json", "local-eventbus.json"].contains($0) }

    static func port(of d: TestDaemon) throws -> Int {
        guard let p = d.base.split(separator: ":").last.flatMap({ Int($0) }) else { throw TestFailure("no port in \(d.base)") }
        return p
    }

    /// `count` clients that connect and send nothing (from a thread of their own).
    static func idleConnections(_ count: Int, port: Int) async throws -> [RawConnection] {
        try await RawConnection.open(count, port: port)
    }

    /// `GET /health` from a new client, on a connection of its own that is closed after the
    /// answer: a pooled keep-alive connection may be one the cap closes as the longest idle.
    static func health(port: Int) async throws -> Int? {
        try await exchange(port: port, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status
    }

    /// `RawConnection.exchange`, tried up to 5 times 200 ms apart while the connect is refused or
    /// no answer comes: right after a burst of connects the listen queue may still be full while
    /// the daemon accepts and evicts (CI run 13: ECONNREFUSED); what is under test is that it answers.
    static func exchange(port: Int, _ request: String) async throws -> (status: Int?, text: String) {
        var tries = 0
        while true {
            tries += 1
            do {
                let r = try await RawConnection.exchange(port: port, request)
                if r.status != nil || tries == 5 { return r }
            } catch where tries < 5 {}
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Raises this test process's own soft descriptor limit (it holds the clients' ends).
    static func raiseOwnDescriptorLimit() {
        var r = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &r)
        r.rlim_cur = r.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &r)
    }

    @Test func idleConnectionsBeyondTheCapDoNotStarveHealth() async throws {
        let d = try await TestDaemon.start(config: ["http": ["max_connections": 32]], manifests: Self.minimal)
        let port = try Self.port(of: d)
        let idle = try await Self.idleConnections(100, port: port)
        // Each probe is admitted by closing the connection idle longest.
        for _ in 0..<5 {
            #expect(try await Self.health(port: port) == 200)
        }
        let plugins = try await Self.exchange(port: port, "GET /v1/plugins HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            + "Authorization: Bearer \(d.adminToken ?? "")\r\n\r\n")
        #expect(plugins.status == 200, "\(plugins.text.prefix(300))")
        // The oldest idle connections were closed to make room; at most the cap stay open.
        try await d.eventually("at most 32 of the idle connections open") { idle.filter { !$0.isClosedByPeer }.count <= 32 }
        #expect(idle.prefix(60).allSatisfy { $0.isClosedByPeer }, "the oldest were not the ones closed")
        try await d.stop()
    }

    /// The issue's scenario: 1,100 idle connections against a daemon whose descriptor limit is
    /// 1024 (soft and hard, so it cannot raise it): the cap (768, a reserve of 256) keeps it
    /// clear of EMFILE and `/health` and `POST /v1/events` keep answering.
    @Test func elevenHundredIdleConnectionsUnderAnFdLimitOf1024() async throws {
        Self.raiseOwnDescriptorLimit()
        let d = try await TestDaemon.start(manifests: Self.minimal, launcher: ["/usr/bin/prlimit", "--nofile=1024:1024"])
        #expect(d.process.stderr.contains("connection cap default 4096 lowered to 768"), "\(d.process.stderr.suffix(2000))")
        let port = try Self.port(of: d)
        let idle = try await Self.idleConnections(1100, port: port)
        #expect(try await Self.health(port: port) == 200)
        let body = #"{"type":"frontdoor.ping","source":"test","data":{}}"#
        let published = try await Self.exchange(port: port, "POST /v1/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            + "Authorization: Bearer \(d.adminToken ?? "")\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        #expect(published.status == 202, "\(published.text)")
        try await d.eventually("at most 768 of the idle connections open") { idle.filter { !$0.isClosedByPeer }.count <= 768 }
        #expect(!d.process.stderr.contains("Too many open files"), "\(d.process.stderr.suffix(2000))")
        try await d.stop()
    }

    @Test func idleConnectionIsClosedAfterTheIdleTimeout() async throws {
        let d = try await TestDaemon.start(config: ["http": ["idle_timeout_ms": 300]], manifests: Self.minimal)
        let c = try await RawConnection.open(port: try Self.port(of: d), sending: "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        let (text, closed) = await c.readUntilClose()
        #expect(RawConnection.status(of: text) == 200, "\(text)")
        #expect(closed, "the idle connection was not closed")
        // A connection that never sends a byte is closed too.
        let silent = try await RawConnection.open(port: try Self.port(of: d))
        let (none, silentClosed) = await silent.readUntilClose()
        #expect(none == "" && silentClosed)
        try await d.stop()
    }

    @Test func slowHeadIsAnswered408AndClosed() async throws {
        let d = try await TestDaemon.start(config: ["http": ["header_timeout_ms": 300]], manifests: Self.minimal)
        let c = try await RawConnection.open(port: try Self.port(of: d), sending: "GET /health HTTP/1.1\r\nHost: x\r\n")
        let (text, closed) = await c.readUntilClose()
        #expect(RawConnection.status(of: text) == 408, "\(text)")
        let body = try JSONDecoder().decode(JSONValue.self, from: Data(RawConnection.body(of: text).utf8))
        #expect(body["error"]?["code"]?.stringValue == "request_timeout")
        #expect(closed)
        try await d.stop()
    }

    @Test func slowBodyIsClosed() async throws {
        let d = try await TestDaemon.start(config: ["http": ["body_timeout_ms": 300]], manifests: Self.minimal)
        let c = try await RawConnection.open(port: try Self.port(of: d),
                                             sending: "POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(d.adminToken ?? "")\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"ty")
        let (_, closed) = await c.readUntilClose()
        #expect(closed, "a connection that stopped sending its body stays open")
        #expect(try await d.request("GET", "/health", token: .some(nil)).status == 200)
        try await d.stop()
    }

    /// Sends `request` and returns (status, error code, closed).
    static func refusal(_ request: [UInt8], port: Int) async throws -> (Int?, String?, Bool) {
        let c = try await RawConnection.open(port: port, sending: String(decoding: request, as: UTF8.self))
        let (text, closed) = await c.readUntilClose()
        let json = try? JSONDecoder().decode(JSONValue.self, from: Data(RawConnection.body(of: text).utf8))
        #expect(text.lowercased().contains("connection: close"), "\(text.prefix(300))")
        return (RawConnection.status(of: text), json?["error"]?["code"]?.stringValue, closed)
    }

    @Test func oversizedRequestsGet413And414And431AndAreClosed() async throws {
        let d = try await TestDaemon.start(config: ["http": ["max_body_bytes": 4096, "max_uri_bytes": 1024, "max_header_bytes": 8192]], manifests: Self.minimal)
        let port = try Self.port(of: d)
        let auth = "Authorization: Bearer \(d.adminToken ?? "")\r\n"
        // A body announced larger than the limit: refused before it is read.
        let announced = try await Self.refusal(Array("POST /v1/events HTTP/1.1\r\nHost: x\r\n\(auth)Content-Type: application/json\r\nContent-Length: 5000000\r\n\r\n".utf8), port: port)
        #expect(announced == (413, "payload_too_large", true))
        // A chunked body that passes the limit while it arrives: the route's read fails.
        let chunk = String(repeating: " ", count: 3000)
        let chunked = "POST /v1/events HTTP/1.1\r\nHost: x\r\n\(auth)Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "bb8\r\n\(chunk)\r\nbb8\r\n\(chunk)\r\n"
        let streamed = try await Self.refusal(Array(chunked.utf8), port: port)
        #expect(streamed == (413, "payload_too_large", true))
        // A long request target, below and above the head limit.
        for length in [2000, 20000] {
            let target = "/health?pad=" + String(repeating: "a", count: length)
            let uri = try await Self.refusal(Array("GET \(target) HTTP/1.1\r\nHost: x\r\n\r\n".utf8), port: port)
            #expect(uri == (414, "uri_too_long", true), "target of \(length)")
        }
        // Headers beyond the head limit.
        let big = (0..<20).map { "X-Pad-\($0): \(String(repeating: "b", count: 500))\r\n" }.joined()
        let headers = try await Self.refusal(Array("GET /health HTTP/1.1\r\nHost: x\r\n\(big)\r\n".utf8), port: port)
        #expect(headers == (431, "headers_too_large", true))
        // Malformed HTTP.
        let malformed = try await Self.refusal(Array("GET /health HTTP/1.1\r\nHost x\r\n\r\n".utf8), port: port)
        #expect(malformed == (400, "invalid_argument", true))
        // The daemon is unharmed; a request within the limits passes.
        #expect(try await d.request("GET", "/health", token: .some(nil)).status == 200)
        #expect(try await d.post("/v1/events", ["type": "frontdoor.ok", "source": "test", "data": [:]]).status == 202)
        try await d.stop()
    }

    /// Issue 17, item 10: sandboxed children run as uid 65534 on the host; a networked one shares
    /// the daemon's network namespace, so the TCP listener refuses loopback clients of that uid
    /// (the kernel's record of the client socket's owner). Played here by curl under `setpriv`.
    @Test func loopbackClientWithTheSandboxUIDIsRefused() async throws {
        let d = try await TestDaemon.start(manifests: Self.minimal)
        let url = "\(d.base)/health"
        let p = try TestProcess(URL(fileURLWithPath: "/usr/bin/setpriv"), ["--reuid=65534", "--regid=65534", "--clear-groups",
                                "/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url])
        let code = try await p.wait()
        #expect(code != 0 && p.stdout == "000", "curl as uid 65534: exit \(code), HTTP \(p.stdout)")
        #expect(d.process.stderr.contains("refused a loopback connection from uid 65534"), "\(d.process.stderr.suffix(2000))")
        // Another unprivileged uid is served (it still needs a token for more than /health).
        let other = try TestProcess(URL(fileURLWithPath: "/usr/bin/setpriv"), ["--reuid=65533", "--regid=65533", "--clear-groups",
                                    "/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url])
        _ = try await other.wait()
        #expect(other.stdout == "200", "curl as uid 65533: HTTP \(other.stdout)")
        #expect(try await d.request("GET", "/health", token: .some(nil)).status == 200)
        try await d.stop()
    }
}
