import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The machine the suite ran on, printed above the table and stored in the JSON.
struct Machine: Codable, Sendable {
    var cpus: Int
    var cpuModel: String
    var kernel: String
    var swift: String
    var build: String
    var date: String

    static func current() -> Machine {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown"
        var u = utsname()
        uname(&u)
        let kernel = withUnsafeBytes(of: &u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        #if DEBUG
        let build = "debug"
        #else
        let build = "release"
        #endif
        let f = ISO8601DateFormatter()
        return Machine(cpus: Affinity.cpuCount, cpuModel: model, kernel: kernel, swift: swiftVersion(), build: build, date: f.string(from: Date()))
    }

    private static func swiftVersion() -> String {
        for path in ["/usr/bin/swift"] + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map({ "\($0)/swift" }) {
            guard FileManager.default.isExecutableFile(atPath: path), let r = try? Proc.run(path, ["--version"]) else { continue }
            if let line = r.output.split(separator: "\n").first(where: { $0.contains("Swift version") }) {
                return line.trimmingCharacters(in: .whitespaces)
            }
        }
        #if compiler(>=6.3)
        return "built with Swift ≥ 6.3 (swift not on PATH)"
        #else
        return "built with Swift < 6.3 (swift not on PATH)"
        #endif
    }
}

/// The suite's results, as a table for people and JSON for machines.
struct Report: Codable, Sendable {
    var machine: Machine
    var quick: Bool
    var command: String
    var figures: [Figure]
    var seconds: Double

    // MARK: Text

    func table() -> String {
        var rows: [[String]] = [["bench", "figure", "median / value", "p99", "floor / peer (same run)", "ratio", "goal", "status"]]
        for f in figures {
            let ratios = f.ratios
            let first = f.references.first
            rows.append([f.benchmark, f.name, Self.value(f.value, f.unit), Self.value(f.p99, f.unit),
                         first.map { Self.reference($0, unit: f.unit) } ?? "—",
                         ratios.first.flatMap { $0 }.map(Self.ratio) ?? "—",
                         f.goal?.text ?? "—", f.status.rawValue])
            for (i, r) in f.references.enumerated().dropFirst() {
                rows.append(["", "", "", "", Self.reference(r, unit: f.unit), ratios[i].map(Self.ratio) ?? "—", "", ""])
            }
        }
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        var out = rows.enumerated().map { i, row in
            let line = row.enumerated().map { c, cell in cell.padding(toLength: widths[c], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
            return i == 0 ? line + "\n" + String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1)) : line
        }.joined(separator: "\n")
        let notes = figures.filter { $0.note != nil || $0.references.contains { $0.note != nil } }
        if !notes.isEmpty {
            out += "\n\nNotes:\n"
            for f in notes {
                if let n = f.note { out += "  [\(f.benchmark)] \(f.name): \(n)\n" }
                for r in f.references { if let n = r.note { out += "  [\(f.benchmark)] \(f.name) — \(r.name): \(n)\n" } }
            }
        }
        return out
    }

    func header() -> String {
        """
        lightning-bench \(quick ? "(quick) " : "")— \(machine.date)
        machine: \(machine.cpus) CPU(s), \(machine.cpuModel), Linux \(machine.kernel), \(machine.swift), \(machine.build) build
        ratio = figure / reference (for latencies lower is better, for rates higher is better); timings are medians and p99 over many iterations, never asserted
        """
    }

    static func reference(_ r: Reference, unit: String) -> String {
        let v = r.value.map { value($0, unit) } ?? (r.note == nil ? "—" : "n/a")
        return "\(r.kind.rawValue) \(r.name): \(v)"
    }

    static func ratio(_ r: Double) -> String {
        r >= 100 ? String(format: "%.0f×", r) : r >= 10 ? String(format: "%.1f×", r) : String(format: "%.2f×", r)
    }

    static func value(_ v: Double?, _ unit: String) -> String {
        guard let v else { return "—" }
        return "\(number(v)) \(unit)".trimmingCharacters(in: .whitespaces)
    }

    static func number(_ v: Double) -> String {
        let a = abs(v)
        if v == v.rounded() && a < 10_000 { return String(format: "%.0f", v) }
        if a >= 10_000 {
            let f = NumberFormatter()
            f.numberStyle = .decimal
            f.maximumFractionDigits = 0
            f.groupingSeparator = ","
            f.usesGroupingSeparator = true
            return f.string(from: NSNumber(value: v.rounded())) ?? String(format: "%.0f", v)
        }
        if a >= 100 { return String(format: "%.0f", v) }
        if a >= 10 { return String(format: "%.1f", v) }
        if a >= 1 { return String(format: "%.2f", v) }
        return String(format: "%.3f", v)
    }

    // MARK: JSON

    func json() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.keyEncodingStrategy = .convertToSnakeCase
        return try e.encode(self)
    }
}
