#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Unbuffered writes for the test child's hand-written protocol and its stderr notes.
enum TestChildIO {
    static func stderr(_ text: String) { writeAll(2, Array(text.utf8)) }
    static func stdout(_ data: Data) { writeAll(1, Array(data)) }

    /// Sleeps forever (a process that only a signal ends).
    static func sleepForever() -> Never {
        while true { sleep(1000) }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            guard var p = raw.baseAddress else { return }
            var left = raw.count
            while left > 0 {
                let n = write(fd, p, left)
                if n < 0 { if errno == EINTR { continue }; return }
                p += n
                left -= n
            }
        }
    }
}
