import Foundation
@testable import HostCore
import LightningProtocol
import LightningTestSupport
import Logging
import Testing

/// Sandboxed `lt-test-child`s for the sandbox tests: a data directory of their own (with a
/// secret in it) inside the build products folder, so that both profiles would show it if the
/// mask failed; a scratch directory under it, as the daemon lays them out.
final class SandboxFixture: Sendable {
    let dataDir: URL
    let host = RecordingHost()

    init() throws {
        dataDir = BuildProducts.directory.appendingPathComponent("sandbox-test-data/\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true)
        try Data("the daemon's secret\n".utf8).write(to: dataDir.appendingPathComponent("secret.db"))
        chmod(dataDir.path, 0o755)
        chmod(dataDir.appendingPathComponent("secret.db").path, 0o644)  // world-readable: only the sandbox hides it
    }

    deinit { try? FileManager.default.removeItem(at: dataDir) }

    var secret: String { dataDir.appendingPathComponent("secret.db").path }

    func scratch(_ name: String) -> URL { dataDir.appendingPathComponent("scratch/\(name)", isDirectory: true) }

    /// A temporary child (not restarted) in `profile`, limits and paths from `tweak`.
    func child(_ mode: [String], profile: SandboxPolicy.Profile = .strict, name: String = "sbx",
               _ tweak: (inout ChildSpec) -> Void = { _ in }) -> SupervisedChild {
        TestChildren.make(mode, name: name, host: host) { s in
            s.restart = .temporary
            s.sandbox = SandboxPolicy(profile: profile, scratchDirectory: scratch(name).path, hiddenPaths: [dataDir.path])
            tweak(&s)
        }
    }

    /// The lines `probe CHECK: RESULT` of a child, by check.
    static func probes(_ c: SupervisedChild) -> [String: String] {
        var out: [String: String] = [:]
        for line in c.logTail(1000).map(\.text) where line.hasPrefix("probe ") {
            guard let sep = line.range(of: ": ") else { continue }
            out[String(line[line.index(line.startIndex, offsetBy: 6)..<sep.lowerBound])] = String(line[sep.upperBound...])
        }
        return out
    }

    /// Starts a probing child, waits until it is ready (probes run before the handshake).
    static func probe(_ c: SupervisedChild) async -> [String: String] {
        c.start()
        let ready = await c.waitReady(timeout: .seconds(60))
        #expect(ready, "not ready: \(c.snapshot.lastExit?.reason ?? "-"); log: \(c.logTail(20).map(\.text))")
        let p = probes(c)
        await c.stop()
        return p
    }
}

/// Pids of live processes whose command line contains `marker`.
func processes(withCommandLineContaining marker: String) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { e -> Int32? in
        guard let pid = Int32(e), let data = FileManager.default.contents(atPath: "/proc/\(e)/cmdline") else { return nil }
        let cmd = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
        return cmd.contains(marker) && !processIsGone(pid) ? pid : nil
    }
}

/// Copies a program with a descriptor opened `O_CLOEXEC`. `FileManager.copyItem` leaves the
/// destination open without it for a moment, and a process another test starts in that moment
/// (posix_spawn keeps inherited descriptors) holds the file open for writing for its whole life:
/// every exec of the copy then fails with ETXTBSY, however long the launcher retries.
func copyProgram(_ source: String, to destination: String) throws {
    let data = try Data(contentsOf: URL(fileURLWithPath: source))
    let fd = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
    guard fd >= 0 else { throw TestFailure("open(\(destination)): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    guard written == data.count else { throw TestFailure("write(\(destination)): \(written) of \(data.count) bytes") }
    fchmod(fd, 0o755)
}
