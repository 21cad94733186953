import Foundation
import LightningProtocol
import Logging

extension Supervisor {
    /// Creates (not starts) the `lightning plugin-host` child of a provider or driver manifest
    /// with `isolation: process`: restart policy permanent, the manifest's `sandbox` section as
    /// for agents (plus read access to the library and the manifest), and the manifest's optional
    /// `process` section for timeouts and heartbeats (its `command` and `args` are replaced).
    /// Heartbeats default to every 5 s.
    /// - Parameters:
    ///   - library: the library the daemon resolved; `sha256` its digest, checked again by the child.
    ///   - config: the instance config; its `data_dir` becomes `/scratch` (the child's scratch
    ///     directory) when a sandbox hides the daemon's data directory.
    /// - Throws: `HostError(.manifestInvalid)` for a malformed `process` or `sandbox` section,
    ///   `HostError(.providerUnavailable)` for a sandbox profile this host cannot give.
    func makePluginChild(_ m: Manifest, name: String, executable: URL, library: URL, sha256: String,
                         config: [String: JSONValue]) throws -> SupervisedChild {
        var checker = FieldChecker()
        var spec = ChildSpec(command: executable.path)
        if let raw = m.process {
            guard let parsed = ChildSpec.parse(.object((raw.objectValue ?? [:]).merging(["command": .string(executable.path)]) { _, new in new }),
                                               &checker), checker.problems.isEmpty else {
                throw HostError(.manifestInvalid, subject: m.displayPath, checker.problems.joined(separator: "; "))
            }
            spec = parsed
        } else {
            spec.heartbeatIntervalMs = 5000
        }
        spec.command = executable.path
        spec.args = PluginChildHost.arguments(manifest: m.file, library: library, id: nil, version: nil, sha256: sha256)
        spec.restart = .permanent
        spec.env = [:]
        let manifestDir = m.file.resolvingSymlinksInPath().deletingLastPathComponent().path
        spec.sandbox = try sandboxPolicy(m, manifestDir: manifestDir, name: name)
        var cfg = config
        if spec.sandbox.profile != .none {
            for p in [library.resolvingSymlinksInPath().path, m.file.resolvingSymlinksInPath().path] where !spec.sandbox.paths.contains(where: { $0.path == p }) {
                spec.sandbox.paths.append(.init(path: p, writable: false))
            }
            // The daemon's data directory is hidden in the sandbox; the child's own scratch
            // directory (`<data_dir>/scratch/plugin_<id>`, kept across restarts) is `/scratch` there.
            if spec.sandbox.scratchDirectory != nil { cfg["data_dir"] = .string(SandboxPlan.scratchMount) }
        }
        let env = Self.environment(spec: spec, id: m.id, name: name, kind: m.kind.rawValue)
        return SupervisedChild(name: name, manifestId: m.id, kind: m.kind.rawValue, spec: spec, program: executable.path,
                               arguments: spec.args, environment: env, config: .object(cfg), services: services,
                               logger: Logger(label: "lt.supervisor"))
    }
}
