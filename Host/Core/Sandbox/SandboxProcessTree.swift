import Foundation

/// The program's own pids in a sandbox's process tree (S → C → D, docs/sandbox.md): the pid the
/// supervisor sees is S's; the program is D, two forks down, in its own pid namespace.
enum SandboxProcessTree {
    /// D's pid on the host and inside its pid namespace, read from `/proc`; nil while it is not
    /// there (being set up, gone) or when `/proc` does not say.
    static func program(outer pid: Int32) -> (host: Int32, inside: Int32)? {
        guard let initPid = children(of: pid).first, let program = children(of: initPid).first else { return nil }
        return (program, namespacePid(of: program) ?? program)
    }

    /// `/proc/<pid>/task/<pid>/children`: the pids this thread forked.
    static func children(of pid: Int32) -> [Int32] {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8) else { return [] }
        return text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// The last `NSpid:` field of `/proc/<pid>/status`: the pid in its innermost pid namespace.
    static func namespacePid(of pid: Int32) -> Int32? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("NSpid:") }) else { return nil }
        return line.split(whereSeparator: { $0 == " " || $0 == "\t" }).last.flatMap { Int32($0) }
    }
}
