import CDispatch  // `stat` is attributed to CDispatch once HostCore also imports CSQLite (MemberImportVisibility)
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A file of fixed slots mapped into the daemon (`<data_dir>/inflight.slots`), one slot per
/// piece of work inside in-process plugin code. A slot is filled before the call and cleared
/// after it; nothing is fsynced: a crash of the process keeps the page cache, so the next start
/// finds exactly the slots that were in use when the daemon died.
///
/// ```
///  slot (512 bytes): kind u32 | plugin len u16 | sha len u16 | subject len u16 | pad
///                    | plugin [128] @16 | sha256 [64] @144 | subject [256] @208
/// ```
/// The kind is written last (after a fence) and cleared first, so a slot torn by the crash reads
/// as free or whole. The hot path is a lock-protected pop from a free list and a ~500-byte copy.
///
/// `@unchecked Sendable`: the mapping is written only inside a slot the caller owns (taken from
/// `free` under its mutex, returned once); `base` never changes after `init`.
final class InFlightSlots: @unchecked Sendable {
    static let slotSize = 512
    static let slotCount = 4096
    static let pluginField = (offset: 16, capacity: 128)
    static let shaField = (offset: 144, capacity: 64)
    static let subjectField = (offset: 208, capacity: 256)

    let path: String
    private let base: UnsafeMutableRawPointer
    private let free: Locked<[Int32]>

    private init(path: String, base: UnsafeMutableRawPointer) {
        self.path = path
        self.base = base
        free = Locked(Array((0..<Int32(Self.slotCount)).reversed()))
    }

    /// Maps the file (creating it, mode 0600), returns the markers left by the last run, and
    /// clears every slot.
    /// - Throws: `HostError(.loadFailed)` naming the file and the failing syscall with errno.
    /// The file is cleared by truncating it, not by writing zeros: a written page stays resident,
    /// so only the pages of slots in use count in the daemon's RSS (4 KB of 2 MB when idle).
    static func open(at url: URL) throws -> (InFlightSlots, [CrashMarker]) {
        let size = slotSize * slotCount
        let last = try mapShared(url, size: size)
        let found = (0..<slotCount).compactMap { read(slot: $0, of: last) }
        munmap(last, size)
        let p = try mapShared(url, size: size, cleared: true)
        return (InFlightSlots(path: url.path, base: p), found)
    }

    /// Maps `size` bytes of the file at `url` read-write and `MAP_SHARED` (creating it, mode
    /// 0600, and sizing it), so what is written reaches the file even if the process dies.
    /// Also used for `inflight.fault` (`FaultRecorder`).
    /// - Throws: `HostError(.loadFailed)` naming the file and the failing syscall with errno.
    /// `cleared`: every byte reads as zero afterwards (the file is truncated to nothing first).
    static func mapShared(_ url: URL, size: Int, cleared: Bool = false) throws -> UnsafeMutableRawPointer {
        let fd = Glibc.open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure(url, "open") }
        defer { close(fd) }
        if cleared, ftruncate(fd, 0) != 0 { throw failure(url, "ftruncate") }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw failure(url, "fstat") }
        if Int(st.st_size) != size, ftruncate(fd, off_t(size)) != 0 { throw failure(url, "ftruncate") }
        guard let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), p != MAP_FAILED else {
            throw failure(url, "mmap")
        }
        return p
    }

    private static func failure(_ url: URL, _ call: String) -> HostError {
        HostError(.loadFailed, subject: url.path, "\(call)(…): \(String(cString: strerror(errno)))")
    }

    /// Fills a free slot with `marker`. Nil when every slot is in use (the work then runs unmarked).
    func enter(_ marker: CrashMarker) -> Int32? {
        guard let i = free.withLock({ $0.popLast() }) else { return nil }
        let p = base + Int(i) * Self.slotSize
        p.storeBytes(of: UInt16(write(marker.plugin, at: p, Self.pluginField)), toByteOffset: 4, as: UInt16.self)
        p.storeBytes(of: UInt16(write(marker.sha256, at: p, Self.shaField)), toByteOffset: 6, as: UInt16.self)
        p.storeBytes(of: UInt16(write(marker.subject, at: p, Self.subjectField)), toByteOffset: 8, as: UInt16.self)
        atomicMemoryFence(ordering: .releasing)
        p.storeBytes(of: marker.kind.rawValue, toByteOffset: 0, as: UInt32.self)
        return i
    }

    /// Clears a slot `enter` returned and gives it back.
    func leave(_ slot: Int32) {
        precondition(slot >= 0 && Int(slot) < Self.slotCount, "slot \(slot) was not given by enter")
        (base + Int(slot) * Self.slotSize).storeBytes(of: 0, toByteOffset: 0, as: UInt32.self)
        atomicMemoryFence(ordering: .releasing)
        free.withLock { $0.append(slot) }
    }

    /// Copies up to the field's capacity of `text`'s UTF-8; returns the bytes written.
    private func write(_ text: String, at slot: UnsafeMutableRawPointer, _ field: (offset: Int, capacity: Int)) -> Int {
        var s = text
        return s.withUTF8 { u in
            let n = min(u.count, field.capacity)
            if n > 0, let src = u.baseAddress { (slot + field.offset).copyMemory(from: src, byteCount: n) }
            return n
        }
    }

    private static func read(slot i: Int, of base: UnsafeMutableRawPointer) -> CrashMarker? {
        let p = UnsafeRawPointer(base + i * slotSize)
        guard let kind = CrashMarker.Kind(rawValue: p.load(fromByteOffset: 0, as: UInt32.self)) else { return nil }
        func field(_ lenAt: Int, _ f: (offset: Int, capacity: Int)) -> String? {
            let n = Int(p.load(fromByteOffset: lenAt, as: UInt16.self))
            guard n <= f.capacity else { return nil }
            return String(decoding: UnsafeRawBufferPointer(start: p + f.offset, count: n), as: UTF8.self)
        }
        guard let plugin = field(4, pluginField), !plugin.isEmpty, let sha = field(6, shaField),
              let subject = field(8, subjectField) else { return nil }
        return CrashMarker(kind: kind, plugin: plugin, sha256: sha, subject: subject)
    }
}
