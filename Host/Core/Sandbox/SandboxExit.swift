import CSandbox
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why a child ended, in the words of its limits: "memory limit (…)", "CPU limit (…)",
/// "seccomp violation (SIGSYS)", "file size limit (SIGXFSZ)". The kernel says only how a
/// process ended, so some of this is inference, and the text says so:
///
/// | seen                                  | reason                                        | certainty |
/// |---------------------------------------|-----------------------------------------------|-----------|
/// | SIGSYS, seccomp on                    | seccomp violation (SIGSYS)                    | certain: the filter is the only sender |
/// | SIGXCPU                               | CPU limit (SIGXCPU after N s of CPU)          | certain   |
/// | SIGKILL, CPU time ≥ the limit         | CPU limit (SIGKILL at the hard limit, …)      | certain when the sandbox reported CPU time |
/// | SIGXFSZ                               | file size limit (SIGXFSZ, …)                  | certain   |
/// | abnormal end, memory limit set, stderr says out of memory | memory limit (…): that line | inferred  |
/// | abnormal end, memory limit set, peak RSS ≥ 60 % of it | memory limit (probably: …)     | inferred  |
///
/// RLIMIT_AS makes allocations fail (mmap/brk → ENOMEM); what the program does then is its
/// own business (Swift traps, Python raises MemoryError, C may crash), so there is no signal
/// that means "memory limit".
enum SandboxExit {
    /// What the sandbox's outer process reported about the program (nil for plain children).
    struct Usage: Sendable, Equatable {
        var status: ExitStatus
        var cpuMs: Int
        var maxRSSKB: Int
    }

    /// Reads and closes the report descriptor of a sandboxed child (after it exited).
    static func readReport(_ fd: Int32) -> Usage? {
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var r = lt_sandbox_report()
        let n = withUnsafeMutableBytes(of: &r) { read(fd, $0.baseAddress, $0.count) }
        guard n == MemoryLayout<lt_sandbox_report>.size, r.valid == 1 else { return nil }
        let ws = r.wait_status
        let status = (ws & 0x7f) == 0 ? ExitStatus(code: (ws >> 8) & 0xff) : ExitStatus(signal: ws & 0x7f, coreDumped: ws & 0x80 != 0)
        return Usage(status: status, cpuMs: Int((r.user_usec + r.system_usec) / 1000), maxRSSKB: Int(r.max_rss_kb))
    }

    static let memoryWords = ["out of memory", "cannot allocate memory", "memoryerror", "could not allocate", "bad_alloc",
                              "failed to allocate", "allocation failed", "enomem", "memory allocation", "mmap failed"]

    /// The reason for an exit of a child whose memory cgroup counted `kills` new OOM kills: certain,
    /// the kernel says so (`memory.events` / `memory.oom_control`). nil when the exit is not a kill.
    static func oomKilled(_ status: ExitStatus, limits: SandboxPolicy.Limits, kills: Int) -> String? {
        guard !status.isSuccess else { return nil }
        let limit = limits.memoryMB.map { "\($0) MB" } ?? "no limit set"
        return "memory limit (\(limit), cgroup): killed by the kernel's OOM killer (\(kills) kill\(kills == 1 ? "" : "s"); \(status))"
    }

    /// The reason for an exit the supervisor did not cause, or nil when nothing limit-related shows.
    /// - Parameter memoryKind: what `memory_mb` limits: `address space` (RLIMIT_AS) or `memory` (a cgroup).
    static func reason(_ status: ExitStatus, policy: SandboxPolicy, usage: Usage?, ranFor: Duration, stderrTail: [String],
                       memoryKind: String = "address space") -> String? {
        let limits = policy.effectiveLimits
        let sandboxed = policy.profile != .none
        let cpuText = usage.map { String(format: "%.1f s of CPU", Double($0.cpuMs) / 1000) }
        if let sig = status.signal {
            switch sig {
            case SIGSYS where sandboxed:
                return "seccomp violation (SIGSYS): the program made a forbidden system call (docs/sandbox.md#seccomp)"
            case SIGXCPU:
                if let n = limits.cpuSeconds { return "CPU limit (SIGXCPU after \(n) s of CPU)" }
            case SIGXFSZ:
                if let mb = limits.fileSizeMB { return "file size limit (SIGXFSZ: a write past \(mb) MB)" }
            case SIGKILL:
                if let n = limits.cpuSeconds {
                    // ≥ 90 %: tick-based accounting can read a little low.
                    if let u = usage, u.cpuMs * 10 >= n * 9_000 { return "CPU limit (SIGKILL at the hard limit, \(cpuText ?? ""))" }
                    if usage == nil, ranFor >= .seconds(n) { return "CPU limit (probably: SIGKILL at the hard limit of \(n + 1) s)" }
                }
            default: break
            }
        }
        guard !status.isSuccess, let mb = limits.memoryMB else { return nil }
        if let line = stderrTail.reversed().first(where: { l in memoryWords.contains { l.lowercased().contains($0) } }) {
            return "memory limit (\(mb) MB of \(memoryKind)): \(line.prefix(200))"
        }
        if let u = usage, u.maxRSSKB * 10 >= mb * 1024 * 6 {
            return "memory limit (probably: \(mb) MB of \(memoryKind); peak RSS \(u.maxRSSKB / 1024) MB; \(status))"
        }
        return nil
    }
}
