import Foundation
public import LightningProtocol

/// A step's guard: a small, safe expression over JSON (no calls, no assignment, no eval):
///
/// ```
///  expr    := and ("||" and)*          and := not ("&&" not)*          not := "!" not | compare
///  compare := value (("==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "contains") value)?
///  value   := "string" | 'string' | number | true | false | null | path | "(" expr ")" | "[" value, … "]"
///  path    := root ("." name | "[" integer "]" | "[" "string" "]")*      root := event | events | run
/// ```
/// `event` is the event that completed the step's inputs, `events["<name>"]` each input event by
/// name, `run` the run (`id`, `plan`, `version`). A missing path is `null`. Numbers compare by
/// value (`1 == 1.0`); `<` and friends compare two numbers or two strings, anything else is false;
/// `in` and `contains` test membership in an array or a substring.
public struct GuardExpression: Sendable, Equatable, CustomStringConvertible {
    public let text: String
    let root: Node

    indirect enum Node: Sendable, Equatable {
        case literal(JSONValue)
        case path(String, [PathPart])
        case list([Node])
        case not(Node)
        case and(Node, Node)
        case or(Node, Node)
        case compare(Node, String, Node)
    }

    enum PathPart: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    public static let roots: Set = ["event", "events", "run"]

    /// - Throws: `GuardError` with the position and what was expected.
    public init(parsing text: String) throws {
        self.text = text
        var p = Parser(tokens: try Lexer.tokens(text), text: text)
        let node = try p.expression()
        guard p.atEnd else { throw GuardError(text, p.position, "unexpected \(p.peekDescription) after a complete expression") }
        root = node
    }

    public var description: String { text }

    /// Evaluates against `context` (an object with `event`, `events`, `run`).
    /// - Throws: `GuardError` when the result is not a boolean.
    public func evaluate(_ context: JSONValue) throws -> Bool {
        guard case .bool(let b) = Self.value(root, context) else {
            throw GuardError(text, 0, "does not evaluate to true or false (got \(Self.value(root, context).typeDescription))")
        }
        return b
    }

    static func value(_ n: Node, _ ctx: JSONValue) -> JSONValue {
        switch n {
        case .literal(let v): return v
        case .list(let items): return .array(items.map { value($0, ctx) })
        case .path(let root, let parts):
            var cur = ctx[root] ?? .null
            for p in parts {
                switch p {
                case .key(let k): cur = cur[k] ?? .null
                case .index(let i): cur = cur.arrayValue.flatMap { i >= 0 && i < $0.count ? $0[i] : nil } ?? .null
                }
            }
            return cur
        case .not(let x): return .bool(value(x, ctx) != .bool(true))
        case .and(let a, let b): return .bool(value(a, ctx) == .bool(true) && value(b, ctx) == .bool(true))
        case .or(let a, let b): return .bool(value(a, ctx) == .bool(true) || value(b, ctx) == .bool(true))
        case .compare(let a, let op, let b): return .bool(compare(value(a, ctx), op, value(b, ctx)))
        }
    }

    static func compare(_ a: JSONValue, _ op: String, _ b: JSONValue) -> Bool {
        switch op {
        case "==": return equal(a, b)
        case "!=": return !equal(a, b)
        case "in": return contains(b, a)
        case "contains": return contains(a, b)
        default:
            if let x = a.doubleValue, let y = b.doubleValue, a.isNumber, b.isNumber { return order(x, y, op) }
            if let x = a.stringValue, let y = b.stringValue { return order(x, y, op) }
            return false
        }
    }

    static func order<T: Comparable>(_ x: T, _ y: T, _ op: String) -> Bool {
        switch op {
        case "<": return x < y
        case "<=": return x <= y
        case ">": return x > y
        default: return x >= y
        }
    }

    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if a.isNumber, b.isNumber, let x = a.doubleValue, let y = b.doubleValue { return x == y }
        return a == b
    }

    static func contains(_ container: JSONValue, _ item: JSONValue) -> Bool {
        if let arr = container.arrayValue { return arr.contains { equal($0, item) } }
        if let s = container.stringValue, let t = item.stringValue { return s.contains(t) }
        return false
    }

    // MARK: Lexing and parsing

    enum Token: Equatable {
        case string(String), number(JSONValue), word(String), op(String)
    }

    enum Lexer {
        static func tokens(_ text: String) throws -> [(Token, Int)] {
            let chars = Array(text)
            var out: [(Token, Int)] = []
            var i = 0
            while i < chars.count {
                let c = chars[i]
                if c == " " || c == "\t" || c == "\n" { i += 1; continue }
                let start = i
                if c == "\"" || c == "'" {
                    var s = ""
                    i += 1
                    while i < chars.count, chars[i] != c {
                        if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                        s.append(chars[i]); i += 1
                    }
                    guard i < chars.count else { throw GuardError(text, start, "string not closed") }
                    i += 1
                    out.append((.string(s), start))
                } else if c.isNumber || (c == "-" && i + 1 < chars.count && chars[i + 1].isNumber) {
                    i += 1
                    while i < chars.count, chars[i].isNumber || chars[i] == "." || chars[i] == "e" || chars[i] == "E" { i += 1 }
                    let t = String(chars[start..<i])
                    if let n = Int(t) { out.append((.number(.int(n)), start)) } else if let d = Double(t) { out.append((.number(.double(d)), start)) } else {
                        throw GuardError(text, start, "\"\(t)\" is not a number")
                    }
                } else if c.isLetter || c == "_" {
                    while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" { i += 1 }
                    out.append((.word(String(chars[start..<i])), start))
                } else {
                    let two = i + 1 < chars.count ? String(chars[i...i + 1]) : ""
                    if ["==", "!=", "<=", ">=", "&&", "||"].contains(two) {
                        out.append((.op(two), start)); i += 2
                    } else if "<>!()[].,".contains(c) {
                        out.append((.op(String(c)), start)); i += 1
                    } else {
                        throw GuardError(text, start, "unexpected character \"\(c)\"")
                    }
                }
            }
            return out
        }
    }

    struct Parser {
        let tokens: [(Token, Int)]
        let text: String
        var i = 0
        var depth = 0

        var atEnd: Bool { i >= tokens.count }
        var position: Int { i < tokens.count ? tokens[i].1 : text.count }
        var peekDescription: String {
            guard i < tokens.count else { return "the end" }
            switch tokens[i].0 {
            case .string(let s): return "\"\(s)\""
            case .number(let n): return "\(n)"
            case .word(let w), .op(let w): return "\"\(w)\""
            }
        }

        mutating func take(_ op: String) -> Bool {
            if i < tokens.count, tokens[i].0 == .op(op) || tokens[i].0 == .word(op) { i += 1; return true }
            return false
        }

        mutating func expect(_ op: String) throws {
            guard take(op) else { throw GuardError(text, position, "expected \"\(op)\", found \(peekDescription)") }
        }

        mutating func expression() throws -> Node {
            depth += 1
            defer { depth -= 1 }
            guard depth < 64 else { throw GuardError(text, position, "nested too deeply (64 levels)") }
            var left = try and()
            while take("||") { left = .or(left, try and()) }
            return left
        }

        mutating func and() throws -> Node {
            var left = try not()
            while take("&&") { left = .and(left, try not()) }
            return left
        }

        mutating func not() throws -> Node {
            if take("!") {
                depth += 1
                defer { depth -= 1 }
                guard depth < 64 else { throw GuardError(text, position, "nested too deeply (64 levels)") }
                return .not(try not())
            }
            let left = try value()
            for op in ["==", "!=", "<=", ">=", "<", ">", "in", "contains"] where take(op) {
                return .compare(left, op, try value())
            }
            return left
        }

        mutating func value() throws -> Node {
            guard i < tokens.count else { throw GuardError(text, position, "expected a value, found the end") }
            let (tok, pos) = tokens[i]
            i += 1
            switch tok {
            case .string(let s): return .literal(.string(s))
            case .number(let n): return .literal(n)
            case .word("true"): return .literal(.bool(true))
            case .word("false"): return .literal(.bool(false))
            case .word("null"): return .literal(.null)
            case .word(let w):
                guard GuardExpression.roots.contains(w) else {
                    throw GuardError(text, pos, "unknown name \"\(w)\"; a path starts with \(GuardExpression.roots.sorted().joined(separator: ", "))")
                }
                var parts: [PathPart] = []
                while true {
                    if take(".") {
                        guard i < tokens.count, case .word(let k) = tokens[i].0 else { throw GuardError(text, position, "expected a field name after \".\"") }
                        i += 1
                        parts.append(.key(k))
                    } else if take("[") {
                        guard i < tokens.count else { throw GuardError(text, position, "expected an index or a \"key\" after \"[\"") }
                        switch tokens[i].0 {
                        case .number(.int(let n)): parts.append(.index(n))
                        case .string(let k): parts.append(.key(k))
                        default: throw GuardError(text, position, "expected an index or a \"key\" after \"[\", found \(peekDescription)")
                        }
                        i += 1
                        try expect("]")
                    } else {
                        break
                    }
                }
                return .path(w, parts)
            case .op("("):
                let e = try expression()
                try expect(")")
                return e
            case .op("["):
                var items: [Node] = []
                if take("]") { return .list([]) }
                repeat { items.append(try value()) } while take(",")
                try expect("]")
                return .list(items)
            case .op(let o):
                throw GuardError(text, pos, "expected a value, found \"\(o)\"")
            }
        }
    }
}

/// A guard that does not parse or evaluate: the expression, the character position, the reason.
public struct GuardError: Error, Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public let position: Int
    public let reason: String
    public init(_ text: String, _ position: Int, _ reason: String) { self.text = text; self.position = position; self.reason = reason }
    public var description: String { "guard \"\(text)\" at \(position): \(reason)" }
}

extension JSONValue {
    var isNumber: Bool {
        switch self {
        case .int, .double: return true
        default: return false
        }
    }
}
