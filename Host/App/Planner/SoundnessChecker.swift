/// Soundness of a workflow net (van der Aalst): from one token on the source, (1) the sink can
/// always still be reached (option to complete), (2) when a token reaches the sink nothing else
/// is left (proper completion), (3) every transition can fire in some run (no dead transitions),
/// and the net is bounded. Decided on the reachability graph; unboundedness is found as a marking
/// that strictly covers one of its ancestors (Karp–Miller), so the search always ends.
///
/// Each violation comes with a counterexample: the shortest firing sequence (breadth first) that
/// reaches the offending marking.
public enum SoundnessChecker {
    public struct Violation: Sendable, Equatable, Codable, CustomStringConvertible {
        public enum Kind: String, Sendable, Codable {
            /// A marking from which the sink can no longer be reached (deadlock or livelock).
            case noOptionToComplete = "no_option_to_complete"
            /// The sink is marked while other tokens remain (or it has more than one token).
            case improperCompletion = "improper_completion"
            case deadTransition = "dead_transition"
            case unbounded
            /// The reachability graph exceeded the state limit: not decided.
            case tooLarge = "too_large"
        }

        public var kind: Kind
        /// The firing sequence from the initial marking (transition names).
        public var sequence: [String]
        /// The marking reached, as place name → tokens (places with tokens only).
        public var marking: [String: Int]
        /// For a dead transition: its name.
        public var transition: String?

        public var description: String {
            let seq = sequence.isEmpty ? "the initial marking" : sequence.joined(separator: " → ")
            let m = marking.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            switch kind {
            case .noOptionToComplete: return "can get stuck: after \(seq) the marking {\(m)} can no longer reach the end"
            case .improperCompletion: return "completes improperly: after \(seq) the end is reached with tokens left {\(m)}"
            case .deadTransition: return "step \(transition ?? "?") can never fire"
            case .unbounded: return "is unbounded: \(seq) reaches {\(m)}, which covers an earlier marking on the same path and can repeat forever"
            case .tooLarge: return "has more than \(SoundnessChecker.stateLimit) reachable markings: soundness not decided"
            }
        }
    }

    public static let stateLimit = 100_000

    /// The violations of `net` (empty: sound). Assumes `net` is a workflow net.
    public static func check(_ net: WorkflowNet) -> [Violation] {
        typealias Marking = [Int]
        let pCount = net.places.count
        var initial = Marking(repeating: 0, count: pCount)
        initial[net.source] = 1
        var final = Marking(repeating: 0, count: pCount)
        final[net.sink] = 1

        var ids: [Marking: Int] = [initial: 0]
        var markings: [Marking] = [initial]
        var parent: [(Int, Int)?] = [nil]  // (parent marking, transition)
        var edges: [[Int]] = [[]]  // successors
        var fired = Array(repeating: false, count: net.transitions.count)
        var queue = [0]
        var head = 0

        func sequence(to id: Int) -> [String] {
            var out: [String] = []
            var cur = id
            while let (p, t) = parent[cur] { out.append(net.transitions[t].name); cur = p }
            return out.reversed()
        }
        func named(_ m: Marking) -> [String: Int] {
            var d: [String: Int] = [:]
            for (i, n) in m.enumerated() where n > 0 { d[net.places[i]] = n }
            return d
        }

        while head < queue.count {
            let id = queue[head]
            head += 1
            let m = markings[id]
            for (ti, t) in net.transitions.enumerated() {
                var next = m
                var enabled = true
                for i in t.inputs {
                    next[i] -= 1
                    if next[i] < 0 { enabled = false; break }
                }
                guard enabled else { continue }
                for o in t.outputs { next[o] += 1 }
                fired[ti] = true
                if let known = ids[next] {
                    edges[id].append(known)
                    continue
                }
                // Covers an ancestor strictly: the same sequence can pump tokens forever.
                var anc: Int? = id
                while let a = anc {
                    let am = markings[a]
                    if am != next && zip(am, next).allSatisfy({ $0 <= $1 }) {
                        return [Violation(kind: .unbounded, sequence: sequence(to: id) + [t.name], marking: named(next))]
                    }
                    anc = parent[a]?.0
                }
                guard markings.count < stateLimit else { return [Violation(kind: .tooLarge, sequence: [], marking: [:])] }
                let nid = markings.count
                ids[next] = nid
                markings.append(next)
                parent.append((id, ti))
                edges.append([])
                edges[id].append(nid)
                queue.append(nid)
            }
        }

        var violations: [Violation] = []
        // Proper completion: the sink marked means nothing else is.
        if let bad = markings.indices.first(where: { markings[$0][net.sink] > 0 && markings[$0] != final }) {
            violations.append(Violation(kind: .improperCompletion, sequence: sequence(to: bad), marking: named(markings[bad])))
        }
        // Option to complete: every reachable marking reaches the final one.
        var reverse = Array(repeating: [Int](), count: markings.count)
        for (from, succ) in edges.enumerated() { for to in succ { reverse[to].append(from) } }
        var canFinish = Array(repeating: false, count: markings.count)
        if let f = ids[final] {
            canFinish[f] = true
            var stack = [f]
            while let n = stack.popLast() { for p in reverse[n] where !canFinish[p] { canFinish[p] = true; stack.append(p) } }
        }
        // Breadth-first ids: the first stuck marking has the shortest counterexample; a deadlock
        // (nothing can fire) says more than a marking that still moves, so it comes first.
        let deadlock = markings.indices.first { !canFinish[$0] && edges[$0].isEmpty && markings[$0] != final }
        if let stuck = deadlock ?? markings.indices.first(where: { !canFinish[$0] }) {
            violations.append(Violation(kind: .noOptionToComplete, sequence: sequence(to: stuck), marking: named(markings[stuck])))
        }
        for (ti, t) in net.transitions.enumerated() where !fired[ti] {
            violations.append(Violation(kind: .deadTransition, sequence: [], marking: [:], transition: t.name))
        }
        return violations
    }
}
