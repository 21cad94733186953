import Foundation
import HostCore

/// Compiles C plugins with the system `cc` against `lightning_plugin.h` alone, as a third party
/// would, into a fresh temporary folder (each build gets a path of its own).
enum CPluginBuilder {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let headerDir = repoRoot.appendingPathComponent("PluginSDK/CLightningABI/include")

    struct BuildFailed: Error, CustomStringConvertible { let description: String }

    /// Builds `source` with `defines` into a new shared library; returns its URL.
    static func build(_ source: URL, defines: [String] = [], name: String = "plugin") throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lt-abi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let out = dir.appendingPathComponent("lib\(name).so")
        let args = ["-shared", "-fPIC", "-O1", "-Wall", "-Werror", "-pthread", "-I", headerDir.path]
            + defines.map { "-D\($0)" } + [source.path, "-o", out.path]
        let (status, output) = try run("/usr/bin/cc", args)
        guard status == 0 else { throw BuildFailed(description: "cc \(args.joined(separator: " ")) failed (\(status)):\n\(output)") }
        return out
    }

    /// Runs a program to completion with posix_spawn; returns its exit status and combined output.
    static func run(_ path: String, _ args: [String]) throws -> (Int32, String) {
        let outFile = FileManager.default.temporaryDirectory.appendingPathComponent("lt-cc-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: outFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outFile) }
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outFile.path, O_WRONLY | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([path] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard rc == 0 else { throw BuildFailed(description: "posix_spawn(\(path)): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = (try? String(contentsOf: outFile, encoding: .utf8)) ?? ""
        return ((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f), output)
    }
}
