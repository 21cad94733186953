import CHostShims
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `<data_dir>/inflight.fault`: one page, mapped `MAP_SHARED` and kept from forked children
/// (`MADV_DONTFORK`), whose first word the daemon's fault handlers set to the signal that is
/// killing it (`lt_fault_recorder_install`: SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP,
/// SIGSYS raised by the daemon itself). The write lands in the page cache, so the next start reads
/// it: a signal there means the markers in `inflight.slots` sat inside code that faulted; a zero
/// means the daemon died without a fault (kill -9, the OOM killer, a power loss) and the work
/// inside is blameless until it happens again (`CrashLedger.Death`).
///
/// `@unchecked Sendable`: `word` points into a mapping that is never unmapped (a handler may
/// write it at any moment of the process's life); Swift reads it only in `open`.
final class FaultRecorder: @unchecked Sendable {
    private let word: UnsafeMutablePointer<Int32>

    private init(word: UnsafeMutablePointer<Int32>) { self.word = word }

    /// Maps the file (creating it, mode 0600), returns how the last run died and clears the word.
    /// A file that did not exist (a data folder of an earlier version) reads as `unexplained`.
    /// - Throws: `HostError(.loadFailed)` naming the file and the failing call with errno.
    static func open(at url: URL) throws -> (FaultRecorder, lastDeath: CrashLedger.Death) {
        let size = Int(sysconf(Int32(_SC_PAGESIZE)))
        let p = try InFlightSlots.mapShared(url, size: size)
        _ = madvise(p, size, MADV_DONTFORK)
        let word = p.bindMemory(to: Int32.self, capacity: size / 4)
        let signal = word.pointee
        word.pointee = 0
        return (FaultRecorder(word: word), signal == 0 ? .unexplained : .fault(signal: signal))
    }

    /// Installs the process's fault handlers, writing into this file from now on.
    /// - Throws: `HostError(.loadFailed)` when a `sigaction` failed.
    func arm() throws {
        let rc = lt_fault_recorder_install(UnsafeMutableRawPointer(word).assumingMemoryBound(to: CInt.self))
        guard rc == 0 else { throw HostError(.loadFailed, subject: "fault recorder", "sigaction(…): \(String(cString: strerror(-rc)))") }
    }

}
