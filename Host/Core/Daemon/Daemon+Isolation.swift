import Foundation
import LightningProtocol
import Logging

/// The isolation tiers of providers and drivers (docs/plugin-abi.md#isolation-tiers): a
/// manifest's `isolation` decides whether its library is loaded into the daemon (`in-process`,
/// the default) or into a `lightning plugin-host` child under the supervisor (`process`).
extension Daemon {
    /// Creates an instance of `m` with `cfg` in the tier its manifest asks for.
    /// - Returns: the connection and the library's sha256.
    /// - Throws: `HostError` from the loader (in-process) or from the child's first start (process).
    func makeInstance(_ m: Manifest, config cfg: [String: JSONValue]) async throws -> (connection: any ProviderConnection, sha256: String) {
        if m.isolation == .process || quarantineReason(m) != nil {
            let (c, sha) = try await startIsolated(m, config: cfg)
            return (c, sha)
        }
        return try await makeInProcessInstance(m, config: cfg)
    }

    /// Starts `m`'s library in a supervised `plugin-host` child and waits for its first run to be
    /// ready. The daemon checks the file and its sha256 pin first (without loading it); the child
    /// repeats every loader check (sha256, ABI, id and version) before it creates the instance.
    /// - Throws: `HostError` (`.libraryMissing`, `.checksumMismatch`, `.providerUnavailable` with
    ///   the child's reason: a refused library or config, a crash during `create`).
    func startIsolated(_ m: Manifest, config cfg: [String: JSONValue]) async throws -> (ChildHostedConnection, String) {
        let spec = try LibrarySpec(manifest: m, pluginDirs: pluginDirs)
        let digest = try spec.verifiedDigest()
        let url = spec.url
        let name = "plugin:\(m.id)#\(PluginChildHost.nextInstance())"
        let child = try supervisor.makePluginChild(m, name: name, executable: try pluginHostExecutable(m), library: url, sha256: digest, config: cfg)
        let supervisor = self.supervisor
        await supervisor.launch(child)
        let conn = ChildHostedConnection(child: child, callTimeout: .seconds(300), onClose: { await supervisor.remove(name) })
        do { try await conn.waitFirstReady(subject: m.displayPath) } catch {
            await supervisor.remove(name)
            throw error
        }
        logger.info("plugin started in process isolation", metadata: ["lt.plugin": "\(m.id)", "lt.child": "\(name)",
                                                                      "lt.child.pid": "\(conn.pid.map(String.init) ?? "-")"])
        return (conn, digest)
    }

    /// The `lightning` binary that runs `plugin-host`: this executable when it is `lightning`,
    /// else the first `lightning` in the plugin folders (a daemon embedded in tests).
    func pluginHostExecutable(_ m: Manifest) throws -> URL {
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        if me.lastPathComponent == "lightning" { return me }
        for dir in pluginDirs where FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("lightning").path) {
            return dir.appendingPathComponent("lightning")
        }
        throw HostError(.providerUnavailable, subject: m.displayPath,
                        "field \"isolation\": \"process\" needs the lightning binary, not found in \(pluginDirs.map(\.path).joined(separator: ", "))")
    }

    /// The process serving `connection`, for `/v1/plugins` (nil in-process).
    func processName(of connection: any ProviderConnection) -> String? {
        (connection as? ChildHostedConnection)?.child.name
    }
}
