import Foundation

/// Where `swift build` / `swift test` put this package's executables (the child programs).
enum BuildProducts {
    static let repoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The products folder: the nearest ancestor of the test bundle that holds `lt-test-child`.
    static let directory: URL = {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            if FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("lt-test-child").path) { return dir }
            dir.deleteLastPathComponent()
        }
        // Fall back to the default debug build folder of the repository.
        return repoRoot.appendingPathComponent(".build/debug")
    }()

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }
    static var exampleAgent: URL { url("example-agent") }
    static var exampleFunction: URL { url("example-function") }
    static var testChild: URL { url("lt-test-child") }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
