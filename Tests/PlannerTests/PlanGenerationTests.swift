import Foundation
import LightningPlanner
import LightningProtocol
import Testing

/// The planner's conversation without a model: the prompt, the critic message with every
/// problem, the bounded retries, the JSON found in fenced or chatty answers.
@Suite struct PlanGenerationTests {
    static let catalog = ActionCatalog([.init(name: "chat.send", providedBy: "chat-agent", requiredArgs: ["content"])])
    static let good = #"{"name": "n", "graph_type": "acyclic", "events": [{"name": "go", "kind": "manual"}, {"name": "sent"}], "steps": [{"name": "s", "on": ["go"], "action": "chat.send", "args": {"content": "hi"}, "emits": ["sent"]}]}"#
    static let bad = #"{"name": "n", "graph_type": "acyclic", "events": [{"name": "go", "kind": "manual"}, {"name": "sent"}], "steps": [{"name": "s", "on": ["go"], "action": "mail.send", "emits": ["sent"]}]}"#

    @Test func anInvalidAnswerBringsACriticThenAValidOneEnds() {
        var g = PlanGeneration(.init(description: "say hi", graphType: .acyclic), actions: Self.catalog)
        guard case .ask(let first) = g.start else { Issue.record("no first request"); return }
        #expect(first.map(\.role) == ["system", "user"])
        #expect(first[0].content.contains("chat.send (from chat-agent); required args: content"))
        #expect(first[1].content.contains("say hi") && first[1].content.contains("\"acyclic\""))
        guard case .ask(let second) = g.received(Self.bad) else { Issue.record("no retry"); return }
        #expect(second.map(\.role) == ["system", "user", "assistant", "user"])
        #expect(second[3].content.contains("$.steps[0].action: step \"s\": no loaded driver, agent or function provides \"mail.send\""))
        #expect(second[3].content.contains("[unknown_action]"))
        guard case .done(let plan, let attempts) = g.received("Here you go:\n```json\n\(Self.good)\n```") else { Issue.record("not done"); return }
        #expect(plan.name == "n" && attempts == 2)
    }

    @Test func retriesAreBoundedAndNotJSONIsAProblem() {
        var g = PlanGeneration(.init(description: "x", maxAttempts: 2), actions: Self.catalog)
        guard case .ask = g.received("I cannot do that") else { Issue.record("no retry"); return }
        #expect(g.lastProblems.map(\.rule) == [.invalidJSON])
        guard case .gaveUp(let problems, let attempts) = g.received(Self.bad) else { Issue.record("did not give up"); return }
        #expect(attempts == 2 && problems.map(\.rule) == [.unknownAction])
    }

    @Test func aWrongGraphTypeIsAProblemAndACritiqueCarriesThePlan() throws {
        var g = PlanGeneration(.init(description: "x", graphType: .reactive), actions: Self.catalog)
        guard case .ask(let m) = g.received(Self.good) else { Issue.record("accepted the wrong graph type"); return }
        #expect(m.last?.content.contains("$.graph_type: expected \"reactive\" (asked for), got \"acyclic\"") == true)
        let (plan, _) = PlanParser.parse(Data(Self.good.utf8))
        let c = PlanGeneration(.init(description: "x", plan: plan, critique: "use a webhook"), actions: Self.catalog)
        guard case .ask(let first) = c.start else { return }
        #expect(first[1].content.contains("use a webhook") && first[1].content.contains("\"chat.send\""))
    }
}
