import Crypto
public import Foundation
import LightningProtocol

/// A detached Ed25519 signature of a plugin: `NAME.json.sig` next to the manifest `NAME.json`
/// (docs/plugin-abi.md#signed-plugins). It signs one canonical message that binds the manifest's
/// bytes and the library's sha256, so neither can be replaced without breaking it:
///
/// ```
///  lightning-plugin-signature-v1\n
///  key-id <key id>\n
///  manifest-sha256 <hex sha256 of the manifest file's bytes>\n
///  library-sha256 <hex sha256 of the library file, or "none" for a manifest without a library>\n
/// ```
///
/// The `.sig` file is JSON: `format`, `algorithm` (`ed25519`), `key_id`, `publisher`,
/// `manifest_sha256`, `library_sha256` (null without a library) and `signature` (base64 of the
/// 64-byte signature). The two digests are repeated in the file only so that a refusal can say
/// which file changed; the verifier recomputes both from the files and checks the signature over
/// the message it builds itself.
public struct PluginSignature: Sendable, Equatable, Codable {
    public static let format = "lightning-plugin-signature-v1"
    public static let algorithm = "ed25519"

    public var format: String
    public var algorithm: String
    public var keyId: String
    public var publisher: String
    public var manifestSha256: String
    public var librarySha256: String?
    /// Base64 of the 64-byte Ed25519 signature over `message(...)`.
    public var signature: String

    enum CodingKeys: String, CodingKey {
        case format, algorithm, publisher, signature
        case keyId = "key_id", manifestSha256 = "manifest_sha256", librarySha256 = "library_sha256"
    }

    /// The bytes that are signed (see the type's documentation).
    public static func message(keyId: String, manifestSha256: String, librarySha256: String?) -> Data {
        Data("\(format)\nkey-id \(keyId)\nmanifest-sha256 \(manifestSha256)\nlibrary-sha256 \(librarySha256 ?? "none")\n".utf8)
    }

    /// Where the signature of the manifest at `manifest` lives: the same path plus `.sig`.
    public static func url(forManifest manifest: URL) -> URL {
        manifest.deletingLastPathComponent().appendingPathComponent(manifest.lastPathComponent + ".sig")
    }

    /// Hex sha256 of bytes.
    public static func hex(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// Signs a manifest's bytes and its library's digest.
    /// - Parameters:
    ///   - manifest: the manifest file's bytes, exactly as they are on disk.
    ///   - librarySha256: the library file's sha256 (lowercase hex), nil when the manifest names none.
    public static func sign(manifest: Data, librarySha256: String?, with key: SigningKey) throws -> PluginSignature {
        let manifestSha = hex(manifest)
        let msg = message(keyId: key.keyId, manifestSha256: manifestSha, librarySha256: librarySha256)
        let sig = try key.privateKey.signature(for: msg)
        return PluginSignature(format: format, algorithm: algorithm, keyId: key.keyId, publisher: key.publisher,
                               manifestSha256: manifestSha, librarySha256: librarySha256, signature: Data(sig).base64EncodedString())
    }

    /// The `.sig` file's bytes (pretty JSON, sorted keys, ending in a newline).
    public func encoded() -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var d = (try? e.encode(self)) ?? Data()  // a struct of strings always encodes
        d.append(0x0A)
        return d
    }

    /// Parses a `.sig` file.
    /// - Throws: `HostError(.signatureRefused)` naming `subject` and what is wrong with the file.
    public static func decode(_ data: Data, subject: String) throws -> PluginSignature {
        let s: PluginSignature
        do { s = try JSONDecoder().decode(PluginSignature.self, from: data) } catch let e as DecodingError {
            throw HostError(.signatureRefused, subject: subject, "not a signature file: \(Wire.describe(e))")
        }
        guard s.format == format else {
            throw HostError(.signatureRefused, subject: subject, "field \"format\": expected \"\(format)\", got \"\(s.format)\"")
        }
        guard s.algorithm == algorithm else {
            throw HostError(.signatureRefused, subject: subject, "field \"algorithm\": expected \"\(algorithm)\", got \"\(s.algorithm)\"")
        }
        guard let raw = Data(base64Encoded: s.signature), raw.count == 64 else {
            throw HostError(.signatureRefused, subject: subject, "field \"signature\": expected base64 of 64 bytes, got \"\(s.signature.prefix(100))\"")
        }
        return s
    }
}

extension PluginSignature {
    /// Signs the manifest `m` (its bytes on disk) and the library it resolves to, whose sha256
    /// must be its pin, and writes `NAME.json.sig` (`lightning plugins sign`, `pin --sign-key`).
    /// - Returns: the signature file written.
    /// - Throws: `HostError`: the loader's `.libraryMissing`, `.abiMismatch`; `.checksumMismatch`
    ///   when the pin is not the library's sha256 (pin first); `.signatureRefused` when the file
    ///   cannot be written.
    @discardableResult
    public static func sign(manifest m: Manifest, with key: SigningKey, pluginDirs: [URL]) throws -> URL {
        let bytes: Data
        do { bytes = try Data(contentsOf: m.file) } catch {
            throw HostError(.manifestInvalid, subject: m.displayPath, "cannot read file: \(error.localizedDescription)")
        }
        var digest: String?
        if let lib = m.library {
            let spec = try LibrarySpec(manifest: m, pluginDirs: pluginDirs)
            let found = try LibrarySpec(url: spec.url, sha256: nil, expectedId: nil, expectedVersion: nil, subject: m.displayPath).verifiedDigest()
            guard found == lib.sha256 else {
                throw HostError(.checksumMismatch, subject: m.displayPath,
                                "field \"library.sha256\": pinned to \(lib.sha256), but \(spec.url.path) has sha256 \(found); run `lightning plugins pin` before signing")
            }
            digest = found
        }
        let out = url(forManifest: m.file)
        do { try sign(manifest: bytes, librarySha256: digest, with: key).encoded().write(to: out, options: .atomic) } catch {
            throw HostError(.signatureRefused, subject: out.path, "cannot write the signature: \(error.localizedDescription)")
        }
        return out
    }
}
