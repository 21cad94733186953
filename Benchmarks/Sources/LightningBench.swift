import ArgumentParser
import Foundation
import Logging

/// `lightning-bench`: runs the benchmarks, prints one table (each figure with the floor or peer
/// measured in the same run, the ratio, the goal and whether it was met), optionally JSON.
@main
struct LightningBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lightning-bench",
        abstract: "Lightning's benchmark suite (docs/benchmarks.md).",
        discussion: """
            Benchmarks: \(LightningBench.all.map(\.name).joined(separator: ", ")). Products (the daemon, lt-test-child, \
            plugin libraries) are taken from this binary's folder; build them all first (Benchmarks/run.sh does). \
            Timings are reported, never asserted.
            """
    )

    static let all: [any Benchmark] = [
        // The front door under attack, on a daemon of its own (listed first only to keep this list's merges apart).
        HostileBenchmark(),
        // storage runs before events: fsync latency suffers for a while after events' heavy writes.
        ABIBenchmark(), RPCBenchmark(), SpawnBenchmark(), RestartBenchmark(), StorageBenchmark(), EventsBenchmark(),
        SwapBenchmark(), SwapPauseBenchmark(), MemoryBenchmark(), ContextBenchmark(), PlannerBenchmark(), FailoverBenchmark(),
        ClusterBenchmark(),
    ]

    @Flag(help: "A short smoke run (seconds), for CI.")
    var quick = false

    @Option(help: "Run only these benchmarks (repeatable or comma-separated).")
    var only: [String] = []

    @Option(help: "Also write the results as JSON to this file (\"-\" for stdout; the table then goes to stderr).")
    var json: String?

    @Option(help: "Folder of the build products (default: this binary's folder).")
    var products: String?

    @Flag(help: "List the benchmarks and exit.")
    var list = false

    @Option(help: ArgumentHelp("For profiling: only send $/ping to the minimal C child, pinned to CPU 0, for this many seconds (run under `perf record`).",
                               valueName: "seconds"))
    var pingLoop: Double?

    func validate() throws {
        let known = Set(Self.all.map(\.name))
        for n in selected where !known.contains(n) {
            throw ValidationError("--only: unknown benchmark \"\(n)\"; known: \(Self.all.map(\.name).joined(separator: ", "))")
        }
    }

    var selected: [String] { only.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } }

    func run() async throws {
        if list {
            for b in Self.all { print("\(b.name.padding(toLength: 9, withPad: " ", startingAt: 0)) \(b.summary)") }
            return
        }
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = .error
            return h
        }
        var logger = Logger(label: "lt.bench")
        logger.logLevel = .error
        let productsDir = products.map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        // Not under /tmp: a sandboxed child gets a /tmp of its own, so programs built there
        // (the C children) could not be shown to it.
        let tmpRoot = FileManager.default.isWritableFile(atPath: "/var/tmp") ? URL(fileURLWithPath: "/var/tmp") : FileManager.default.temporaryDirectory
        let work = tmpRoot.appendingPathComponent("lightning-bench-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let ctx = BenchContext(quick: quick, products: productsDir, repoRoot: Self.repoRoot(products: productsDir), work: work, logger: logger)

        if let pingLoop {
            let count = try await RPCBenchmark.pingLoop(ctx, seconds: pingLoop)
            print("lightning-bench: \(count) $/ping round trips in \(pingLoop) s")
            return
        }
        let toStdout = json == "-"
        func say(_ s: String) {
            FileHandle.standardError.write(Data((s + "\n").utf8))
        }
        let machine = Machine.current()
        let wanted = selected
        let start = ContinuousClock.now
        var figures: [Figure] = []
        for b in Self.all where wanted.isEmpty || wanted.contains(b.name) {
            let t0 = ContinuousClock.now
            say("lightning-bench: \(b.name): \(b.summary)…")
            do {
                figures += try await b.run(ctx)
            } catch {
                figures.append(.failed(b.name, "benchmark", "\(error)"))
            }
            say("lightning-bench: \(b.name) done in \(String(format: "%.1f", (ContinuousClock.now - t0).seconds)) s")
        }
        let command = (["lightning-bench"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        let report = Report(machine: machine, quick: quick, command: command, figures: figures,
                            seconds: (ContinuousClock.now - start).seconds)
        let text = report.header() + "\n\n" + report.table() + "\n"
        if toStdout { say(text) } else { print(text) }
        if let json {
            let data = try report.json()
            if toStdout { FileHandle.standardOutput.write(data + Data("\n".utf8)) } else { try data.write(to: URL(fileURLWithPath: json)) }
        }
    }

    /// The repository root: the nearest ancestor of the products (or the working directory)
    /// with Package.swift and Benchmarks/C, else the one this file was compiled from.
    static func repoRoot(products: URL) -> URL {
        let fm = FileManager.default
        for start in [products, URL(fileURLWithPath: fm.currentDirectoryPath)] {
            var dir = start
            for _ in 0..<8 {
                if fm.fileExists(atPath: dir.appendingPathComponent("Package.swift").path),
                   fm.fileExists(atPath: dir.appendingPathComponent("Benchmarks/C").path) { return dir }
                dir.deleteLastPathComponent()
            }
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}
