import Foundation
import HostCore
import LightningTestSupport

/// Compiles C plugins with the system `cc` against `lightning_plugin.h` alone, as a third party
/// would, into a fresh temporary folder (each build gets a path of its own).
enum CPluginBuilder {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let headerDir = repoRoot.appendingPathComponent("PluginSDK/CLightningABI/include")

    struct BuildFailed: Error, CustomStringConvertible { let description: String }

    /// Builds `source` with `defines` into a new shared library; returns its URL.
    static func build(_ source: URL, defines: [String] = [], name: String = "plugin") async throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lt-abi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let out = dir.appendingPathComponent("lib\(name).so")
        let args = ["-shared", "-fPIC", "-O1", "-Wall", "-Werror", "-pthread", "-I", headerDir.path]
            + defines.map { "-D\($0)" } + [source.path, "-o", out.path]
        let (status, output) = try await TestProcess.run("/usr/bin/cc", args)
        guard status == 0 else { throw BuildFailed(description: "cc \(args.joined(separator: " ")) failed (\(status)):\n\(output)") }
        return out
    }
}
