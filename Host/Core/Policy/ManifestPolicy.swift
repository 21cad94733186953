public import Foundation
public import LightningProtocol

/// What a manifest submitted over the API (`POST /v1/functions`) may ask for: no weaker
/// sandbox than the daemon's `sandbox_default`, a program inside the allowed directories (the
/// plugin folders, the manifests folder, `api_command_dirs`), and sandbox paths inside them too.
/// Manifests in the manifests folder are the operator's and are not bounded by it.
/// Pure: the caller resolves the program as the supervisor would (`Supervisor.resolve`).
public struct ManifestPolicy: Sendable {
    public var sandboxDefault: SandboxPolicy.Profile
    /// Absolute folders (symlinks resolved by `check`).
    public var commandDirs: [URL]

    public init(sandboxDefault: SandboxPolicy.Profile, commandDirs: [URL]) {
        self.sandboxDefault = sandboxDefault
        self.commandDirs = commandDirs
    }

    /// - Parameters:
    ///   - manifest: the submitted manifest JSON.
    ///   - program: the absolute path its `process.command` resolves to, or nil when it does not
    ///     resolve (the deployment then fails on its own with 400).
    ///   - manifestDir: the folder `${manifest_dir}` stands for.
    /// - Throws: `WireError(.permissionDenied)` naming the field, the policy, what it allows and what was asked.
    public func check(manifest: JSONValue, program: String?, manifestDir: String) throws {
        let subject = "manifest \"\(manifest["id"]?.stringValue ?? "?")\""
        let sandbox = manifest["sandbox"]
        if let p = sandbox?["profile"]?.stringValue, let asked = SandboxPolicy.Profile(rawValue: p), Self.rank(asked) < Self.rank(sandboxDefault) {
            throw WireError(.permissionDenied,
                "\(subject): field \"sandbox.profile\": policy sandbox_default: a manifest submitted over the API gets \"\(sandboxDefault.rawValue)\" or stronger, got \"\(p)\" (put the manifest in the manifests folder, or change sandbox_default)")
        }
        let dirs = commandDirs.map { $0.resolvingSymlinksInPath().standardizedFileURL.path }
        if let program {
            let real = URL(fileURLWithPath: program).resolvingSymlinksInPath().standardizedFileURL.path
            guard Self.isInside(real, any: dirs) else {
                throw WireError(.permissionDenied,
                    "\(subject): field \"process.command\": policy api_command_dirs: \(real) is outside the allowed directories (\(dirs.joined(separator: ", "))); add its folder to \"api_command_dirs\" in the config, or put the manifest in the manifests folder")
            }
        }
        for (i, rule) in (sandbox?["paths"]?.arrayValue ?? []).enumerated() {
            guard let raw = rule["path"]?.stringValue else { continue }
            let expanded = raw.replacingOccurrences(of: "${manifest_dir}", with: manifestDir)
            let path = URL(fileURLWithPath: expanded, relativeTo: URL(fileURLWithPath: manifestDir, isDirectory: true))
                .standardizedFileURL.resolvingSymlinksInPath().path
            guard Self.isInside(path, any: dirs) else {
                throw WireError(.permissionDenied,
                    "\(subject): field \"sandbox.paths[\(i)].path\": policy api_command_dirs: \(path) is outside the allowed directories (\(dirs.joined(separator: ", ")))")
            }
        }
    }

    /// none < standard < strict.
    static func rank(_ p: SandboxPolicy.Profile) -> Int {
        switch p { case .none: 0; case .standard: 1; case .strict: 2 }
    }

    /// True when `path` is one of `dirs` or below one (whole components: `/a/bc` is not below `/a/b`).
    static func isInside(_ path: String, any dirs: [String]) -> Bool {
        dirs.contains { d in
            let dir = d.hasSuffix("/") ? String(d.dropLast()) : d
            return path == dir || path.hasPrefix(dir + "/") || dir.isEmpty
        }
    }
}
