import Foundation
import Synchronization

/// The child's single way to stdout: one line per call, whole lines only.
///
/// Every message the SDK sends (responses, requests to the host, notifications) goes through
/// `write(_:)`, which holds a lock for the whole line, so concurrent handlers never interleave
/// bytes. Lines go straight to `write(2)` on the file descriptor (no stdio buffering), retried
/// on `EINTR` and partial writes, so a line is on the pipe when `write(_:)` returns.
///
/// Threading: any thread; callers block while another line is being written.
final class LineWriter: Sendable {
    private struct State {
        let fd: Int32
        /// Set after the first failed write (the host closed the pipe); later lines are dropped.
        var broken = false
    }
    private let state: Mutex<State>

    /// - Parameter fd: the descriptor to write to (1 for stdout); the writer does not close it.
    init(fd: Int32 = 1) { state = Mutex(State(fd: fd)) }

    /// Writes `line` (which must end with `\n`) completely, or nothing after a broken pipe.
    /// - Returns: false when the descriptor is no longer writable (the line was dropped).
    @discardableResult
    func write(_ line: Data) -> Bool {
        state.withLock { s in
            if s.broken { return false }
            let failure = line.withUnsafeBytes { raw -> String? in
                guard let base = raw.baseAddress else { return nil }
                return Sys.writeAll(s.fd, base, raw.count)
            }
            guard let failure else { return true }
            s.broken = true
            ChildDiagnostics.note("write(\(s.fd)): \(failure); dropping further output")
            return false
        }
    }
}

/// Notes for the child's stderr (free text the host keeps in the child's log).
enum ChildDiagnostics {
    /// Writes `lightning-childkit: <message>` as one line to stderr, unbuffered.
    static func note(_ message: String) {
        let line = Array("lightning-childkit: \(message)\n".utf8)
        line.withUnsafeBytes { raw in
            if let base = raw.baseAddress { _ = Sys.writeAll(2, base, raw.count) }
        }
    }
}
