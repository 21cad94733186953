public import Foundation
public import Logging

/// Loads a library the daemon has not loaded before (by sha256) in a `lightning plugin-host
/// --probe` child first, so that a library whose ELF constructor (or `lt_plugin_entry`) crashes
/// takes down the child, not the daemon. Verdicts are cached by sha256 in
/// `<data_dir>/probe-verdicts.json` (docs/reliability.md#crash-containment).
///
/// ```
///  sha256 ─▶ cached verdict? ── clean ─▶ load in the daemon
///              │                └ crashed ─▶ refuse (signal in the error)
///              └ none ─▶ plugin-host --probe ─▶ ProbeVerdict.of(run) ─▶ cache ─▶ as above
/// ```
public final class LibraryProbe: Sendable {
    private let verdicts = Locked<[String: ProbeVerdict]>([:])
    private let fileURL = Locked<URL?>(nil)
    private let logger: Logger
    /// How long a probe may take to load a library before it is killed.
    let timeout: Duration

    public init(timeout: Duration = .seconds(30), logger: Logger = Logger(label: "lt.loader")) {
        self.timeout = timeout
        self.logger = logger
    }

    /// Reads the cached verdicts of `<dataDir>/probe-verdicts.json` (a file that does not parse
    /// is logged and ignored: every library is probed again).
    public func open(dataDir: URL) {
        let url = dataDir.appendingPathComponent("probe-verdicts.json")
        fileURL.withLock { $0 = url }
        guard let data = try? Data(contentsOf: url) else { return }
        do {
            let v = try JSONDecoder().decode([String: ProbeVerdict].self, from: data)
            verdicts.withLock { $0 = v }
        } catch {
            logger.error("\(url.path): expected probe verdicts (JSON), got text that does not parse (\(error)); every library is probed again")
        }
    }

    public func cached(_ sha256: String) -> ProbeVerdict? { verdicts.withLock { $0[sha256.lowercased()] } }

    /// The verdict for the library at `library` with digest `sha256`: cached (run nil), or from a
    /// new probe run with `executable()` (`lightning`). Nil when the probe gave no verdict (see
    /// `ProbeVerdict.of`); an `executable` that throws is a `.failed` run.
    public func verdict(library: URL, sha256: String, executable: () throws -> URL) async -> (ProbeVerdict?, ProbeVerdict.Run?) {
        if let v = cached(sha256) { return (v, nil) }
        let exe: URL
        do { exe = try executable() } catch { return (nil, .failed("\(error)")) }
        let run = await Self.run(executable: exe, arguments: ["plugin-host", "--probe", "--library", library.path, "--sha256", sha256],
                                 timeout: timeout)
        guard let v = ProbeVerdict.of(run) else { return (nil, run) }
        let all = verdicts.withLock { $0[sha256.lowercased()] = v; return $0 }
        if let url = fileURL.value {
            do { try JSONEncoder().encode(all).write(to: url, options: .atomic) } catch {
                logger.error("cannot write \(url.path): \(error) (the library will be probed again at the next start)")
            }
        }
        return (v, run)
    }

    /// Runs the probe child with stdin, stdout and stderr on /dev/null; kills it after `timeout`.
    static func run(executable: URL, arguments: [String], timeout: Duration) async -> ProbeVerdict.Run {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        return await withTaskGroup(of: ProbeVerdict.Run?.self) { group in
            group.addTask {
                await withCheckedContinuation { (cont: CheckedContinuation<ProbeVerdict.Run?, Never>) in
                    // Resumed once: by the termination handler, or here when the child never started.
                    p.terminationHandler = { done in
                        cont.resume(returning: done.terminationReason == .uncaughtSignal ? .signalled(done.terminationStatus) : .exited(done.terminationStatus))
                    }
                    do { try p.run() } catch {
                        p.terminationHandler = nil
                        cont.resume(returning: .failed("cannot start \(executable.path): \(error)"))
                    }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                guard !Task.isCancelled else { return nil }
                if p.isRunning { kill(p.processIdentifier, SIGKILL) }
                return .timedOut(timeout)
            }
            var outcome: ProbeVerdict.Run = .failed("no result")
            // The first result wins; a timeout's kill makes the waiter finish too.
            if let first = await group.next(), let r = first { outcome = r }
            group.cancelAll()
            return outcome
        }
    }
}
