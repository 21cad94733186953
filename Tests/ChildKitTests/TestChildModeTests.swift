#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import LightningTestSupport
import LightningProtocol
import Testing

/// The misbehaving modes of `lt-test-child` do what the supervisor's tests rely on.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct TestChildModeTests {
    @Test func unknownModeExits64WithUsage() async throws {
        let host = try PipeHost(BuildProducts.testChild, ["dance"])
        #expect(try await host.waitExit() == 64)
        // The exit can be seen before the stderr reader has read the last bytes (it was, under ASan).
        for _ in 0..<200 where !host.stderrText.contains("usage: lt-test-child MODE") { try await Task.sleep(for: .milliseconds(50)) }
        #expect(host.stderrText.contains("lt-test-child: unknown mode \"dance\""))
        #expect(host.stderrText.contains("usage: lt-test-child MODE"))
    }

    @Test func wellWritesItsReadyLine() async throws {
        let host = try PipeHost(BuildProducts.testChild, ["well"])
        try await host.handshake()
        #expect(host.stderrText == "lt-test-child ready pid=\(host.pid)\n")
    }

    @Test func version2ClaimsVersion2() async throws {
        let host = try PipeHost(BuildProducts.testChild, ["version2"])
        try host.request(1, ChildProtocol.initialize, PipeHost.initializeParams())
        #expect(try await host.result(of: 1)["protocol_version"] == "2.0")
    }

    @Test func exitOnInitExitsWithTheCode() async throws {
        let host = try PipeHost(BuildProducts.testChild, ["exit-on-init", "7"])
        try host.request(1, ChildProtocol.initialize, PipeHost.initializeParams())
        #expect(try await host.waitExit() == 7)
    }

    @Test func crashAfterExits3() async throws {
        // 8 s: the handshake must be over before the crash, even on a loaded machine (2 s was
        // not, once in CI run 9: the handshake's write met a closed pipe).
        let host = try PipeHost(BuildProducts.testChild, ["crash-after", "8000"])
        try await host.handshake()
        #expect(try await host.waitExit(timeout: .seconds(60)) == 3)
    }

    @Test func neverReadyNeverAnswers() async throws {
        let host = try PipeHost(BuildProducts.testChild, ["never-ready"])
        try host.request(1, ChildProtocol.initialize, PipeHost.initializeParams())
        await #expect(throws: TestFailure.self) { try await host.nextLine(timeout: .milliseconds(500)) }
        host.closeStdin()
        #expect(try await host.waitExit() == 0)
    }

    @Test func hangAnswersInitializeThenNothing() async throws {
        let host = try PipeHost(BuildProducts.testChild, ["hang"])
        try await host.handshake()
        try host.request(2, ChildProtocol.ping)
        await #expect(throws: TestFailure.self) { try await host.nextLine(timeout: .milliseconds(500)) }
        #expect(host.isRunning())
    }

    @Test func garbageWritesNonJSONLines() async throws {
        let host = try PipeHost(BuildProducts.testChild, ["garbage"])
        try host.request(1, ChildProtocol.initialize, PipeHost.initializeParams())
        _ = try await host.result(of: 1)
        #expect(String(decoding: try await host.nextLine(), as: UTF8.self) == "this is not json")
        #expect(String(decoding: try await host.nextLine(), as: UTF8.self) == "this is not json")
    }

    @Test func oversizeWritesOne8MiBLine() async throws {
        let host = try PipeHost(BuildProducts.testChild, ["oversize"])
        try await host.handshake()
        // 60 s: building and writing 8 MiB took over 10 s under AddressSanitizer on a loaded machine.
        let line = try await host.nextLine(timeout: .seconds(60))
        #expect(line.count > 8 << 20)
        #expect(line.prefix(40) == Data(#"{"jsonrpc":"2.0","method":"log","params""#.utf8))
    }

    @Test func floodWritesLogNotifications() async throws {
        let host = try PipeHost(BuildProducts.testChild, ["flood"])
        try await host.handshake()
        for _ in 0..<1000 {
            let message = try RPCMessage.parse(try await host.nextLine())
            guard case .notification("log", let params) = message else { throw TestFailure("expected log, got \(message)") }
            #expect(params?["level"] == "info")
        }
    }

    @Test func ignoreTermSurvivesSIGTERMAndExit() async throws {
        let host = try PipeHost(BuildProducts.testChild, ["ignore-term"])
        try await host.handshake()
        kill(host.pid, SIGTERM)
        try host.notify(ChildProtocol.exit)
        try await Task.sleep(for: .milliseconds(300))
        #expect(host.isRunning())
    }

    @Test func grandchildWritesItsPid() async throws {
        let pidfile = FileManager.default.temporaryDirectory.appendingPathComponent("lt-grandchild-\(UUID().uuidString)").path
        let host = try PipeHost(BuildProducts.testChild, ["grandchild", pidfile])
        try await host.handshake()
        let text = try String(contentsOfFile: pidfile, encoding: .utf8)
        let pid = try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, 0) == 0)
        #expect(getpgid(pid) == getpgid(host.pid))
        kill(pid, SIGKILL)
        try? FileManager.default.removeItem(atPath: pidfile)
    }

    @Test func stderrSpamWrites5000Lines() async throws {
        let host = try PipeHost(BuildProducts.testChild, ["stderr-spam"])
        try await host.handshake()
        // The lines arrive as fast as the machine lets the reader run: wait for the last one.
        let deadline = ContinuousClock.now + .seconds(20)
        while !host.stderrText.hasSuffix("spam line 5000\n") && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let lines = host.stderrText.split(separator: "\n")
        #expect(lines.count == 5001)
        #expect(lines.last == "spam line 5000")
    }

    @Test func noReadAnswersInitialize() async throws {
        let host = try PipeHost(BuildProducts.testChild, ["no-read"])
        try await host.handshake()
        #expect(host.isRunning())
    }
}
