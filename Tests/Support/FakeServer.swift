import Foundation

/// A loopback stand-in for a service that cannot be reached from here (Azure), written in Python
/// under `Tests/Fakes/`: an independent implementation that checks requests the way the service
/// does (signatures recomputed, required headers, status codes). The script must bind
/// 127.0.0.1 on an ephemeral port and print `LISTENING <port>` on stdout once it accepts
/// connections; it receives `args` after its path. The process is killed when this is released.
public final class FakeServer: Sendable {
    public let process: TestProcess
    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// - Parameter script: a file name in `Tests/Fakes` (`cosmos_fake.py`).
    public init(script: String, args: [String] = [], timeout: Duration = .seconds(60)) async throws {
        let path = BuildProducts.repoRoot.appendingPathComponent("Tests/Fakes/\(script)").path
        guard FileManager.default.fileExists(atPath: path) else { throw TestFailure("no fake server script at \(path)") }
        let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/env"
        let argv = python == "/usr/bin/env" ? ["python3", "-u", path] + args : ["-u", path] + args
        process = try TestProcess(URL(fileURLWithPath: python), argv)
        let line = try await process.waitForLine(containing: "LISTENING", timeout: timeout)
        guard let p = line.split(separator: " ").last.flatMap({ Int($0) }) else {
            process.signal(SIGKILL)
            throw TestFailure("\(script): expected \"LISTENING <port>\", got \"\(line)\"")
        }
        port = p
    }

    /// What the fake wrote to stderr (its request log and every refusal with its reason).
    public var log: String { process.stderr }

    deinit {
        process.signal(SIGKILL)
        var status: Int32 = 0
        _ = waitpid(process.pid, &status, 0)
    }
}
