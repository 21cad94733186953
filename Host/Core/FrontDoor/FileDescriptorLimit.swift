#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's `RLIMIT_NOFILE`: how many descriptors the daemon may hold (connections,
/// children's pipes, plugin files). Many systems start processes with a soft limit of 1024 and a
/// much higher hard limit; the daemon raises the soft limit to the hard one at start.
public struct FileDescriptorLimit: Sendable, Equatable, CustomStringConvertible {
    public var soft: UInt64
    public var hard: UInt64

    /// `RLIM_INFINITY` (all bits set).
    static let infinity = UInt64.max

    /// The current limits (`getrlimit`); nil when the call fails.
    public static func current() -> FileDescriptorLimit? {
        var r = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &r) == 0 else { return nil }
        return FileDescriptorLimit(soft: UInt64(r.rlim_cur), hard: UInt64(r.rlim_max))
    }

    /// Raises the soft limit to the hard limit (an unlimited hard limit gives 1<<20, the
    /// kernel's default `nr_open`).
    /// - Returns: the limits before and after.
    /// - Throws: `SystemCallFailed` naming the call and errno when the kernel refuses.
    @discardableResult
    public static func raiseSoftToHard() throws -> (before: FileDescriptorLimit, after: FileDescriptorLimit) {
        guard let before = current() else { throw SystemCallFailed(call: "getrlimit(RLIMIT_NOFILE)", errno: errno) }
        guard before.soft < before.hard else { return (before, before) }
        let target = before.hard == Self.infinity ? max(before.soft, 1 << 20) : before.hard
        var r = rlimit(rlim_cur: rlim_t(target), rlim_max: rlim_t(before.hard))
        guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &r) == 0 else {
            throw SystemCallFailed(call: "setrlimit(RLIMIT_NOFILE, soft \(target), hard \(before.hard))", errno: errno)
        }
        return (before, current() ?? FileDescriptorLimit(soft: target, hard: before.hard))
    }

    public var description: String { "soft \(soft), hard \(hard == Self.infinity ? "unlimited" : String(hard))" }
}
