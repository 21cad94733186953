import Foundation
@testable import HostCore
import Hummingbird
import LightningProtocol
import Testing

@Suite struct TokenStoreTests {
    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lt-tokens-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The digest kept for a secret is lowercase hex SHA-256 (FIPS 180-2's "abc" vector).
    @Test func digestIsLowercaseHexSHA256() {
        #expect(APIToken.digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(APIToken.hex([0x00, 0x0f, 0xa5, 0xff] as [UInt8]) == "000fa5ff")
        #expect(APIToken.hex([] as [UInt8]) == "")
    }

    /// `Authorization: Bearer <secret>`: scheme in any case, optional whitespace around, nothing else.
    @Test func bearerSecretIsReadFromTheHeader() {
        #expect(AuthMiddleware<BasicRequestContext>.bearer("Bearer lt_abc") == "lt_abc")
        #expect(AuthMiddleware<BasicRequestContext>.bearer("  bEaReR \t lt_abc \t ") == "lt_abc")
        #expect(AuthMiddleware<BasicRequestContext>.bearer("BEARER x") == "x")
        for refused in [nil, "", "   ", "Bearer", "Bearer ", "Bearer   \t", "Basic dXNlcjpwYXNz", "Bearerlt_abc", "Bearer\tlt_abc", "Beare lt_abc", "Bearer_lt"] as [String?] {
            #expect(AuthMiddleware<BasicRequestContext>.bearer(refused) == nil, "\(String(describing: refused))")
        }
    }

    @Test func keepsOnlyTheHashInAFileOnlyTheOwnerCanRead() throws {
        let dir = try folder()
        let store = try TokenStore(file: dir.appendingPathComponent("tokens.json"))
        let made = try store.create(name: "ci", scopes: [.read, .eventsWrite], events: ["orders.*"], expiresAt: nil)
        #expect(made.secret.hasPrefix("lt_") && made.secret.count == 3 + 64)
        #expect(made.token.id.hasPrefix("tok_"))
        let text = try String(contentsOf: store.file, encoding: .utf8)
        #expect(!text.contains(made.secret))
        #expect(text.contains(APIToken.digest(made.secret)))
        #expect(SecretFile.mode(of: store.file) == 0o600)
        // A second store on the same file (a restart) knows the token.
        let again = try TokenStore(file: store.file)
        #expect(try again.authenticate(made.secret).get() == made.token)
        #expect(again.authenticate("lt_" + String(repeating: "0", count: 64)) == .failure(.unknown))
    }

    @Test func refusesExpiredAndRevokedTokens() throws {
        let store = try TokenStore(file: try folder().appendingPathComponent("tokens.json"))
        let made = try store.create(name: nil, scopes: [.read], events: nil, expiresAt: Timestamp.now().adding(seconds: 60))
        #expect(try store.authenticate(made.secret).get().id == made.token.id)
        let later = Timestamp.now().adding(seconds: 120)
        #expect(store.authenticate(made.secret, now: later) == .failure(.expired(id: made.token.id, at: made.token.expiresAt!)))
        #expect(try store.revoke(made.token.id))
        #expect(try !store.revoke(made.token.id))
        #expect(store.authenticate(made.secret) == .failure(.unknown))
        #expect(try TokenStore(file: store.file).all.isEmpty)
    }

    @Test func checksScopesPatternsAndExpiryWhenCreating() throws {
        let store = try TokenStore(file: try folder().appendingPathComponent("tokens.json"))
        #expect(throws: WireError.self) { try store.create(name: nil, scopes: [], events: nil, expiresAt: nil) }
        #expect(throws: WireError.self) { try store.create(name: nil, scopes: [.read], events: ["bad pattern"], expiresAt: nil) }
        #expect(throws: WireError.self) { try store.create(name: nil, scopes: [.read], events: nil, expiresAt: Timestamp(millis: 0)) }
        #expect(throws: WireError.self) { try Scope.parse(["root"], field: "scopes") }
        let p = try store.create(name: nil, scopes: [.eventsWrite], events: ["orders.*", "ping"], expiresAt: nil).token
        #expect(p.mayPublish("orders.created") && p.mayPublish("ping"))
        #expect(!p.mayPublish("admin.shutdown") && !p.mayPublish("orders"))
    }

    @Test func writesTheAdminTokenOnlyOnTheFirstStart() throws {
        let dir = try folder()
        let secretFile = dir.appendingPathComponent("admin.token")
        let store = try TokenStore(file: dir.appendingPathComponent("tokens.json"))
        let admin = try #require(try store.bootstrapAdmin(secretFile: secretFile))
        #expect(admin.scopes == [.admin])
        #expect(SecretFile.mode(of: secretFile) == 0o600)
        let secret = try String(contentsOf: secretFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try store.authenticate(secret).get().id == admin.id)
        // Deleted secret file, second start: nothing is recreated.
        try FileManager.default.removeItem(at: secretFile)
        #expect(try TokenStore(file: store.file).bootstrapAdmin(secretFile: secretFile) == nil)
        #expect(!FileManager.default.fileExists(atPath: secretFile.path))
    }

    @Test func namesTheFileWhenTheStoreIsUnreadable() throws {
        let file = try folder().appendingPathComponent("tokens.json")
        try Data("not json".utf8).write(to: file)
        do {
            _ = try TokenStore(file: file)
            Issue.record("expected an error for \(file.path)")
        } catch let e as HostError {
            #expect(e.subject == file.path)
        }
    }
}
