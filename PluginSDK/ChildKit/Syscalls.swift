#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The few system calls ChildKit makes, named apart from the methods of its own types.
enum Sys {
    /// `read(2)`, retried on `EINTR`. Returns the byte count, 0 at end of file, -1 on error.
    static func read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        while true {
            let n = systemRead(fd, buffer, count)
            if n < 0, errno == EINTR { continue }
            return n
        }
    }

    /// Writes all `count` bytes with `write(2)`, retrying on `EINTR` and partial writes.
    /// - Returns: nil on success, else the `errno` text of the failed call.
    static func writeAll(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> String? {
        var p = buffer
        var left = count
        while left > 0 {
            let n = systemWrite(fd, p, left)
            if n < 0 {
                if errno == EINTR { continue }
                return String(cString: strerror(errno))
            }
            p += n
            left -= n
        }
        return nil
    }

    /// The current `errno` as text.
    static var errorText: String { String(cString: strerror(errno)) }

    /// Ignores SIGPIPE, so a write to a closed stdout fails with EPIPE instead of killing us.
    static func ignoreSIGPIPE() { _ = signal(SIGPIPE, SIG_IGN) }

    /// Ends the process at once with `status` (used after a fatal handshake answer).
    static func exitProcess(_ status: Int32) -> Never { exit(status) }
}

private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}

private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
