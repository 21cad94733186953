/// Unified diffs of text, produced and applied without I/O (docs/context-hub.md#patch).
///
/// Text is compared line by line. A text that does not end with a newline has a last line
/// without one; the diff says so with `\ No newline at end of file`, as `diff -u` does, so that
/// applying a produced diff gives back the new text byte for byte.
///
/// `apply` never guesses: every context line and every removed line of a hunk must match the
/// text exactly, either at the line the hunk names or, when the text has moved, at the nearest
/// place where the whole hunk matches. Otherwise it throws `DiffConflict` naming the hunk (the
/// API answers 409) and the text is not changed.
public enum UnifiedDiff {
    /// A text as lines (without their newline) plus whether the last line ends with one.
    struct Lines: Equatable {
        var lines: [Substring]
        var finalNewline: Bool

        init(_ text: String) {
            if text.isEmpty { lines = []; finalNewline = true; return }
            var parts = text.split(separator: "\n", omittingEmptySubsequences: false)
            finalNewline = parts.last == ""
            if finalNewline { parts.removeLast() }
            lines = parts
        }

        init(lines: [Substring], finalNewline: Bool) { self.lines = lines; self.finalNewline = finalNewline }

        var text: String {
            var s = lines.joined(separator: "\n")
            if finalNewline && !lines.isEmpty { s += "\n" }
            return s
        }
    }

    /// An edit of the old lines into the new ones: runs of equal, deleted and inserted lines.
    enum Op: Equatable { case equal(old: Int, new: Int), delete(old: Int), insert(new: Int) }

    /// Beyond this many differing lines (after the common head and tail are set aside) the
    /// middle is reported as one replacement: still a correct diff, only not a minimal one.
    static let maxEditDistance = 500

    // MARK: Producing

    /// The unified diff that turns `old` into `new` (empty when they are equal).
    /// - Parameters:
    ///   - oldLabel, newLabel: the names on the `---` and `+++` lines.
    ///   - context: lines of context around each change (3, as `diff -u`).
    public static func make(from old: String, to new: String, oldLabel: String = "a", newLabel: String = "b", context: Int = 3) -> String {
        let a = Lines(old), b = Lines(new)
        if a == b { return "" }
        // Compare the last lines with their newline state, so a change of only the final
        // newline is a change of that line.
        let ka = keys(a), kb = keys(b)
        let ops = editScript(ka, kb)
        var out = "--- \(oldLabel)\n+++ \(newLabel)\n"
        for hunk in hunks(ops, context: max(0, context)) {
            let oldStart = hunk.oldCount == 0 ? hunk.oldStart : hunk.oldStart + 1
            let newStart = hunk.newCount == 0 ? hunk.newStart : hunk.newStart + 1
            out += "@@ -\(range(oldStart, hunk.oldCount)) +\(range(newStart, hunk.newCount)) @@\n"
            for op in hunk.ops {
                switch op {
                case .equal(let i, _): out += line(" ", a, i)
                case .delete(let i): out += line("-", a, i)
                case .insert(let j): out += line("+", b, j)
                }
            }
        }
        return out
    }

    private static func range(_ start: Int, _ count: Int) -> String { count == 1 ? "\(start)" : "\(start),\(count)" }

    private static func line(_ mark: Character, _ t: Lines, _ i: Int) -> String {
        var s = "\(mark)\(t.lines[i])\n"
        if i == t.lines.count - 1 && !t.finalNewline { s += "\\ No newline at end of file\n" }
        return s
    }

    private static func keys(_ t: Lines) -> [Substring] {
        var k = t.lines
        if !t.finalNewline, let last = k.last { k[k.count - 1] = last + "\u{0}nonl" }
        return k
    }

    /// The shortest edit script (Myers) between `a` and `b`, after their common head and tail.
    static func editScript(_ a: [Substring], _ b: [Substring]) -> [Op] {
        var head = 0
        while head < a.count, head < b.count, a[head] == b[head] { head += 1 }
        var tail = 0
        while tail < a.count - head, tail < b.count - head, a[a.count - 1 - tail] == b[b.count - 1 - tail] { tail += 1 }
        var ops: [Op] = (0..<head).map { .equal(old: $0, new: $0) }
        let a1 = head, a2 = a.count - tail, b1 = head, b2 = b.count - tail
        ops += middle(a, a1, a2, b, b1, b2)
        ops += (0..<tail).map { .equal(old: a2 + $0, new: b2 + $0) }
        return ops
    }

    private static func middle(_ a: [Substring], _ a1: Int, _ a2: Int, _ b: [Substring], _ b1: Int, _ b2: Int) -> [Op] {
        let n = a2 - a1, m = b2 - b1
        if n == 0 { return (b1..<b2).map { .insert(new: $0) } }
        if m == 0 { return (a1..<a2).map { .delete(old: $0) } }
        let maxD = min(n + m, maxEditDistance)
        let offset = maxD + 1
        var v = [Int](repeating: 0, count: 2 * maxD + 3)
        var trace: [[Int]] = []
        var found = false
        outer: for d in 0...maxD {
            trace.append(v)
            for k in stride(from: -d, through: d, by: 2) {
                var x: Int
                if k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]) { x = v[offset + k + 1] } else { x = v[offset + k - 1] + 1 }
                var y = x - k
                while x < n, y < m, a[a1 + x] == b[b1 + y] { x += 1; y += 1 }
                v[offset + k] = x
                if x >= n && y >= m { found = true; break outer }
            }
        }
        guard found else {
            return (a1..<a2).map { .delete(old: $0) } + (b1..<b2).map { .insert(new: $0) }
        }
        // Walk back through the trace.
        var ops: [Op] = []
        var x = n, y = m
        for d in stride(from: trace.count - 1, through: 0, by: -1) {
            let v = trace[d]
            let k = x - y
            let prevK: Int
            if k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]) { prevK = k + 1 } else { prevK = k - 1 }
            let prevX = d == 0 ? 0 : v[offset + prevK]
            let prevY = prevX - prevK
            while x > prevX, y > prevY { x -= 1; y -= 1; ops.append(.equal(old: a1 + x, new: b1 + y)) }
            if d > 0 {
                if x == prevX { y -= 1; ops.append(.insert(new: b1 + y)) } else { x -= 1; ops.append(.delete(old: a1 + x)) }
            }
        }
        // Deletions before insertions within each change, as diff -u prints them.
        return normalise(ops.reversed())
    }

    private static func normalise(_ ops: [Op]) -> [Op] {
        var out: [Op] = [], dels: [Op] = [], ins: [Op] = []
        for op in ops {
            switch op {
            case .equal: out += dels; out += ins; dels = []; ins = []; out.append(op)
            case .delete: dels.append(op)
            case .insert: ins.append(op)
            }
        }
        return out + dels + ins
    }

    struct Hunk { var oldStart = 0, oldCount = 0, newStart = 0, newCount = 0; var ops: [Op] = [] }

    private static func hunks(_ ops: [Op], context: Int) -> [Hunk] {
        let changes = ops.indices.filter { if case .equal = ops[$0] { return false }; return true }
        guard !changes.isEmpty else { return [] }
        var groups: [(Int, Int)] = []
        var start = changes[0], end = changes[0]
        for c in changes.dropFirst() {
            if c - end - 1 > 2 * context { groups.append((start, end)); start = c }
            end = c
        }
        groups.append((start, end))
        return groups.map { g in
            let lo = max(0, g.0 - context), hi = min(ops.count - 1, g.1 + context)
            var h = Hunk()
            h.ops = Array(ops[lo...hi])
            // Positions before the hunk's first line.
            var oldPos = 0, newPos = 0
            for op in ops[..<lo] {
                switch op {
                case .equal: oldPos += 1; newPos += 1
                case .delete: oldPos += 1
                case .insert: newPos += 1
                }
            }
            h.oldStart = oldPos; h.newStart = newPos
            for op in h.ops {
                switch op {
                case .equal: h.oldCount += 1; h.newCount += 1
                case .delete: h.oldCount += 1
                case .insert: h.newCount += 1
                }
            }
            return h
        }
    }

    // MARK: Applying

    /// `text` with `patch` applied.
    /// - Throws: `DiffSyntaxError` for a patch that is not a unified diff (naming the line);
    ///   `DiffConflict` when a hunk's context or removed lines are not in the text.
    public static func apply(_ patch: String, to text: String) throws -> String {
        let hunks = try parse(patch)
        var t = Lines(text)
        var shift = 0  // new lines minus old lines applied so far
        var lowest = 0 // a hunk may not reach back into the previous one
        for (n, h) in hunks.enumerated() {
            let old = h.old.map { $0.text }
            let want = max(0, (h.oldCount == 0 ? h.oldStart : h.oldStart - 1) + shift)
            guard let at = locate(old, oldNoNewline: h.oldNoNewline, in: t, near: want, from: lowest) else {
                throw DiffConflict(hunk: n + 1, header: h.header,
                                   reason: "its context and removed lines are not in the document at line \(want + 1) or anywhere after the previous hunk")
            }
            let replaced = at + old.count == t.lines.count
            t.lines.replaceSubrange(at..<(at + old.count), with: h.new.map { Substring($0.text) })
            if replaced { t.finalNewline = !h.newNoNewline } else if h.newNoNewline {
                throw DiffConflict(hunk: n + 1, header: h.header, reason: "it ends the text without a final newline, but lines follow it")
            }
            if t.lines.isEmpty { t.finalNewline = true }
            shift += h.new.count - old.count
            lowest = at + h.new.count
        }
        return t.text
    }

    private static func locate(_ old: [String], oldNoNewline: Bool, in t: Lines, near want: Int, from lowest: Int) -> Int? {
        func matches(_ at: Int) -> Bool {
            guard at >= lowest, at + old.count <= t.lines.count else { return false }
            for (i, l) in old.enumerated() where t.lines[at + i] != l { return false }
            if oldNoNewline {
                // The hunk's last old line is the text's last line, without a newline.
                return at + old.count == t.lines.count && !t.finalNewline
            }
            if !old.isEmpty && at + old.count == t.lines.count && !t.finalNewline { return false }
            return true
        }
        if old.isEmpty { return min(max(want, lowest), t.lines.count) }
        if matches(want) { return want }
        let span = max(t.lines.count, want)
        for d in 1...max(1, span) {
            if matches(want - d) { return want - d }
            if matches(want + d) { return want + d }
        }
        return nil
    }

    struct ParsedLine { var text: String }
    struct ParsedHunk {
        var header: String
        var oldStart: Int, oldCount: Int, newStart: Int, newCount: Int
        var old: [ParsedLine] = [], new: [ParsedLine] = []
        var oldNoNewline = false, newNoNewline = false
    }

    static func parse(_ patch: String) throws -> [ParsedHunk] {
        let lines = patch.split(separator: "\n", omittingEmptySubsequences: false)
        var hunks: [ParsedHunk] = []
        var i = 0
        while i < lines.count {
            let l = lines[i]
            if l.hasPrefix("@@") {
                var h = try header(String(l), line: i + 1)
                i += 1
                var oldLeft = h.oldCount, newLeft = h.newCount
                var last: Character = " "
                while i < lines.count, oldLeft > 0 || newLeft > 0 || lines[i].hasPrefix("\\") {
                    let b = lines[i]
                    if b.isEmpty && i == lines.count - 1 { break }  // the end of the patch, not an empty context line
                    if b.hasPrefix("\\") {
                        switch last {
                        case "-": h.oldNoNewline = true
                        case "+": h.newNoNewline = true
                        default: h.oldNoNewline = true; h.newNoNewline = true
                        }
                        i += 1
                        continue
                    }
                    let mark = b.first ?? " "  // an empty line is an empty context line
                    let body = b.isEmpty ? "" : String(b.dropFirst())
                    switch mark {
                    case " ": h.old.append(.init(text: body)); h.new.append(.init(text: body)); oldLeft -= 1; newLeft -= 1
                    case "-": h.old.append(.init(text: body)); oldLeft -= 1
                    case "+": h.new.append(.init(text: body)); newLeft -= 1
                    default:
                        throw DiffSyntaxError(line: i + 1, reason: "expected a line starting with ' ', '-', '+' or '\\' inside hunk \(h.header), got \(String(b.prefix(40)).debugDescription)")
                    }
                    if oldLeft < 0 || newLeft < 0 {
                        throw DiffSyntaxError(line: i + 1, reason: "hunk \(h.header) has more lines than its header counts")
                    }
                    last = mark
                    i += 1
                }
                if oldLeft > 0 || newLeft > 0 {
                    throw DiffSyntaxError(line: i, reason: "hunk \(h.header) ends early: \(oldLeft) old and \(newLeft) new lines missing")
                }
                hunks.append(h)
                continue
            }
            if l.hasPrefix("---") || l.hasPrefix("+++") || l.hasPrefix("diff ") || l.hasPrefix("index ") || l.isEmpty { i += 1; continue }
            throw DiffSyntaxError(line: i + 1, reason: "expected a hunk header \"@@ -a,b +c,d @@\", got \(String(l.prefix(40)).debugDescription)")
        }
        guard !hunks.isEmpty else { throw DiffSyntaxError(line: 1, reason: "the patch has no hunk (\"@@ -a,b +c,d @@\")") }
        return hunks
    }

    private static func header(_ l: String, line: Int) throws -> ParsedHunk {
        // @@ -a[,b] +c[,d] @@ optional text
        let parts = l.split(separator: " ")
        guard parts.count >= 4, parts[0] == "@@", parts[3] == "@@", parts[1].hasPrefix("-"), parts[2].hasPrefix("+"),
              case let (os, oc)? = numbers(parts[1].dropFirst()), case let (ns, nc)? = numbers(parts[2].dropFirst()) else {
            throw DiffSyntaxError(line: line, reason: "bad hunk header \(l.debugDescription): expected \"@@ -a,b +c,d @@\"")
        }
        return ParsedHunk(header: "@@ \(parts[1]) \(parts[2]) @@", oldStart: os, oldCount: oc, newStart: ns, newCount: nc)
    }

    private static func numbers(_ s: Substring) -> (Int, Int)? {
        let p = s.split(separator: ",", omittingEmptySubsequences: false)
        guard p.count == 1 || p.count == 2, let a = Int(p[0]), a >= 0 else { return nil }
        if p.count == 1 { return (a, 1) }
        guard let b = Int(p[1]), b >= 0 else { return nil }
        return (a, b)
    }
}

/// A patch that does not fit the text it is applied to (HTTP 409).
public struct DiffConflict: Error, Equatable, CustomStringConvertible {
    public var hunk: Int
    public var header: String
    public var reason: String
    public init(hunk: Int, header: String, reason: String) { self.hunk = hunk; self.header = header; self.reason = reason }
    public var description: String { "hunk \(hunk) (\(header)) does not apply: \(reason)" }
}

/// A patch that is not a unified diff (HTTP 400).
public struct DiffSyntaxError: Error, Equatable, CustomStringConvertible {
    public var line: Int
    public var reason: String
    public init(line: Int, reason: String) { self.line = line; self.reason = reason }
    public var description: String { "patch line \(line): \(reason)" }
}
