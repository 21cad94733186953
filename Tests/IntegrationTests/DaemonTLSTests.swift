import Foundation
import LightningTestSupport
import LightningProtocol
import Testing

/// Issue 17, item 3: TLS on the TCP listener with a certificate and key from the config,
/// checked with a real TLS client (curl) against a self-signed certificate made by openssl.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DaemonTLSTests {
    static let minimal: @Sendable (String) -> Bool = { ["sqlite-storage.json", "local-eventbus.json"].contains($0) }

    func run(_ program: String, _ args: [String]) async throws -> (Int32, String, String) {
        let p = try TestProcess(URL(fileURLWithPath: program), args)
        let code = try await p.wait()
        return (code, p.stdout, p.stderr)
    }

    @Test func servesHTTPSWithTheConfiguredCertificate() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lt-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cert = dir.appendingPathComponent("cert.pem").path, key = dir.appendingPathComponent("key.pem").path
        let (made, _, madeErr) = try await run("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                                                                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        #expect(made == 0, "\(madeErr)")
        let d = try await TestDaemon.start(config: ["tls": ["certificate": .string(cert), "key": .string(key)]], manifests: Self.minimal)
        #expect(d.base.hasPrefix("https://127.0.0.1:"), "\(d.base)")
        // A client that trusts the certificate gets the API over TLS.
        let (ok, body, err) = try await run("/usr/bin/curl", ["-s", "--cacert", cert, "-w", "\n%{http_code}", "\(d.base)/health"])
        #expect(ok == 0, "\(err)")
        #expect(body.hasSuffix("\n200"), "\(body)")
        let (authed, plugins, _) = try await run("/usr/bin/curl", ["-s", "--cacert", cert, "-H", "Authorization: Bearer \(d.adminToken ?? "")",
                                                                   "-w", "\n%{http_code}", "\(d.base)/v1/plugins"])
        #expect(authed == 0 && plugins.hasSuffix("\n200") && plugins.contains("sqlite-storage"), "\(plugins)")
        // One that does not trust it refuses it (curl: 60, peer certificate cannot be authenticated).
        let (untrusted, _, _) = try await run("/usr/bin/curl", ["-s", "-o", "/dev/null", "\(d.base)/health"])
        #expect(untrusted == 60)
        // Plain HTTP on the TLS port gets no HTTP answer.
        let plain = d.base.replacingOccurrences(of: "https://", with: "http://")
        let (_, plainCode, _) = try await run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", "\(plain)/health"])
        #expect(plainCode == "000", "\(plainCode)")
        try await d.stop()
    }

    @Test func unreadableKeyStopsTheStartNamingTheFile() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lt-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cert = dir.appendingPathComponent("cert.pem").path, key = dir.appendingPathComponent("missing.pem").path
        _ = try await run("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.appendingPathComponent("k.pem").path,
                                               "-out", cert, "-days", "1", "-subj", "/CN=localhost"])
        do {
            _ = try await TestDaemon.start(config: ["tls": ["certificate": .string(cert), "key": .string(key)]], manifests: Self.minimal)
            Issue.record("the daemon started without its TLS key")
        } catch {
            #expect("\(error)".contains("\(key): field \"tls.key\": expected a PEM private key"), "\(error)")
        }
    }
}
