import Foundation
import CDispatch  // `stat` is attributed to CDispatch or CoreFoundation by which module the target reaches first (MemberImportVisibility), as in LibrarySpec
import CoreFoundation
#if canImport(Glibc)
import Glibc
#endif
@testable import HostCore
import Testing

/// The mapped slot file: what is marked and not cleared is what the next open finds, once.
@Suite struct InFlightSlotsTests {
    static func tempFile() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lt-slots-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("inflight.slots")
    }

    @Test func markersLeftInUseAreFoundByTheNextOpenAndThenCleared() throws {
        let url = try Self.tempFile()
        let (a, none) = try InFlightSlots.open(at: url)
        #expect(none.isEmpty)
        let kept = CrashMarker(kind: .delivery, plugin: "crash-driver", sha256: String(repeating: "c", count: 64), subject: "event-1")
        let load = CrashMarker(kind: .loading, plugin: "ctor", sha256: "", subject: "")
        let s1 = try #require(a.enter(kept))
        let s2 = try #require(a.enter(CrashMarker(kind: .delivery, plugin: "crash-driver", sha256: "", subject: "event-2")))
        _ = try #require(a.enter(load))
        a.leave(s2)
        #expect(s1 != s2)
        // A second mapping of the file sees what a crash would have left (the page cache).
        let (_, found) = try InFlightSlots.open(at: url)
        #expect(Set(found) == [kept, load])
        let (_, again) = try InFlightSlots.open(at: url)
        #expect(again.isEmpty)
        // Cleared by truncation: the file holds no written block, so slots never used cost no memory.
        var st = stat()
        #expect(stat(url.path, &st) == 0)
        #expect(Int(st.st_size) == InFlightSlots.slotSize * InFlightSlots.slotCount)
        #expect(st.st_blocks == 0)
    }

    @Test func longFieldsAreCutToTheirSlotAndEverySlotCanBeUsed() throws {
        let url = try Self.tempFile()
        let (s, _) = try InFlightSlots.open(at: url)
        let long = String(repeating: "x", count: 300)
        let slots = (0..<InFlightSlots.slotCount).compactMap { _ in s.enter(CrashMarker(kind: .delivery, plugin: long, sha256: "", subject: long)) }
        #expect(slots.count == InFlightSlots.slotCount)
        #expect(s.enter(CrashMarker(kind: .delivery, plugin: "p", sha256: "", subject: "e")) == nil)
        let (_, found) = try InFlightSlots.open(at: url)
        #expect(found.count == InFlightSlots.slotCount)
        #expect(found.first?.plugin.utf8.count == 128)
        #expect(found.first?.subject.utf8.count == 256)
    }

    /// `inflight.fault`: a signal number a handler left there reads as a fault once, then is cleared;
    /// a missing or zero word reads as a death without a fault (kill -9, the OOM killer).
    @Test func theFaultWordIsReadOnceAndAZeroIsAKill() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lt-fault-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("inflight.fault")
        #expect(try FaultRecorder.open(at: url).lastDeath == .unexplained)
        // What the handler writes: the signal number in the first word of the shared page.
        let h = try FileHandle(forWritingTo: url)
        var sig: Int32 = 11
        h.write(Data(bytes: &sig, count: 4))
        try h.close()
        #expect(try FaultRecorder.open(at: url).lastDeath == .fault(signal: 11))
        #expect(try FaultRecorder.open(at: url).lastDeath == .unexplained)
    }
}
