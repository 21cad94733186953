public import Foundation
import LightningProtocol
import Logging

extension Daemon {
    /// `<data_dir>/tokens.json`: the token store (hashes only).
    public var tokenFile: URL { config.dataDir.appendingPathComponent("tokens.json") }
    /// `<data_dir>/admin.token`: the admin token's secret, written at the first start.
    public var adminTokenFile: URL { config.dataDir.appendingPathComponent("admin.token") }

    /// The token store, or nil when authentication is off (or before `start`).
    public var tokens: TokenStore? { tokenStore.value }

    /// Creates the data folder with mode 0700 when it does not exist (its SQLite files hold every
    /// document and event: other local users must not read them around the API). An existing
    /// folder that group or others can enter is left as it is, with a warning.
    func createDataDirectory() throws {
        let path = config.dataDir.path
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(at: config.dataDir, withIntermediateDirectories: true)
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
        } else if let mode = SecretFile.mode(of: config.dataDir), mode & 0o077 != 0 {
            logger.warning("data folder \(path) has mode 0\(String(mode, radix: 8)): other local users can read its databases (documents, events) without a token; `chmod 700 \(path)` (docs/security.md)")
        }
    }

    /// Applies the binding rule and opens the token store; on the first start writes the admin
    /// token. With authentication off, logs a warning (at every start, on purpose).
    /// - Throws: `HostError(.configInvalid)` for a non-loopback host with authentication off, or an
    ///   unreadable token store.
    func startAuth() throws {
        try BindPolicy.check(host: config.host, authEnabled: config.authEnabled,
                             hostSource: config.source(of: "host"), authSource: config.source(of: "auth"))
        guard config.authEnabled else {
            logger.warning("authentication is OFF (auth: false, from \(config.source(of: "auth"))): every local user can control this daemon through the API, and through it run code as this daemon's user; see docs/security.md")
            return
        }
        let store = try TokenStore(file: tokenFile)
        if let t = try store.bootstrapAdmin(secretFile: adminTokenFile) {
            logger.notice("first start: wrote admin token \(t.id) to \(adminTokenFile.path) (mode 0600); the CLI reads it from there")
        }
        tokenStore.withLock { $0 = store }
    }

    /// The bounds on manifests submitted over the API.
    var manifestPolicy: ManifestPolicy {
        ManifestPolicy(sandboxDefault: config.sandboxDefault, commandDirs: pluginDirs + config.manifestDirs + config.apiCommandDirs)
    }

    /// The bounds on provider config sent over the API.
    var providerConfigPolicy: ProviderConfigPolicy {
        ProviderConfigPolicy(dataDir: config.dataDir.standardizedFileURL, allowedDirs: config.apiProviderPaths)
    }
}
