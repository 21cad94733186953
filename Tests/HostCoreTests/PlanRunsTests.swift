@testable import HostCore
import Foundation
import LightningPlanner
import LightningProtocol
import Testing

/// `PlanRuns` keeps a run's changes one at a time even when the store is slow: two steps that
/// finish together both count (the lost update CI found: the second write, computed from the
/// state before the first, dropped the first step's result and the run never joined).
@Suite struct PlanRunsTests {
    static let fan = """
        {"name": "fan", "graph_type": "acyclic",
         "events": [{"name": "go", "kind": "manual"}, {"name": "x"}, {"name": "y"}, {"name": "x2"}, {"name": "y2"}, {"name": "done"}],
         "steps": [{"name": "split", "on": ["go"], "action": "a", "emits": ["x", "y"]},
                   {"name": "left", "on": ["x"], "action": "a", "emits": ["x2"]},
                   {"name": "right", "on": ["y"], "action": "a", "emits": ["y2"]},
                   {"name": "join", "on": ["x2", "y2"], "action": "a", "emits": ["done"]}]}
        """

    /// A store whose every write of a run takes `delay`: long enough for two changes to overlap.
    static func slowStore(_ delay: Duration) -> (ProviderSlot, FakeStorage) {
        let store = FakeStorage("s", onWrite: { what in
            if what.contains("storage.document") { try? await Task.sleep(for: delay) }
        })
        let slot = ProviderSlot(kind: .storage)
        slot.bind(.init(connection: store, pluginId: "s", version: "1", config: [:]))
        return (slot, store)
    }

    static func split(_ runs: PlanRuns) async throws -> String {
        let (plan, problems) = PlanParser.parse(Data(fan.utf8))
        #expect(problems == [])
        var m = PlanRunMachine(runId: "r1", planId: "fan", version: 1, plan: try #require(plan))
        _ = try m.start(event: "go", data: [:])
        try await runs.create(m)
        let (_, actions) = try await runs.change(m.runId) { $0.stepSucceeded(firing: 1, output: [:]) }
        #expect(actions.compactMap { if case .execute(_, let step, _, _, _, _) = $0 { step } else { nil } } == ["left", "right"])
        return m.runId
    }

    @Test(arguments: [0, 20])
    func twoStepsFinishingTogetherBothCountAndTheJoinRuns(delayMs: Int) async throws {
        let (slot, _) = Self.slowStore(.milliseconds(delayMs))
        let runs = PlanRuns(storage: slot)
        let id = try await Self.split(runs)
        // Both branches finish at once; each change reads, decides and writes.
        async let left = runs.change(id) { $0.stepSucceeded(firing: 2, output: ["n": 1]) }
        async let right = runs.change(id) { $0.stepSucceeded(firing: 3, output: ["n": 2]) }
        let actions = try await left.1 + right.1
        let joins = actions.filter { if case .execute(_, "join", _, _, _, _) = $0 { true } else { false } }
        #expect(joins.count == 1, "the join fires once, after both branches: \(actions)")
        // As stored (a fresh reader, as after a restart): both branches succeeded.
        let stored = try await PlanRuns(storage: slot).get(id)
        let states = Dictionary(stored.firings.map { ($0.step, $0.state) }, uniquingKeysWith: { a, _ in a })
        #expect(states["left"] == .succeeded && states["right"] == .succeeded, "\(stored.firings)")
        #expect(states["join"] == .running)
    }

    @Test func aChangeOfOneRunDoesNotWaitForAnotherRun() async throws {
        let gate = OneShot()
        let store = FakeStorage("s", onWrite: { what in if what.contains("r-held") { await gate.wait() } })
        let slot = ProviderSlot(kind: .storage)
        slot.bind(.init(connection: store, pluginId: "s", version: "1", config: [:]))
        let runs = PlanRuns(storage: slot)
        let id = try await Self.split(runs)
        try await withThrowingTaskGroup(of: Void.self) { group in
            // A change of a run whose write never ends (until the gate opens) …
            _ = try await slot.call(.containerCreate, ContainerRequest(container: PlanRuns.container))
            group.addTask { _ = try await slot.call(.documentUpsert, WriteRequest(container: PlanRuns.container, document: Document(id: "r-held", data: [:]))) }
            // … leaves this run's change free to go.
            _ = try await runs.change(id) { $0.stepSucceeded(firing: 2, output: [:]) }
            gate.fire()
            try await group.waitForAll()
        }
    }
}
