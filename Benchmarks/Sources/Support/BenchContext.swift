import Foundation
import Logging

/// What every benchmark gets: the mode, where the built products and the repository are, a
/// scratch folder for this run, and a quiet logger for host components.
struct BenchContext: Sendable {
    let quick: Bool
    /// Build products: `lightning`, `lt-test-child`, the plugin libraries (next to this binary).
    let products: URL
    /// The repository root (manifests, Examples/python, Benchmarks/C).
    let repoRoot: URL
    /// Scratch folder for this run, removed at the end.
    let work: URL
    let logger: Logger

    /// `full` iterations normally, `quick` with --quick.
    func scale(_ full: Int, quick q: Int) -> Int { quick ? q : full }
    func duration(_ full: Duration, quick q: Duration) -> Duration { quick ? q : full }

    func product(_ name: String) -> URL { products.appendingPathComponent(name) }

    /// An absolute path of a built product, or an error telling how to build it.
    func requireProduct(_ name: String) throws -> String {
        let p = product(name).path
        guard FileManager.default.fileExists(atPath: p) else {
            throw BenchError("\(p) not found: build every product first (Benchmarks/run.sh does; or `swift build -c release`)")
        }
        return p
    }

    /// A fresh folder under `work`.
    func scratch(_ prefix: String) throws -> URL {
        let d = work.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    /// The real executable of `python3` on PATH (`sys.executable`, so that a version-manager
    /// shim such as pyenv's does not stand between a supervisor and the interpreter), if any.
    static let python3: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard let onPath = path.split(separator: ":").map({ "\($0)/python3" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return nil
        }
        let real = (try? Proc.run(onPath, ["-c", "import sys; print(sys.executable)"]))?.output.trimmingCharacters(in: .whitespacesAndNewlines)
        return real.flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil } ?? onPath
    }()

    /// Whether `python3 -c "import <module>"` works.
    static func pythonHas(_ module: String) -> Bool {
        guard let py = python3, let r = try? Proc.run(py, ["-c", "import \(module)"]) else { return false }
        return r.status == 0
    }

    static let taskset: String? = ["/usr/bin/taskset", "/bin/taskset"].first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// One benchmark of the suite.
protocol Benchmark: Sendable {
    /// The name used by `--only`.
    var name: String { get }
    var summary: String { get }
    func run(_ ctx: BenchContext) async throws -> [Figure]
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
