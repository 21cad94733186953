import Foundation
public import LightningProtocol

/// Step arguments templated from the run's events: `{{ event.data.text }}` inside any string of
/// `args` (docs/planner.md). The inside of `{{ }}` is a path as in guards (`event`, `events["name"]`,
/// `run`), nothing else: no expressions, no calls. A string that is exactly one placeholder takes
/// the value's JSON type; otherwise values are inserted as text (strings as they are, the rest as
/// JSON). A missing value is `null` (as text: empty).
public enum ArgTemplate {
    /// Why the templates in `value` do not parse (empty when they do).
    public static func problems(in value: JSONValue) -> [String] {
        switch value {
        case .string(let s): return pieces(s).problems
        case .array(let a): return a.flatMap(problems(in:))
        case .object(let o): return o.keys.sorted().flatMap { problems(in: o[$0]!) }
        default: return []
        }
    }

    /// `value` with every placeholder replaced from `context`.
    public static func render(_ value: JSONValue, _ context: JSONValue) -> JSONValue {
        switch value {
        case .string(let s):
            let (parts, _) = pieces(s)
            if parts.count == 1, case .path(let node) = parts[0] { return GuardExpression.value(node, context) }
            var out = ""
            for p in parts {
                switch p {
                case .text(let t): out += t
                case .path(let node):
                    switch GuardExpression.value(node, context) {
                    case .null: break
                    case .string(let x): out += x
                    case let v: out += (try? String(decoding: Wire.encode(v), as: UTF8.self)) ?? ""
                    }
                }
            }
            return .string(out)
        case .array(let a): return .array(a.map { render($0, context) })
        case .object(let o): return .object(o.mapValues { render($0, context) })
        default: return value
        }
    }

    enum Piece { case text(String), path(GuardExpression.Node) }

    static func pieces(_ s: String) -> (parts: [Piece], problems: [String]) {
        var parts: [Piece] = []
        var problems: [String] = []
        var rest = Substring(s)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[rest.startIndex..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                problems.append("\"{{\" without \"}}\" in \"\(s)\"")
                return (parts, problems)
            }
            let inner = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            do {
                let g = try GuardExpression(parsing: inner)
                if case .path = g.root { parts.append(.path(g.root)) } else {
                    problems.append("\"{{ \(inner) }}\": only a path (event…, events[\"name\"]…, run…) may stand in a placeholder")
                }
            } catch let e as GuardError {
                problems.append("\"{{ \(inner) }}\": \(e.reason)")
            } catch {}
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        return (parts, problems)
    }
}
