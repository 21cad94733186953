import Foundation

/// Compiles the suite's C programs (Benchmarks/C) with the system `cc` at run time, as
/// Tests/ABITests/CPluginBuilder.swift does for the ABI tests.
enum CBuild {
    struct Failed: Error, CustomStringConvertible { let description: String }

    static var compiler: String? {
        ["/usr/bin/cc", "/usr/bin/gcc", "/usr/bin/clang"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Builds `Benchmarks/C/<source>` into `<work>/<output>`; `shared` makes a plugin library.
    static func build(_ source: String, output: String, ctx: BenchContext, shared: Bool = false, libraries: [String] = []) throws -> URL {
        guard let cc = compiler else { throw Failed(description: "no C compiler (install gcc: apt-get install gcc)") }
        let src = ctx.repoRoot.appendingPathComponent("Benchmarks/C/\(source)")
        let dir = ctx.work.appendingPathComponent("c-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let out = dir.appendingPathComponent(output)
        let header = ctx.repoRoot.appendingPathComponent("PluginSDK/CLightningABI/include").path
        var args = ["-O2", "-Wall", "-Werror", "-I", header]
        if shared { args += ["-shared", "-fPIC"] }
        args += [src.path, "-o", out.path] + libraries.map { "-l\($0)" }
        let (status, log) = try Proc.run(cc, args)
        guard status == 0 else { throw Failed(description: "cc \(args.joined(separator: " ")) failed (\(status)):\n\(log)") }
        return out
    }

    /// Parses "key=value" pairs of a floor program's output line.
    static func fields(_ line: Substring) -> [String: Double] {
        var out: [String: Double] = [:]
        for part in line.split(separator: " ") {
            let kv = part.split(separator: "=", maxSplits: 1)
            if kv.count == 2, let v = Double(kv[1]) { out[String(kv[0])] = v }
        }
        return out
    }
}
