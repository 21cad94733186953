import LightningContext
import Testing

/// Producing and applying unified diffs: round trips, `diff -u` output, conflicts, bad patches.
@Suite struct UnifiedDiffTests {
    @Test func producesDiffUOutput() {
        let old = "a\nb\nc\nd\n"
        let new = "a\nB\nc\nd\ne\n"
        #expect(UnifiedDiff.make(from: old, to: new) == """
            --- a
            +++ b
            @@ -1,4 +1,5 @@
             a
            -b
            +B
             c
             d
            +e

            """)
    }

    @Test func equalTextsGiveAnEmptyDiff() {
        #expect(UnifiedDiff.make(from: "x\n", to: "x\n") == "")
    }

    @Test(arguments: [
        ("", "a\n"), ("a\n", ""), ("a", "a\n"), ("a\n", "a"), ("a\nb", "a\nc"), ("x", "y"), ("", "no newline"),
        ("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "1\n2\nthree\n4\n5\n6\n7\n8\n9\n10\neleven\n12\n"),
    ])
    func roundTripsEdgeCases(_ old: String, _ new: String) throws {
        let patch = UnifiedDiff.make(from: old, to: new)
        #expect(try UnifiedDiff.apply(patch, to: old) == new)
    }

    @Test func roundTripsRandomEdits() throws {
        var rng = SplitMix(seed: 42)
        let words = ["alpha", "beta", "gamma", "delta", "", "eps"]
        for _ in 0..<400 {
            let a = (0..<Int(rng.next() % 30)).map { _ in words[Int(rng.next() % 6)] }
            var b = a
            for _ in 0..<Int(rng.next() % 6) {
                let op = rng.next() % 3
                if op == 0 || b.isEmpty { b.insert(words[Int(rng.next() % 6)], at: Int(rng.next() % UInt64(b.count + 1))) }
                else if op == 1 { b.remove(at: Int(rng.next() % UInt64(b.count))) }
                else { b[Int(rng.next() % UInt64(b.count))] = "changed" }
            }
            let old = a.joined(separator: "\n") + (rng.next() % 2 == 0 ? "\n" : "")
            let new = b.joined(separator: "\n") + (rng.next() % 2 == 0 ? "\n" : "")
            let patch = UnifiedDiff.make(from: old, to: new, context: Int(rng.next() % 4))
            if old == new {
                #expect(patch.isEmpty)
                continue
            }
            #expect(try UnifiedDiff.apply(patch, to: old) == new, "patch:\n\(patch)")
        }
    }

    @Test func appliesAtAnOffsetWhenLinesMoved() throws {
        let patch = UnifiedDiff.make(from: "a\nb\nc\n", to: "a\nB\nc\n")
        #expect(try UnifiedDiff.apply(patch, to: "new head\nmore\na\nb\nc\n") == "new head\nmore\na\nB\nc\n")
    }

    @Test func conflictingContextIsRefusedNotGuessed() {
        let patch = UnifiedDiff.make(from: "a\nb\nc\n", to: "a\nB\nc\n")
        #expect(throws: DiffConflict.self) { try UnifiedDiff.apply(patch, to: "a\nX\nc\n") }
        #expect(throws: DiffConflict.self) { try UnifiedDiff.apply(patch, to: "") }
        // Applying twice: the second time the removed line is gone.
        #expect(throws: DiffConflict.self) { try UnifiedDiff.apply(patch, to: "a\nB\nc\n") }
    }

    @Test func badPatchesNameTheLine() {
        #expect(throws: DiffSyntaxError(line: 1, reason: "the patch has no hunk (\"@@ -a,b +c,d @@\")")) { try UnifiedDiff.apply("", to: "x") }
        #expect(throws: DiffSyntaxError.self) { try UnifiedDiff.apply("hello\n", to: "x") }
        #expect(throws: DiffSyntaxError.self) { try UnifiedDiff.apply("@@ -1 +1 @@\n", to: "x") }
        #expect(throws: DiffSyntaxError.self) { try UnifiedDiff.apply("@@ -x +1 @@\n-a\n+b\n", to: "a\n") }
        #expect(throws: DiffSyntaxError.self) { try UnifiedDiff.apply("@@ -1 +1 @@\n-a\n+b\n+c\n", to: "a\n") }
    }

    @Test func largeRewritesStillRoundTrip() throws {
        let old = (0..<3000).map { "line \($0)" }.joined(separator: "\n") + "\n"
        let new = (0..<3000).map { "LINE \($0 * 7)" }.joined(separator: "\n") + "\n"
        #expect(try UnifiedDiff.apply(UnifiedDiff.make(from: old, to: new), to: old) == new)
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
