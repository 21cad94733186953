import Foundation
import LightningProtocol
import Logging

extension Daemon {
    /// Reads `plugins.trusted_keys` (at start; a swap checks against the same store).
    /// - Throws: `HostError(.configInvalid)` naming each key file or folder that cannot be read.
    func loadTrustStore() throws {
        let store = try TrustStore.load(config.trustedKeys)
        trustStore.withLock { $0 = store }
        let ids = store.keys.values.map { "\($0.keyId) (\($0.publisher))" }.sorted()
        logger.info("plugins: require_signature \(config.requireSignature ? "on" : "off") (\(config.source(of: "plugins.require_signature"))); trusted keys: \(ids.isEmpty ? "none" : ids.joined(separator: ", "))")
    }

    /// Checks the signature of every plugin (manifest naming a library) in `dir`
    /// (docs/plugin-abi.md#signed-plugins). With `plugins.require_signature` on, one that is
    /// unsigned, badly signed or signed by a key outside the trust store is taken out of
    /// `dir.manifests`: it is shown `failed` with the refusal, and the rest load. With it off, the
    /// status is only reported (`signature` in `/v1/plugins`) and a bad signature is logged.
    func checkSignatures(_ dir: ManifestDirectory) -> ManifestDirectory {
        let trust = trustStore.withLock { $0 }
        let required = config.requireSignature
        var out = dir
        out.manifests = []
        var refused: [String: HostError] = [:]
        for m in dir.manifests {
            guard m.library != nil else { out.manifests.append(m); continue }
            let status = signatureStatus(of: m, trust: trust, required: required)
            signatures.withLock { $0[m.id] = status.description }
            if let refusal = status.refusal(subject: m.displayPath, required: required, trust: trust) {
                logger.error("manifest refused: \(refusal)")
                refused[m.id] = refusal
                statuses.withLock { $0[m.id] = self.status(of: m, state: .failed, error: refusal.message) }
                continue
            }
            if case .bad = status { logger.warning("\(m.displayPath): \(status) (plugins.require_signature is off: it loads)") }
            out.manifests.append(m)
        }
        signatureRefusals.withLock { $0 = refused }
        return out
    }

    /// The signature status of `m`; without a `.sig` file and without the policy, the library is
    /// not hashed here (the loader checks its pin).
    func signatureStatus(of m: Manifest, trust: TrustStore, required: Bool) -> SignatureStatus {
        let sigFile = PluginSignature.url(forManifest: m.file)
        guard required || FileManager.default.fileExists(atPath: sigFile.path) else { return .unsigned(file: Manifest.display(sigFile)) }
        guard let bytes = try? Data(contentsOf: m.file) else {
            return .bad(file: Manifest.display(sigFile), keyId: nil, "cannot read the manifest \(m.displayPath) again")
        }
        var digest: String?
        if let url = m.libraryURL(pluginDirs: pluginDirs), FileManager.default.fileExists(atPath: url.path) {
            digest = try? LibrarySpec.sha256(ofFileAt: url, subject: m.displayPath)
        }
        return trust.check(manifest: m.file, bytes: bytes, librarySha256: digest, namesLibrary: true)
    }
}
