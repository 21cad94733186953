#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Splits a child's stdout into lines as it arrives in pieces, refusing a line longer than
/// `maxLine`. A pure value (no I/O): `ProcessIO` feeds it what each read returned.
///
/// Each byte is searched for the newline once (`memchr` from where the last search ended), so a
/// long line arriving in 64 KiB reads costs time linear in its length.
///
/// Rationale: until 2026-12-06 every read searched the whole pending line again from its start:
/// a 4 MiB line in 64 KiB reads meant about 130 MB of searching, seconds of the I/O thread in a
/// debug build, during which no other child's line was handled (issue 18, item 8;
/// docs/reliability.md, "Supervisor stall").
struct LineSplitter {
    let maxLine: Int
    /// Bytes after the last newline (the line being received).
    private(set) var pending: [UInt8] = []
    /// How many bytes of `pending` are known to hold no newline.
    private var searched = 0
    /// Bytes examined for newlines so far (tests check the work is linear).
    private(set) var searchedBytes = 0

    init(maxLine: Int) { self.maxLine = maxLine }

    /// Appends `bytes`; returns the lines completed by them (without `\n` and a trailing `\r`),
    /// and whether a line passed `maxLine` (then the lines before it are returned, the splitter
    /// is emptied and the rest of the stream must be ignored: framing is lost).
    mutating func append<C: Collection>(_ bytes: C) -> (lines: [[UInt8]], overflow: Bool) where C.Element == UInt8 {
        pending.append(contentsOf: bytes)
        var lines: [[UInt8]] = []
        var lineStart = 0
        var overflow = false
        var from = searched
        pending.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            while from < raw.count {
                guard let hit = memchr(base + from, 0x0A, raw.count - from) else {
                    searchedBytes += raw.count - from
                    from = raw.count
                    break
                }
                let nl = UnsafeRawPointer(hit) - base
                searchedBytes += nl - from + 1
                var end = nl
                if end > lineStart && raw[end - 1] == 0x0D { end -= 1 }
                if end - lineStart > maxLine { overflow = true; return }
                lines.append(Array(raw[lineStart..<end]))
                lineStart = nl + 1
                from = nl + 1
            }
        }
        if overflow {
            pending = []; searched = 0
            return (lines, true)
        }
        if lineStart > 0 { pending.removeFirst(lineStart) }
        searched = pending.count
        if pending.count > maxLine {
            pending = []; searched = 0
            return (lines, true)
        }
        return (lines, false)
    }

    /// Takes the bytes of an unfinished line (at the end of the stream).
    mutating func takePending() -> [UInt8] {
        defer { pending = []; searched = 0 }
        return pending
    }
}
