import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import HostCore
import Testing

/// The I/O thread serves every child while one floods its stdout (issue 18, item 8; the stall
/// `DaemonSupervisorStressTests` looks for in the real daemon).
///
/// The flooder is `yes` with 1000-byte lines, and its delegate takes 1 ms a line on the I/O
/// thread (a stand-in for parsing under load): it always writes faster than the host handles its
/// lines, so its pipe never runs dry. Before the fix the loop read that pipe until `EAGAIN`,
/// which never came, and a second child's line was not delivered while the flood lasted.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct ProcessIOFairnessTests {
    /// Records what the I/O thread delivers for one process.
    final class Recorder: ProcessIODelegate, @unchecked Sendable {
        // Immutable but for `state`, a `Watched` (its own lock).
        let delay: UInt32
        let state = Watched<(lines: Int, first: String?, exited: Bool)>((0, nil, false))
        init(delayMicroseconds: UInt32) { delay = delayMicroseconds }

        func stdoutLine(_ line: Data) {
            if delay > 0 { usleep(delay) }  // on the I/O thread, as a slow parse would be
            let text = String(decoding: line.prefix(100), as: UTF8.self)
            state.update { s in s.lines += 1; if s.first == nil { s.first = text } }
        }
        func stdoutOverflow(limit: Int) {}
        func stderrLine(_ line: String) {}
        func stdinStalled(queuedBytes: Int) {}
        func exited(_ status: HostCore.ExitStatus) { state.update { $0.exited = true } }
    }

    static func launch(_ argv: [String]) async throws -> LaunchedProcess {
        try await ProcessLauncher.shared.launch(LaunchSpec(path: argv[0], arguments: Array(argv.dropFirst()),
                                                           environment: ["PATH": "/usr/bin:/bin"], workingDirectory: nil))
    }

    @Test func aQuietChildsLineIsDeliveredWhileAnotherFloods() async throws {
        let flooder = Recorder(delayMicroseconds: 1000)
        let flood = try await Self.launch(["/usr/bin/yes", String(repeating: "f", count: 1000)])
        _ = ProcessIO.shared.attach(flood, maxLine: 1 << 20, delegate: flooder)
        // The I/O thread is busy with the flood before the quiet child starts.
        #expect(await flooder.state.wait(for: .seconds(60)) { $0.lines > 0 })

        let quiet = Recorder(delayMicroseconds: 0)
        let one = try await Self.launch(["/bin/sh", "-c", "echo hello from the quiet child; exec sleep 60"])
        _ = ProcessIO.shared.attach(one, maxLine: 1 << 20, delegate: quiet)
        let delivered = await quiet.state.wait(for: .seconds(30)) { $0.lines > 0 }
        let floodedLines = flooder.state.value.lines
        kill(flood.pid, SIGKILL)
        kill(one.pid, SIGKILL)
        #expect(delivered, "the quiet child's line was not delivered within 30 s while the flooder's were (\(floodedLines) lines)")
        #expect(quiet.state.value.first == "hello from the quiet child")
        // Both exits are still seen (the flooder's remaining lines are drained first).
        #expect(await flooder.state.wait(for: .seconds(60)) { $0.exited })
        #expect(await quiet.state.wait(for: .seconds(60)) { $0.exited })
    }
}
