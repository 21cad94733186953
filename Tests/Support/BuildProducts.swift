public import Foundation

/// Where `swift build` / `swift test` put this package's products: the daemon, the plugin
/// libraries and the child programs the tests run. Shared by every test target.
public enum BuildProducts {
    public static let repoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The products folder: the nearest ancestor of the test bundle that holds the `lightning`
    /// binary (or, for targets that do not need it, `lt-test-child` or a plugin library).
    public static let directory: URL = {
        let markers = ["lightning", "lt-test-child", "libLightningEchoDriver.so"]
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            if markers.contains(where: { FileManager.default.fileExists(atPath: dir.appendingPathComponent($0).path) }) { return dir }
            dir.deleteLastPathComponent()
        }
        // Fall back to the default debug build folder of the repository.
        return repoRoot.appendingPathComponent(".build/debug")
    }()

    public static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }
    public static var lightning: URL { url("lightning") }
    public static var testChild: URL { url("lt-test-child") }
    public static var exampleAgent: URL { url("example-agent") }
    public static var exampleFunction: URL { url("example-function") }
}
