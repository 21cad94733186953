import Foundation
@testable import HostCore
import LightningProtocol
import NIOCore
import Testing

/// The pure parts of the daemon's front door (issue 18, item 4): the connection cap from the
/// descriptor limit, one connection's deadlines, and the `http` config keys.
@Suite struct FrontDoorTests {
    // MARK: ConnectionBudget

    @Test func defaultCapFitsUnderAHighDescriptorLimit() {
        let b = ConnectionBudget.resolve(configured: nil, fdLimit: 1 << 20)
        #expect(b == ConnectionBudget(cap: ConnectionBudget.defaultCap, lowered: nil))
    }

    @Test func capKeepsAReserveUnderTheCommonLimitOf1024() {
        let b = ConnectionBudget.resolve(configured: nil, fdLimit: 1024)
        #expect(b.cap == 768)
        #expect(b.lowered == "connection cap default 4096 lowered to 768: the file-descriptor limit 1024 leaves 768 after a reserve of 256 for children's pipes, plugins and the unix socket")
        let configured = ConnectionBudget.resolve(configured: 5000, fdLimit: 1024)
        #expect(configured.cap == 768)
        #expect(configured.lowered?.hasPrefix("connection cap 5000 (http.max_connections) lowered to 768") == true)
    }

    @Test func configuredCapBelowTheLimitIsKept() {
        #expect(ConnectionBudget.resolve(configured: 32, fdLimit: 1024) == ConnectionBudget(cap: 32, lowered: nil))
        // A quarter of a large limit is reserved.
        #expect(ConnectionBudget.resolve(configured: 100_000, fdLimit: 65536).cap == 49152)
    }

    @Test func tinyDescriptorLimitStillAdmitsSomeConnections() {
        #expect(ConnectionBudget.resolve(configured: nil, fdLimit: 100).cap == 50)
    }

    // MARK: ConnectionDeadline

    func at(_ ms: Int64) -> NIODeadline { .uptimeNanoseconds(UInt64(1_000_000_000 + ms * 1_000_000)) }

    var limits: HTTPLimits {
        var l = HTTPLimits()
        l.idleTimeoutMs = 60_000
        l.headerTimeoutMs = 10_000
        l.bodyTimeoutMs = 30_000
        return l
    }

    @Test func idleConnectionExpiresAfterTheIdleTimeout() {
        let d = ConnectionDeadline(limits: limits, now: at(0))
        #expect(d.phase == .idle)
        #expect(d.deadline?.at == at(60_000))
        #expect(d.expired(at: at(59_999)) == nil)
        #expect(d.expired(at: at(60_000)) == .idle)
    }

    @Test func headMustArriveWithinTheHeaderTimeoutOfItsFirstByte() {
        var d = ConnectionDeadline(limits: limits, now: at(0))
        d.bytesArrived(at: at(5_000))
        #expect(d.phase == .readingHead)
        // More bytes (a slow client trickling its head) do not move the deadline.
        d.bytesArrived(at: at(9_000))
        d.bytesArrived(at: at(14_000))
        #expect(d.deadline?.at == at(15_000))
        #expect(d.expired(at: at(15_000)) == .header)
    }

    @Test func bodyTimeoutIsTheGapBetweenReads() {
        var d = ConnectionDeadline(limits: limits, now: at(0))
        d.bytesArrived(at: at(1))
        d.headReceived(at: at(2))
        #expect(d.phase == .readingBody)
        d.bytesArrived(at: at(20_000))
        d.bodyReceived(at: at(20_000))
        #expect(d.deadline?.at == at(50_000))
        #expect(d.expired(at: at(50_000)) == .body)
    }

    @Test func noDeadlineWhileAResponseIsProducedThenIdleAgain() {
        var d = ConnectionDeadline(limits: limits, now: at(0))
        d.bytesArrived(at: at(1))
        d.headReceived(at: at(1))
        d.endReceived(at: at(2))
        #expect(d.phase == .responding)
        #expect(d.deadline == nil)
        #expect(d.expired(at: at(10_000_000)) == nil)
        d.responseEnded(at: at(100_000))
        #expect(d.phase == .idle)
        #expect(d.deadline?.at == at(160_000))
        // The next request's first byte starts a new header deadline.
        d.bytesArrived(at: at(120_000))
        #expect(d.phase == .readingHead)
        #expect(d.deadline?.at == at(130_000))
    }

    @Test func answerBeforeTheBodyKeepsReadingTheBody() {
        var d = ConnectionDeadline(limits: limits, now: at(0))
        d.headReceived(at: at(1))
        d.responseEnded(at: at(2))  // e.g. 401 to an upload
        #expect(d.phase == .readingBody)
        d.endReceived(at: at(3))
        #expect(d.phase == .idle)
    }

    // MARK: Config

    @Test func httpKeysAreReadFromTheConfigFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lt-http-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(#"{"http": {"max_connections": 32, "idle_timeout_ms": 1500, "max_body_bytes": 1024, "max_uri_bytes": 512}}"#.utf8).write(to: url)
        var cfg = DaemonConfig()
        try cfg.apply(fileAt: url)
        #expect(cfg.http.maxConnections == 32)
        #expect(cfg.http.idleTimeoutMs == 1500)
        #expect(cfg.http.maxBodyBytes == 1024)
        #expect(cfg.http.maxURIBytes == 512)
        #expect(cfg.http.headerTimeoutMs == HTTPLimits().headerTimeoutMs)
        #expect(cfg.source(of: "http.max_connections") == "file \(url.path)")
    }

    @Test func badHTTPKeysAreNamed() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lt-http-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(#"{"http": {"max_connections": 0, "idle_timeout": 5}}"#.utf8).write(to: url)
        var cfg = DaemonConfig()
        #expect { try cfg.apply(fileAt: url) } throws: { error in
            let text = "\(error)"
            return text.contains("field \"http.idle_timeout\": expected one of body_timeout_ms, header_timeout_ms, idle_timeout_ms, max_body_bytes, max_connections, max_header_bytes, max_json_depth, max_json_elements, max_json_string_bytes, max_uri_bytes, got an unknown key")
                && text.contains("field \"http.max_connections\": expected an integer from 1 to 1000000, got 0")
        }
    }

    // MARK: UnixSocketPolicy

    @Test func daemonsOwnUIDIsAdminOnTheSocket() throws {
        let policy = UnixSocketPolicy(daemonUID: 0)
        let principal = try policy.principal(for: PeerCredentials(pid: 42, uid: 0, gid: 0)).get()
        #expect(principal == Principal(id: "unix:uid=0", token: nil))
    }

    @Test func otherUIDsAreRefusedUnlessAllowed() {
        let policy = UnixSocketPolicy(daemonUID: 0)
        guard case .failure(let e) = policy.principal(for: PeerCredentials(pid: 7, uid: 65534, gid: 65534)) else {
            Issue.record("uid 65534 was admitted"); return
        }
        #expect(e.code == .permissionDenied)
        #expect(e.message == "unix socket: uid 65534 (pid 7) may not use this socket: expected the daemon's uid 0 (config unix_socket_allow_uids); use TCP with a token")
        let allowing = UnixSocketPolicy(daemonUID: 0, allowedUIDs: [1000])
        #expect((try? allowing.principal(for: PeerCredentials(pid: 7, uid: 1000, gid: 1000)).get())?.id == "unix:uid=1000")
        guard case .failure(let e2) = allowing.principal(for: PeerCredentials(pid: 7, uid: 1001, gid: 1001)) else {
            Issue.record("uid 1001 was admitted"); return
        }
        #expect(e2.message.contains("expected the daemon's uid 0 or one of 1000"))
    }

    @Test func unixSocketKeysAreReadFromTheConfigFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lt-sock-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        var cfg = DaemonConfig()
        cfg.dataDir = URL(fileURLWithPath: "/var/lib/lightning", isDirectory: true)
        #expect(cfg.unixSocket?.path == "/var/lib/lightning/lightning.sock")
        try Data(#"{"unix_socket": false, "unix_socket_allow_uids": [1000]}"#.utf8).write(to: url)
        try cfg.apply(fileAt: url)
        #expect(cfg.unixSocket == nil)
        #expect(cfg.unixSocketAllowUIDs == [1000])
        try Data(#"{"unix_socket": "/run/lightning.sock"}"#.utf8).write(to: url)
        try cfg.apply(fileAt: url)
        #expect(cfg.unixSocket?.path == "/run/lightning.sock")
    }

    @Test func tlsKeysAreReadFromTheConfigFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lt-tls-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(#"{"tls": {"certificate": "/etc/l/cert.pem", "key": "key.pem"}}"#.utf8).write(to: url)
        var cfg = DaemonConfig()
        try cfg.apply(fileAt: url)
        #expect(cfg.tls == TLSFiles(certificate: URL(fileURLWithPath: "/etc/l/cert.pem"), key: url.deletingLastPathComponent().appendingPathComponent("key.pem").standardizedFileURL))
        try Data(#"{"tls": {"certificate": "/etc/l/cert.pem"}}"#.utf8).write(to: url)
        var bad = DaemonConfig()
        #expect { try bad.apply(fileAt: url) } throws: { "\($0)".contains("field \"tls\": expected {\"certificate\": \"<PEM file>\", \"key\": \"<PEM file>\"}") }
    }
}
