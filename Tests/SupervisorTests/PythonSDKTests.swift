import Foundation
import Testing

/// Runs the Python SDK's own suite (`Tests/Python`, stdlib unittest) as part of `swift test`:
/// the SDK and the example Python agent and function against a host played by the test.
@Suite struct PythonSDKTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test(.timeLimit(.minutes(2))) func pythonSDKSuitePasses() async throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("lt-pytest-\(UUID().uuidString).log")
        let status = try await run(["/usr/bin/env", "python3", Self.repoRoot.appendingPathComponent("Tests/Python/test_lightning_child.py").path], output: out)
        let log = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        #expect(status == 0, "python3 -m unittest failed:\n\(log.suffix(4000))")
        #expect(log.contains("OK"))
    }

    /// posix_spawn + waitpid on a thread of its own (never Foundation.Process.waitUntilExit).
    func run(_ argv: [String], output: URL) async throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let args = argv.map { strdup($0) } + [nil]
        let env = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { args.forEach { free($0) }; env.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, args, env)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EINVAL) }
        let child = pid
        return await withCheckedContinuation { c in
            let t = Thread {
                var status: Int32 = 0
                while waitpid(child, &status, 0) < 0 && errno == EINTR {}
                c.resume(returning: (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f))
            }
            t.start()
        }
    }
}
