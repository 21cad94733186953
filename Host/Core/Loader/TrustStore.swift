public import Foundation
import LightningProtocol

/// The publisher public keys the daemon trusts (`plugins.trusted_keys`: key files, or folders
/// whose `*.pub` files are read), by key id; and the check of one plugin's signature against them.
///
/// ```
///  NAME.json ──bytes──▶ sha256 ┐
///  library   ──file───▶ sha256 ┼─▶ PluginSignature.message ─▶ Ed25519 verify with trusted[key_id] ─▶ SignatureStatus
///  NAME.json.sig ─────▶ key_id, signature ┘
/// ```
public struct TrustStore: Sendable {
    public var keys: [String: PublisherKey]
    /// What it was read from (for messages).
    public var sources: [URL]

    public init(keys: [PublisherKey] = [], sources: [URL] = []) {
        self.keys = Dictionary(keys.map { ($0.keyId, $0) }, uniquingKeysWith: { a, _ in a })
        self.sources = sources
    }

    /// Reads every key file named, and every `*.pub` of every folder named.
    /// - Throws: `HostError(.configInvalid)` (subject `plugins.trusted_keys`) naming each path that
    ///   is missing or not a public key file.
    public static func load(_ paths: [URL]) throws -> TrustStore {
        var keys: [PublisherKey] = [], problems: [String] = []
        for p in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p.path, isDirectory: &isDir) else {
                problems.append("\(p.path): no such file or folder"); continue
            }
            let files: [URL]
            if isDir.boolValue {
                files = ((try? FileManager.default.contentsOfDirectory(at: p, includingPropertiesForKeys: nil)) ?? [])
                    .filter { $0.pathExtension == "pub" }.sorted { $0.path < $1.path }
            } else { files = [p] }
            for f in files {
                do { keys.append(try PublisherKey.read(from: f)) } catch let e as HostError { problems.append(e.description) }
                catch { problems.append("\(f.path): \(error)") }
            }
        }
        if !problems.isEmpty {
            throw HostError(.configInvalid, subject: "plugins.trusted_keys", problems.joined(separator: "\n  "))
        }
        return TrustStore(keys: keys, sources: paths)
    }

    var describedSources: String { sources.isEmpty ? "none configured" : sources.map(\.path).joined(separator: ", ") }

    /// The signature status of the manifest at `manifest` (whose bytes are `bytes`), whose library
    /// file has `librarySha256` (nil: the manifest names no library, or the file is missing).
    /// Reads `NAME.json.sig`; never throws: every problem is a `.bad` status with its reason.
    public func check(manifest: URL, bytes: Data, librarySha256: String?, namesLibrary: Bool) -> SignatureStatus {
        let sigURL = PluginSignature.url(forManifest: manifest)
        let sigName = Manifest.display(sigURL)
        guard FileManager.default.fileExists(atPath: sigURL.path) else { return .unsigned(file: sigName) }
        let sig: PluginSignature
        do { sig = try PluginSignature.decode(try Data(contentsOf: sigURL), subject: sigName) } catch let e as HostError {
            return .bad(file: sigName, keyId: nil, e.message)
        } catch { return .bad(file: sigName, keyId: nil, "cannot read: \(error.localizedDescription)") }
        let who = "key \(sig.keyId)" + (sig.publisher.isEmpty ? "" : ", publisher \"\(sig.publisher)\"")
        let manifestSha = PluginSignature.hex(bytes)
        if manifestSha != sig.manifestSha256 {
            return .bad(file: sigName, keyId: sig.keyId, "\(who): the manifest changed since it was signed (its sha256 is \(manifestSha), the signature is for \(sig.manifestSha256))")
        }
        if namesLibrary, librarySha256 == nil {
            return .bad(file: sigName, keyId: sig.keyId, "\(who): the library is missing, so its sha256 cannot be checked")
        }
        if librarySha256 != sig.librarySha256 {
            return .bad(file: sigName, keyId: sig.keyId, "\(who): the library changed since it was signed (its sha256 is \(librarySha256 ?? "none"), the signature is for \(sig.librarySha256 ?? "none"))")
        }
        guard let key = keys[sig.keyId] else {
            return .untrusted(file: sigName, keyId: sig.keyId, publisher: sig.publisher)
        }
        let msg = PluginSignature.message(keyId: sig.keyId, manifestSha256: manifestSha, librarySha256: librarySha256)
        guard let raw = Data(base64Encoded: sig.signature), key.verifies(raw, msg) else {
            return .bad(file: sigName, keyId: sig.keyId, "\(who): the Ed25519 signature does not verify with the trusted key \(key.file.map(\.path) ?? sig.keyId)")
        }
        return .signed(file: sigName, keyId: sig.keyId, publisher: key.publisher)
    }
}

/// What a plugin's signature says (`TrustStore.check`), and the policy's verdict on it.
public enum SignatureStatus: Sendable, Equatable, CustomStringConvertible {
    /// No `NAME.json.sig` (file: where it was looked for).
    case unsigned(file: String)
    /// Verified with a trusted key.
    case signed(file: String, keyId: String, publisher: String)
    /// Well formed and matching the files, but by a key the trust store does not hold.
    case untrusted(file: String, keyId: String, publisher: String)
    /// Unreadable, for other files, or not verifying.
    case bad(file: String, keyId: String?, String)

    /// One line for `/v1/plugins` and `lightning plugins verify`.
    public var description: String {
        switch self {
        case .unsigned: "unsigned"
        case .signed(_, let id, let p): "signed by \(p.isEmpty ? "key \(id)" : "\"\(p)\" (key \(id))")"
        case .untrusted(_, let id, let p): "signed by an untrusted key \(id)\(p.isEmpty ? "" : " (publisher \"\(p)\")")"
        case .bad(let f, _, let why): "bad signature in \(f): \(why)"
        }
    }

    public var isTrusted: Bool { if case .signed = self { true } else { false } }

    /// The refusal under `plugins.require_signature`, or nil when the plugin may load.
    /// - Parameters:
    ///   - subject: the manifest's path (the error's subject).
    ///   - trust: for the message (where trusted keys come from).
    public func refusal(subject: String, required: Bool, trust: TrustStore) -> HostError? {
        guard required else { return nil }
        let tail = "plugins.require_signature is on"
        switch self {
        case .signed: return nil
        case .unsigned(let f):
            return HostError(.signatureRefused, subject: subject,
                             "unsigned plugin: no signature file \(f), and \(tail) (sign it with `lightning plugins sign \(subject) --key KEYFILE`)")
        case .untrusted(let f, let id, let p):
            return HostError(.signatureRefused, subject: subject,
                             "signed in \(f) by key \(id)\(p.isEmpty ? "" : " (publisher \"\(p)\")"), which is not in plugins.trusted_keys (\(trust.describedSources)), and \(tail)")
        case .bad(let f, _, let why):
            return HostError(.signatureRefused, subject: subject, "bad signature in \(f): \(why); \(tail)")
        }
    }
}
