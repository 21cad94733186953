@testable import HostCore
import Testing

/// `LineSplitter`: how `ProcessIO` cuts a child's stdout into lines (issue 18, item 8).
struct LineSplitterTests {
    @Test func splitsLinesAcrossPiecesAndStripsCarriageReturns() {
        var s = LineSplitter(maxLine: 100)
        var r = s.append(Array("{\"a\":1}\r\n{\"b\"".utf8))
        #expect(r.lines == [Array("{\"a\":1}".utf8)] && !r.overflow)
        r = s.append(Array(":2}\n\nx".utf8))
        #expect(r.lines == [Array("{\"b\":2}".utf8), []] && !r.overflow)
        #expect(s.takePending() == Array("x".utf8))
        #expect(s.pending.isEmpty)
    }

    @Test func aLineOverTheLimitIsAnOverflowAfterTheLinesBeforeIt() {
        var s = LineSplitter(maxLine: 10)
        let r = s.append(Array("short\n0123456789AB\nlater\n".utf8))
        #expect(r.lines == [Array("short".utf8)] && r.overflow)
        // A line that has not ended yet but is already too long.
        var t = LineSplitter(maxLine: 10)
        #expect(t.append(Array("0123456789".utf8)).overflow == false)
        #expect(t.append(Array("A".utf8)).overflow == true)
        #expect(t.pending.isEmpty)
    }

    /// The stall's second cause: a 4 MiB line in 64 KiB reads was searched from its start at
    /// every read (about 130 MB of searching). Each byte is now searched once.
    @Test func aLongLineInManyPiecesIsSearchedOnce() {
        let size = 4 << 20
        var s = LineSplitter(maxLine: size + 1)
        let piece = [UInt8](repeating: UInt8(ascii: "x"), count: 64 << 10)
        for _ in 0..<(size / piece.count) { #expect(s.append(piece).lines.isEmpty) }
        let r = s.append(Array("\n".utf8))
        #expect(r.lines.count == 1 && r.lines.first?.count == size && !r.overflow)
        #expect(s.searchedBytes == size + 1, "searched \(s.searchedBytes) bytes for a line of \(size + 1)")
    }
}
