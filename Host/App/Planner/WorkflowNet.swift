/// A plan as a Petri net: its events are places, its steps transitions (`on` → step → `emits`).
/// As the original planner did, one source place `(source)` feeds every external event through a
/// `(start)` transition, and the events emitted but never consumed (the plan's outcomes) feed one
/// sink place `(sink)` through an `(end)` transition; a plan without such events gets a sink with
/// no arc, which makes it no workflow net (a plan must have an outcome).
public struct WorkflowNet: Sendable, Equatable, Codable {
    public struct Transition: Sendable, Equatable, Codable {
        public var name: String
        /// Place indices, one entry per arc (a place may appear twice: weight 2).
        public var inputs: [Int]
        public var outputs: [Int]
        public init(name: String, inputs: [Int], outputs: [Int]) { self.name = name; self.inputs = inputs; self.outputs = outputs }
    }

    public var places: [String]
    public var transitions: [Transition]
    public var source: Int
    public var sink: Int

    public init(places: [String], transitions: [Transition], source: Int, sink: Int) {
        self.places = places; self.transitions = transitions; self.source = source; self.sink = sink
    }

    public static let sourceName = "(source)"
    public static let sinkName = "(sink)"
    public static let startName = "(start)"
    public static let endName = "(end)"

    /// The net of a plan whose steps name only declared events (`PlanValidator` checks that first).
    public init(plan: Plan) {
        var places = plan.events.map(\.name)
        var index = Dictionary(places.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        func place(_ name: String) -> Int {
            if let i = index[name] { return i }
            places.append(name)
            index[name] = places.count - 1
            return places.count - 1
        }
        var transitions = plan.steps.map { s in Transition(name: s.name, inputs: s.on.map(place), outputs: s.emits.map(place)) }
        let consumed = Set(plan.steps.flatMap(\.on))
        let emitted = plan.steps.flatMap(\.emits)
        var outcomes: [String] = []
        for e in emitted where !consumed.contains(e) && !outcomes.contains(e) { outcomes.append(e) }
        let source = place(Self.sourceName)
        let sink = place(Self.sinkName)
        transitions.append(Transition(name: Self.startName, inputs: [source], outputs: plan.externalEvents.map { place($0.name) }))
        if !outcomes.isEmpty {
            transitions.append(Transition(name: Self.endName, inputs: outcomes.map(place), outputs: [sink]))
        }
        self.init(places: places, transitions: transitions, source: source, sink: sink)
    }

    /// The nodes not on a path from the source to the sink (empty for a workflow net), and
    /// whether the source has no input and the sink no output.
    public func workflowNetProblems() -> [String] {
        var problems: [String] = []
        if transitions.contains(where: { $0.outputs.contains(source) }) { problems.append("\(places[source]) has an incoming arc") }
        if transitions.contains(where: { $0.inputs.contains(sink) }) { problems.append("\(places[sink]) has an outgoing arc") }
        // Nodes: places 0..<P, transitions P..<P+T.
        let p = places.count
        var forward = Array(repeating: [Int](), count: p + transitions.count)
        var backward = forward
        for (ti, t) in transitions.enumerated() {
            for i in t.inputs { forward[i].append(p + ti); backward[p + ti].append(i) }
            for o in t.outputs { forward[p + ti].append(o); backward[o].append(p + ti) }
        }
        func reach(_ start: Int, _ edges: [[Int]]) -> Set<Int> {
            var seen: Set = [start], stack = [start]
            while let n = stack.popLast() { for m in edges[n] where seen.insert(m).inserted { stack.append(m) } }
            return seen
        }
        let fromSource = reach(source, forward)
        let toSink = reach(sink, backward)
        for n in 0..<(p + transitions.count) where !(fromSource.contains(n) && toSink.contains(n)) {
            let what = n < p ? "event \(places[n])" : "step \(transitions[n - p].name)"
            let why = !fromSource.contains(n) ? "is not reachable from the plan's external events" : "does not lead to an outcome (an event emitted and never consumed)"
            problems.append("\(what) \(why)")
        }
        return problems
    }
}
