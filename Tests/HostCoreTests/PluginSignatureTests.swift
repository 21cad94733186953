import Foundation
@testable import HostCore
import LightningProtocol
import Testing

/// The signature format, the signed message and every verdict of `TrustStore.check`
/// (docs/plugin-abi.md#signed-plugins): real files in a temporary folder, real Ed25519 keys.
@Suite struct PluginSignatureTests {
    let dir: URL
    let manifest: URL
    let library: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("lt-sig-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        library = dir.appendingPathComponent("libThing.so")
        try Data("pretend ELF \(UUID())".utf8).write(to: library)
        manifest = dir.appendingPathComponent("thing.json")
        try Data(#"{"id": "thing", "library": {"path": "libThing.so"}}"#.utf8).write(to: manifest)
    }

    func librarySha() throws -> String { try LibrarySpec.sha256(ofFileAt: library, subject: "t") }

    /// Signs the current files with `key` and writes `thing.json.sig`.
    func signFiles(_ key: SigningKey) throws {
        let sig = try PluginSignature.sign(manifest: Data(contentsOf: manifest), librarySha256: librarySha(), with: key)
        try sig.encoded().write(to: PluginSignature.url(forManifest: manifest))
    }

    func check(_ trust: TrustStore) throws -> SignatureStatus {
        try trust.check(manifest: manifest, bytes: Data(contentsOf: manifest), librarySha256: librarySha(), namesLibrary: true)
    }

    @Test func theSignedMessageIsFourLinesBindingKeyManifestAndLibrary() {
        let m = PluginSignature.message(keyId: "0123456789abcdef", manifestSha256: String(repeating: "a", count: 64), librarySha256: nil)
        #expect(String(decoding: m, as: UTF8.self) ==
            "lightning-plugin-signature-v1\nkey-id 0123456789abcdef\nmanifest-sha256 \(String(repeating: "a", count: 64))\nlibrary-sha256 none\n")
        let withLib = PluginSignature.message(keyId: "k", manifestSha256: "m", librarySha256: "l")
        #expect(String(decoding: withLib, as: UTF8.self).hasSuffix("library-sha256 l\n"))
    }

    @Test func theSignatureFileRecordsKeyDigestsAndA64ByteSignature() throws {
        let key = SigningKey(publisher: "acme")
        try signFiles(key)
        let url = PluginSignature.url(forManifest: manifest)
        #expect(url.lastPathComponent == "thing.json.sig")
        let o = try Wire.decode(JSONValue.self, from: Data(contentsOf: url))
        #expect(o["format"] == "lightning-plugin-signature-v1")
        #expect(o["algorithm"] == "ed25519")
        #expect(o["key_id"]?.stringValue == key.keyId)
        #expect(o["publisher"] == "acme")
        #expect(o["manifest_sha256"]?.stringValue == PluginSignature.hex(try Data(contentsOf: manifest)))
        #expect(o["library_sha256"]?.stringValue == (try librarySha()))
        #expect(Data(base64Encoded: o["signature"]?.stringValue ?? "")?.count == 64)
        // The key id is the public key's fingerprint: 16 hex digits.
        #expect(key.keyId.count == 16 && key.keyId.allSatisfy(\.isHexDigit))
    }

    @Test func aSignatureByATrustedKeyVerifies() throws {
        let key = SigningKey(publisher: "acme")
        try signFiles(key)
        let status = try check(TrustStore(keys: [key.publicKey]))
        #expect(status == .signed(file: Manifest.display(PluginSignature.url(forManifest: manifest)), keyId: key.keyId, publisher: "acme"))
        #expect(status.description == "signed by \"acme\" (key \(key.keyId))")
        #expect(status.refusal(subject: "thing.json", required: true, trust: TrustStore()) == nil)
    }

    @Test func aTamperedManifestIsABadSignature() throws {
        let key = SigningKey(publisher: "acme")
        try signFiles(key)
        try Data(#"{"id": "thing", "library": {"path": "libOther.so"}}"#.utf8).write(to: manifest)
        let status = try check(TrustStore(keys: [key.publicKey]))
        guard case .bad(_, let id, let why) = status else { Issue.record("expected bad, got \(status)"); return }
        #expect(id == key.keyId)
        #expect(why.contains("the manifest changed since it was signed"), "\(why)")
        let refusal = try #require(status.refusal(subject: "manifests/thing.json", required: true, trust: TrustStore()))
        #expect(refusal.code == .signatureRefused)
        #expect(refusal.description.hasPrefix("manifests/thing.json: bad signature in "))
        #expect(refusal.description.contains("thing.json.sig: key \(key.keyId), publisher \"acme\": the manifest changed"), "\(refusal)")
    }

    @Test func aTamperedLibraryIsABadSignature() throws {
        let key = SigningKey(publisher: "acme")
        try signFiles(key)
        let signedSha = try librarySha()
        try Data("another build".utf8).write(to: library)
        let status = try check(TrustStore(keys: [key.publicKey]))
        guard case .bad(_, _, let why) = status else { Issue.record("expected bad, got \(status)"); return }
        #expect(why.contains("the library changed since it was signed (its sha256 is \(try librarySha()), the signature is for \(signedSha))"), "\(why)")
        // A missing library cannot be checked either.
        let missing = try TrustStore(keys: [key.publicKey]).check(manifest: manifest, bytes: Data(contentsOf: manifest), librarySha256: nil, namesLibrary: true)
        guard case .bad(_, _, let why2) = missing else { Issue.record("expected bad, got \(missing)"); return }
        #expect(why2.contains("the library is missing"))
    }

    @Test func aSignatureClaimingAnotherTrustedKeyDoesNotVerify() throws {
        let attacker = SigningKey(publisher: "mallory"), trusted = SigningKey(publisher: "acme")
        // Signed by the attacker, but claiming the trusted key's id (and rewritten to match).
        var sig = try PluginSignature.sign(manifest: Data(contentsOf: manifest), librarySha256: librarySha(), with: attacker)
        sig.keyId = trusted.keyId
        sig.publisher = "acme"
        try sig.encoded().write(to: PluginSignature.url(forManifest: manifest))
        let status = try check(TrustStore(keys: [trusted.publicKey]))
        guard case .bad(_, let id, let why) = status else { Issue.record("expected bad, got \(status)"); return }
        #expect(id == trusted.keyId)
        #expect(why.contains("the Ed25519 signature does not verify"), "\(why)")
        // Flipping one bit of a genuine signature does not verify either.
        try signFiles(trusted)
        var genuine = try PluginSignature.decode(Data(contentsOf: PluginSignature.url(forManifest: manifest)), subject: "t")
        var raw = Data(base64Encoded: genuine.signature)!
        raw[10] ^= 0x01
        genuine.signature = raw.base64EncodedString()
        try genuine.encoded().write(to: PluginSignature.url(forManifest: manifest))
        guard case .bad = try check(TrustStore(keys: [trusted.publicKey])) else { Issue.record("a flipped bit verified"); return }
    }

    @Test func aKeyOutsideTheTrustStoreIsUntrustedAndRefusedNamingIt() throws {
        let key = SigningKey(publisher: "acme"), other = SigningKey(publisher: "other")
        try signFiles(key)
        let trust = TrustStore(keys: [other.publicKey], sources: [URL(fileURLWithPath: "/etc/lightning/keys")])
        let status = try check(trust)
        #expect(status == .untrusted(file: Manifest.display(PluginSignature.url(forManifest: manifest)), keyId: key.keyId, publisher: "acme"))
        #expect(status.refusal(subject: "m.json", required: false, trust: trust) == nil)
        let refusal = try #require(status.refusal(subject: "m.json", required: true, trust: trust))
        #expect(refusal.description.contains("m.json: signed in ") && refusal.description.contains("thing.json.sig by key \(key.keyId) (publisher \"acme\"), which is not in plugins.trusted_keys (/etc/lightning/keys), and plugins.require_signature is on"), "\(refusal)")
    }

    @Test func anUnsignedPluginIsRefusedOnlyWhenRequired() throws {
        let status = try check(TrustStore())
        guard case .unsigned = status else { Issue.record("expected unsigned, got \(status)"); return }
        #expect(status.description == "unsigned")
        #expect(status.refusal(subject: "m.json", required: false, trust: TrustStore()) == nil)
        let refusal = try #require(status.refusal(subject: "m.json", required: true, trust: TrustStore()))
        #expect(refusal.description.contains("m.json: unsigned plugin: no signature file ") && refusal.description.contains("thing.json.sig, and plugins.require_signature is on"), "\(refusal)")
    }

    @Test func aMalformedSignatureFileIsBadNamingTheField() throws {
        try Data(#"{"format": "lightning-plugin-signature-v1", "algorithm": "ed25519", "key_id": "k", "publisher": "p", "manifest_sha256": "m", "library_sha256": null, "signature": "c2hvcnQ="}"#.utf8)
            .write(to: PluginSignature.url(forManifest: manifest))
        guard case .bad(_, _, let why) = try check(TrustStore()) else { Issue.record("expected bad"); return }
        #expect(why.contains("field \"signature\": expected base64 of 64 bytes"), "\(why)")
        try Data(#"{"format": "x"}"#.utf8).write(to: PluginSignature.url(forManifest: manifest))
        guard case .bad(_, _, let why2) = try check(TrustStore()) else { Issue.record("expected bad"); return }
        #expect(why2.contains("not a signature file"), "\(why2)")
    }

    @Test func keyFilesRoundTripAndTheTrustStoreReadsFilesAndFolders() throws {
        let key = SigningKey(publisher: "acme")
        let keys = dir.appendingPathComponent("keys")
        try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true)
        try key.encoded().write(to: keys.appendingPathComponent("acme.key"))
        try key.publicKey.encoded().write(to: keys.appendingPathComponent("acme.pub"))
        let again = try SigningKey.read(from: keys.appendingPathComponent("acme.key"))
        #expect(again.keyId == key.keyId && again.publisher == "acme")
        let store = try TrustStore.load([keys])  // the folder: its *.pub only (the .key is ignored)
        #expect(store.keys.keys.sorted() == [key.keyId])
        #expect(try TrustStore.load([keys.appendingPathComponent("acme.pub")]).keys[key.keyId]?.publisher == "acme")
        // A private key where a public one is expected, and a missing path: both named.
        let e = #expect(throws: HostError.self) { try TrustStore.load([keys.appendingPathComponent("acme.key"), dir.appendingPathComponent("nope")]) }
        #expect(e?.code == .configInvalid && e?.subject == "plugins.trusted_keys")
        #expect(e?.message.contains("acme.key: field \"format\": expected \"lightning-public-key-v1\", got \"lightning-signing-key-v1\"") == true, "\(e.map(\.message) ?? "")")
        #expect(e?.message.contains("nope: no such file or folder") == true)
        // A public key file whose key_id is not its key's fingerprint.
        var o = try Wire.decode([String: String].self, from: key.publicKey.encoded())
        o["key_id"] = "0000000000000000"
        try Wire.encode(o).write(to: keys.appendingPathComponent("liar.pub"))
        let e2 = #expect(throws: HostError.self) { try PublisherKey.read(from: keys.appendingPathComponent("liar.pub")) }
        #expect(e2?.message == "field \"key_id\": expected \(key.keyId) (the key's fingerprint), got \"0000000000000000\"")
    }

    @Test func requireSignatureIsOnInAzureModeAndConfigurable() throws {
        var c = DaemonConfig()
        #expect(c.requireSignature == false)
        #expect(c.source(of: "plugins.require_signature") == "mode local")
        c.mode = "azure"
        #expect(c.requireSignature == true)
        let file = dir.appendingPathComponent("config.json")
        try Data(#"{"mode": "azure", "plugins": {"require_signature": false, "trusted_keys": ["keys", "/abs/acme.pub"]}}"#.utf8).write(to: file)
        var f = DaemonConfig()
        try f.apply(fileAt: file)
        #expect(f.requireSignature == false)
        #expect(f.trustedKeys.map(\.path) == [dir.appendingPathComponent("keys").path, "/abs/acme.pub"])
        try f.apply(environment: ["LIGHTNING_PLUGINS_REQUIRE_SIGNATURE": "on", "LIGHTNING_PLUGINS_TRUSTED_KEYS": "/a.pub:/b"])
        #expect(f.requireSignature == true)
        #expect(f.trustedKeys.map(\.path) == ["/a.pub", "/b"])
        #expect(f.source(of: "plugins.require_signature") == "env LIGHTNING_PLUGINS_REQUIRE_SIGNATURE")
        try Data(#"{"plugins": {"require_signature": "yes", "keys": []}}"#.utf8).write(to: file)
        var bad = DaemonConfig()
        let e = #expect(throws: HostError.self) { try bad.apply(fileAt: file) }
        #expect(e?.message.contains("field \"plugins.keys\": expected one of require_signature, trusted_keys, got an unknown key") == true)
        #expect(e?.message.contains("field \"plugins.require_signature\": expected true or false, got \"yes\"") == true, "\(e.map(\.message) ?? "")")
    }
}

/// `LibrarySpec.sha256(ofFileAt:)` keeps digests by file identity: a changed file is hashed again.
@Suite struct LibraryDigestCacheTests {
    @Test func aRewrittenFileIsHashedAgainAndAnUnchangedOneGivesTheSameDigest() async throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lt-digest-\(UUID().uuidString).bin")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(repeating: 0x41, count: 4096).write(to: url)
        // Older than the one second under which a digest is not kept: this one is cached.
        try await Task.sleep(for: .milliseconds(2100))
        let first = try LibrarySpec.sha256(ofFileAt: url, subject: "t")
        #expect(first == "6896d9ea3f73a4434f5832bc65714e7d066f177373f36f34dc8a6f735daa41b1")
        #expect(try LibrarySpec.sha256(ofFileAt: url, subject: "t") == first)
        // The same size, other bytes, in place and at once (within the file system's time tick).
        let handle = try FileHandle(forWritingTo: url)
        try handle.write(contentsOf: Data(repeating: 0x42, count: 4096))
        try handle.close()
        let second = try LibrarySpec.sha256(ofFileAt: url, subject: "t")
        #expect(second != first)
        #expect(second == "725bcd6c66d02acf6ebeab9c92410e010ea22e336876256aaf05a211f4ce1902")
        // Replaced by another file (a rename over it: a new inode).
        let other = url.appendingPathExtension("new")
        try Data(repeating: 0x43, count: 4096).write(to: other)
        #expect(rename(other.path, url.path) == 0)
        #expect(try LibrarySpec.sha256(ofFileAt: url, subject: "t") == "b23f99e1f653e62fa5bc14cc528a9ec3b6d11be482b2ee51b519d1d6ad8c5466")
    }
}
