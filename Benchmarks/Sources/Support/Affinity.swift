import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// CPU affinity of the whole benchmark process (every thread, including the host's I/O and
/// launcher threads and Swift's cooperative pool). Glibc's `sched_setaffinity` is not imported
/// into Swift, so it is looked up with dlsym.
enum Affinity {
    private typealias SetAffinity = @convention(c) (pid_t, Int, UnsafeMutableRawPointer) -> Int32

    private static let setAffinity: SetAffinity? = dlsym(nil, "sched_setaffinity").map { unsafeBitCast($0, to: SetAffinity.self) }

    static var cpuCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// Pins every current thread of this process to `cpus` (new threads inherit it from their
    /// creator). Returns false when it could not.
    @discardableResult
    static func pinProcess(to cpus: [Int]) -> Bool {
        guard let setAffinity else { return false }
        var set = cpu_set_t()
        withUnsafeMutableBytes(of: &set) { raw in
            for cpu in cpus where cpu < raw.count * 8 { raw[cpu / 8] |= UInt8(1 << (cpu % 8)) }
        }
        let tids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []).compactMap { pid_t($0) }
        var ok = !tids.isEmpty
        for tid in tids {
            let rc = withUnsafeMutableBytes(of: &set) { setAffinity(tid, $0.count, $0.baseAddress!) }
            if rc != 0 && errno != ESRCH { ok = false }
        }
        return ok
    }

    /// Every CPU again.
    static func unpinProcess() { pinProcess(to: Array(0..<cpuCount)) }

    /// Runs `body` with the whole process pinned to CPU 0, then unpins.
    static func onCPU0<T>(_ body: () async throws -> T) async rethrows -> T {
        pinProcess(to: [0])
        defer { unpinProcess() }
        return try await body()
    }
}
