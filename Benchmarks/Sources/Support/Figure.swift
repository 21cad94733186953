/// What a figure is compared with, measured in the same run.
struct Reference: Codable, Sendable {
    enum Kind: String, Codable, Sendable { case floor, peer }
    var kind: Kind
    var name: String
    /// In the figure's unit; nil when it could not be measured (`note` says why).
    var value: Double?
    var p99: Double?
    var note: String?
    /// figure value / this value, set by `Figure.init`.
    var ratio: Double?

    static func floor(_ name: String, _ value: Double?, p99: Double? = nil, note: String? = nil) -> Reference {
        Reference(kind: .floor, name: name, value: value, p99: p99, note: note)
    }
    static func peer(_ name: String, _ value: Double?, p99: Double? = nil, note: String? = nil) -> Reference {
        Reference(kind: .peer, name: name, value: value, p99: p99, note: note)
    }
}

/// A goal from the design brief and how to check it.
struct Goal: Codable, Sendable {
    enum Rule: String, Codable, Sendable {
        /// value (or p99) ≤ threshold
        case atMost
        /// value ≥ threshold
        case atLeast
        /// value / reference ≤ threshold (latency within N× a floor)
        case ratioAtMost
        /// reference / value ≥ threshold (N× faster than a peer, for latencies)
        case speedupAtLeast
    }
    var text: String
    var rule: Rule
    var threshold: Double
    var onP99 = false
    /// Which reference `ratioAtMost` / `speedupAtLeast` use.
    var reference = 0

    static func atMost(_ x: Double, _ text: String, p99: Bool = false) -> Goal { Goal(text: text, rule: .atMost, threshold: x, onP99: p99) }
    static func atLeast(_ x: Double, _ text: String) -> Goal { Goal(text: text, rule: .atLeast, threshold: x) }
    static func withinFloor(_ x: Double, _ text: String, reference: Int = 0) -> Goal {
        Goal(text: text, rule: .ratioAtMost, threshold: x, reference: reference)
    }
    static func fasterThanPeer(_ x: Double, _ text: String, reference: Int = 0) -> Goal {
        Goal(text: text, rule: .speedupAtLeast, threshold: x, reference: reference)
    }
}

/// One measured (or deliberately unmeasured) number of the suite.
struct Figure: Codable, Sendable {
    enum Status: String, Codable, Sendable {
        case met, missed
        /// measured, no goal
        case info
        /// measured, but the goal's reference (a peer) could not be measured
        case unchecked = "goal not checked"
        case skipped
        case notMeasured = "not measured"
        case failed
    }

    var benchmark: String
    var name: String
    var unit: String
    /// Median for latencies, rate for throughputs, plain value otherwise.
    var value: Double?
    var p99: Double?
    var samples: Int?
    var references: [Reference] = []
    var goal: Goal?
    var status: Status = .info
    var note: String?

    /// value / reference value, per reference (nil where either is missing).
    var ratios: [Double?] {
        references.map { r in
            guard let v = value, let rv = r.value, rv > 0 else { return nil }
            return v / rv
        }
    }

    init(_ benchmark: String, _ name: String, unit: String, value: Double?, p99: Double? = nil, samples: Int? = nil,
         references: [Reference] = [], goal: Goal? = nil, note: String? = nil) {
        self.benchmark = benchmark; self.name = name; self.unit = unit; self.value = value; self.p99 = p99
        self.samples = samples; self.references = references; self.goal = goal; self.note = note
        for i in self.references.indices { self.references[i].ratio = ratios[i] }
        self.status = evaluate()
    }

    /// A latency from samples in ns, shown in µs (or ms).
    static func latency(_ benchmark: String, _ name: String, _ s: Samples, ms: Bool = false, references: [Reference] = [],
                        goal: Goal? = nil, note: String? = nil) -> Figure {
        let div = ms ? 1e6 : 1e3
        return Figure(benchmark, name, unit: ms ? "ms" : "µs", value: s.count > 0 ? s.median / div : nil,
                      p99: s.count > 0 ? s.p99 / div : nil, samples: s.count, references: references, goal: goal, note: note)
    }

    static func notMeasured(_ benchmark: String, _ name: String, _ why: String, goal: Goal? = nil) -> Figure {
        var f = Figure(benchmark, name, unit: "", value: nil, goal: goal, note: why)
        f.status = .notMeasured
        return f
    }

    static func skipped(_ benchmark: String, _ name: String, _ why: String, goal: Goal? = nil) -> Figure {
        var f = Figure(benchmark, name, unit: "", value: nil, goal: goal, note: why)
        f.status = .skipped
        return f
    }

    static func failed(_ benchmark: String, _ name: String, _ error: String) -> Figure {
        var f = Figure(benchmark, name, unit: "", value: nil, note: error)
        f.status = .failed
        return f
    }

    private func evaluate() -> Status {
        guard let value else { return .skipped }
        guard let goal else { return .info }
        switch goal.rule {
        case .atMost:
            let v = goal.onP99 ? (p99 ?? value) : value
            return v <= goal.threshold ? .met : .missed
        case .atLeast:
            return value >= goal.threshold ? .met : .missed
        case .ratioAtMost:
            guard goal.reference < references.count, let r = references[goal.reference].value, r > 0 else { return .unchecked }
            return value / r <= goal.threshold ? .met : .missed
        case .speedupAtLeast:
            guard goal.reference < references.count, let r = references[goal.reference].value, value > 0 else { return .unchecked }
            return r / value >= goal.threshold ? .met : .missed
        }
    }
}
