import Foundation

/// Where `swift build` / `swift test` put the binaries and plugin libraries of this package.
enum BuildProducts {
    static let repoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The products folder: the nearest ancestor of the test bundle that holds the `lightning` binary.
    static let directory: URL = {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            if FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("lightning").path) { return dir }
            dir.deleteLastPathComponent()
        }
        // Fall back to the default debug build folder of the repository.
        return repoRoot.appendingPathComponent(".build/debug")
    }()

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }
    static var lightning: URL { url("lightning") }
}
