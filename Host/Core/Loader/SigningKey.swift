import Crypto
public import Foundation
import LightningProtocol

/// A publisher's Ed25519 private key (`lightning plugins keygen`), as a JSON file of mode 0600:
/// `{"format": "lightning-signing-key-v1", "algorithm": "ed25519", "publisher": "...",
///   "key_id": "...", "private_key": "<base64 of the 32-byte seed>"}`.
///
/// The key id is the first 16 hex digits of the sha256 of the raw 32-byte public key, so a key id
/// cannot be claimed by another key (`PublisherKey` checks it when reading a public key).
public struct SigningKey: Sendable {
    public static let format = "lightning-signing-key-v1"
    /// The 32-byte seed (swift-crypto's keys are not `Sendable`; the bytes are, and a key is made per use).
    let seed: Data
    public let publisher: String
    var privateKey: Curve25519.Signing.PrivateKey {
        // The seed was accepted by this initializer when read or made; it cannot fail now.
        try! Curve25519.Signing.PrivateKey(rawRepresentation: seed)
    }

    public init(publisher: String) {
        self.seed = Curve25519.Signing.PrivateKey().rawRepresentation
        self.publisher = publisher
    }

    init(privateKey: Curve25519.Signing.PrivateKey, publisher: String) {
        self.seed = privateKey.rawRepresentation; self.publisher = publisher
    }

    public var keyId: String { PublisherKey.keyId(of: privateKey.publicKey.rawRepresentation) }
    public var publicKey: PublisherKey { PublisherKey(key: privateKey.publicKey, publisher: publisher) }

    /// The private key file's bytes.
    public func encoded() -> Data {
        Self.json(["format": Self.format, "algorithm": PluginSignature.algorithm, "publisher": publisher, "key_id": keyId,
                   "private_key": privateKey.rawRepresentation.base64EncodedString()])
    }

    /// Reads a private key file.
    /// - Throws: `HostError(.signatureRefused)` naming the file and the field that is wrong.
    public static func read(from url: URL) throws -> SigningKey {
        let o = try PublisherKey.object(at: url, format: format)
        guard let b64 = o["private_key"], let raw = Data(base64Encoded: b64), raw.count == 32,
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
            throw HostError(.signatureRefused, subject: url.path, "field \"private_key\": expected base64 of a 32-byte Ed25519 key")
        }
        let k = SigningKey(privateKey: key, publisher: o["publisher"] ?? "")
        if let id = o["key_id"], id != k.keyId {
            throw HostError(.signatureRefused, subject: url.path, "field \"key_id\": expected \(k.keyId) (the key's fingerprint), got \"\(id)\"")
        }
        return k
    }

    static func json(_ o: [String: String]) -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var d = (try? e.encode(o)) ?? Data()  // a dictionary of strings always encodes
        d.append(0x0A)
        return d
    }
}

/// A publisher's Ed25519 public key, as a JSON file (`NAME.pub`):
/// `{"format": "lightning-public-key-v1", "algorithm": "ed25519", "publisher": "...",
///   "key_id": "...", "public_key": "<base64 of the 32-byte key>"}`.
public struct PublisherKey: Sendable {
    public static let format = "lightning-public-key-v1"
    /// The raw 32-byte public key (swift-crypto's keys are not `Sendable`; the bytes are).
    let raw: Data
    public let publisher: String
    /// The file it was read from (for messages); nil when made in memory.
    public var file: URL?

    init(key: Curve25519.Signing.PublicKey, publisher: String, file: URL? = nil) {
        self.raw = key.rawRepresentation; self.publisher = publisher; self.file = file
    }

    public var keyId: String { Self.keyId(of: raw) }

    static func keyId(of raw: Data) -> String { String(PluginSignature.hex(raw).prefix(16)) }

    /// Whether `signature` (64 raw bytes) signs `message` with this key.
    func verifies(_ signature: Data, _ message: Data) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { return false }
        return key.isValidSignature(signature, for: message)
    }

    /// The public key file's bytes.
    public func encoded() -> Data {
        SigningKey.json(["format": Self.format, "algorithm": PluginSignature.algorithm, "publisher": publisher, "key_id": keyId,
                         "public_key": raw.base64EncodedString()])
    }

    /// Reads a public key file.
    /// - Throws: `HostError(.signatureRefused)` naming the file and the field that is wrong.
    public static func read(from url: URL) throws -> PublisherKey {
        let o = try object(at: url, format: format)
        guard let b64 = o["public_key"], let raw = Data(base64Encoded: b64), raw.count == 32,
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
            throw HostError(.signatureRefused, subject: url.path, "field \"public_key\": expected base64 of a 32-byte Ed25519 public key")
        }
        let k = PublisherKey(key: key, publisher: o["publisher"] ?? "", file: url)
        if let id = o["key_id"], id != k.keyId {
            throw HostError(.signatureRefused, subject: url.path, "field \"key_id\": expected \(k.keyId) (the key's fingerprint), got \"\(id)\"")
        }
        return k
    }

    /// A key file's JSON object of strings, with its `format` and `algorithm` checked.
    static func object(at url: URL, format: String) throws -> [String: String] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw HostError(.signatureRefused, subject: url.path, "cannot read key file: \(error.localizedDescription)")
        }
        guard let o = try? JSONDecoder().decode([String: String].self, from: data) else {
            throw HostError(.signatureRefused, subject: url.path, "expected a JSON object of strings (a key file written by `lightning plugins keygen`)")
        }
        guard o["format"] == format else {
            throw HostError(.signatureRefused, subject: url.path, "field \"format\": expected \"\(format)\", got \(o["format"].map { "\"\($0)\"" } ?? "nothing")")
        }
        guard o["algorithm"] == PluginSignature.algorithm else {
            throw HostError(.signatureRefused, subject: url.path, "field \"algorithm\": expected \"\(PluginSignature.algorithm)\", got \(o["algorithm"].map { "\"\($0)\"" } ?? "nothing")")
        }
        return o
    }
}
