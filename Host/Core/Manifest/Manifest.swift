public import Foundation
public import LightningProtocol

/// A validated manifest: one JSON file under `manifests/` describing a plugin, agent or function.
/// The schema is documented in docs/manifests.md; `ManifestParser` builds this type and reports
/// every problem with the file, the field, what was expected and what was found.
public struct Manifest: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case provider, driver, agent, function }
    public enum ProviderKind: String, Sendable, CaseIterable, Codable { case storage, eventbus, containers, functions }
    public enum Isolation: String, Sendable, CaseIterable { case inProcess = "in-process", process }

    /// The library of a provider or driver plugin.
    public struct Library: Sendable, Equatable {
        /// As written in the manifest (absolute, or relative to the manifest's folder or a plugin dir).
        public var path: String
        /// Lowercase hex sha256 the library must have.
        public var sha256: String
    }

    /// Hints for schedulers and limits; all optional.
    public struct Resources: Sendable, Equatable {
        public var memoryMB: Int?
        public var maxConcurrency: Int?
        public var timeoutMs: Int?
    }

    public var file: URL
    public var manifestVersion: Int
    public var id: String
    public var name: String
    public var version: SemanticVersion
    public var kind: Kind
    public var description: String
    public var provides: ProviderKind?
    public var library: Library?
    /// ABI major version the library was built for.
    public var abiVersion: Int?
    public var capabilities: [String]
    public var configDefaults: [String: JSONValue]
    public var configSchema: JSONValue?
    public var resources: Resources
    public var isolation: Isolation
    /// The child-process section of agents and functions (parsed by the supervisor's `ChildSpec`).
    public var process: JSONValue?
    /// Event patterns that trigger a function.
    public var triggers: JSONValue?
    /// What it offers to plans (`actions`, docs/manifests.md#actions).
    public var actions: [ManifestAction] = []
    /// The whole file as parsed, for fields other subsystems read.
    public var raw: JSONValue

    /// The path shown in errors (relative when under the current directory).
    public var displayPath: String { Manifest.display(file) }

    public static func display(_ url: URL) -> String {
        let cwd = FileManager.default.currentDirectoryPath + "/"
        return url.path.hasPrefix(cwd) ? String(url.path.dropFirst(cwd.count)) : url.path
    }
}

/// A semantic version (semver 2.0: MAJOR.MINOR.PATCH[-pre][+build]).
public struct SemanticVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int, minor: Int, patch: Int
    public var prerelease: String?
    public var build: String?

    public init?(_ s: String) {
        var rest = Substring(s)
        if let plus = rest.firstIndex(of: "+") {
            build = String(rest[rest.index(after: plus)...]); rest = rest[..<plus]
            if build!.isEmpty { return nil }
        }
        if let dash = rest.firstIndex(of: "-") {
            prerelease = String(rest[rest.index(after: dash)...]); rest = rest[..<dash]
            if prerelease!.isEmpty { return nil }
        }
        let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var nums: [Int] = []
        for p in parts {
            guard !p.isEmpty, p.allSatisfy(\.isASCII), p.allSatisfy(\.isNumber), let n = Int(p),
                  p == "0" || !p.hasPrefix("0") else { return nil }
            nums.append(n)
        }
        (major, minor, patch) = (nums[0], nums[1], nums[2])
    }

    public var description: String {
        "\(major).\(minor).\(patch)" + (prerelease.map { "-\($0)" } ?? "") + (build.map { "+\($0)" } ?? "")
    }

    public static func < (a: SemanticVersion, b: SemanticVersion) -> Bool {
        if (a.major, a.minor, a.patch) != (b.major, b.minor, b.patch) { return (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch) }
        switch (a.prerelease, b.prerelease) {
        case (nil, nil), (nil, _?): return false
        case (_?, nil): return true
        case (let x?, let y?): return x < y
        }
    }
}
