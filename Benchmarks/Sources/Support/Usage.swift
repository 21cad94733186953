import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// CPU time and context switches of this whole process (every thread), from getrusage: what a
/// latency figure cost the host, per request.
struct Usage {
    var cpuMicros: Double
    var voluntarySwitches: Int
    var involuntarySwitches: Int

    static func now() -> Usage {
        var u = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
        func us(_ t: timeval) -> Double { Double(t.tv_sec) * 1e6 + Double(t.tv_usec) }
        return Usage(cpuMicros: us(u.ru_utime) + us(u.ru_stime), voluntarySwitches: u.ru_nvcsw, involuntarySwitches: u.ru_nivcsw)
    }

    /// "host CPU 31 µs and 4.0 context switches per request" for `count` requests since `self`.
    func per(_ count: Int, since start: Usage) -> String {
        let n = Double(max(1, count))
        return String(format: "host process: %.1f µs CPU and %.1f context switches per request",
                      (cpuMicros - start.cpuMicros) / n,
                      Double(voluntarySwitches - start.voluntarySwitches + involuntarySwitches - start.involuntarySwitches) / n)
    }
}
