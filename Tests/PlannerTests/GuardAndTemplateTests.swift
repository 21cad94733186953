import LightningPlanner
import LightningProtocol
import Testing

/// Guards and argument templates: parse errors with positions, evaluation over JSON, no escape hatch.
@Suite struct GuardAndTemplateTests {
    static let context: JSONValue = [
        "event": ["type": "order.placed", "data": ["total": 120, "items": ["book", "pen"], "country": "NO", "note": "rush order"]],
        "events": ["order.placed": ["data": ["total": 120]]],
        "run": ["id": "r1", "plan": "orders", "version": 3],
    ]

    static func eval(_ text: String) throws -> Bool { try GuardExpression(parsing: text).evaluate(context) }

    @Test(arguments: [
        ("event.data.total > 100", true),
        ("event.data.total >= 120.0 && event.data.country == \"NO\"", true),
        ("event.data.total < 100 || event.data.country != 'SE'", true),
        ("!(event.data.total > 100)", false),
        ("\"pen\" in event.data.items", true),
        ("event.data.items contains \"ink\"", false),
        ("event.data.note contains 'rush'", true),
        ("event.data.country in [\"NO\", \"SE\"]", true),
        ("event.data.missing == null", true),
        ("event.data.missing > 1", false),
        ("events[\"order.placed\"].data.total == 120", true),
        ("event.data.items[1] == \"pen\"", true),
        ("run.version >= 3", true),
        ("event.data.country < 5", false),
    ])
    func guardsEvaluate(_ text: String, _ expected: Bool) throws {
        #expect(try Self.eval(text) == expected)
    }

    @Test(arguments: [
        ("event.data.total >", "expected a value, found the end"),
        ("system(\"rm -rf /\")", "unknown name \"system\"; a path starts with event, events, run"),
        ("event.data.x == 1 1", "unexpected 1 after a complete expression"),
        ("event.data.x == \"open", "string not closed"),
        ("event.data.x ; 1", "unexpected character \";\""),
        ("(event.data.x == 1", "expected \")\", found the end"),
    ])
    func badGuardsSayWhereAndWhy(_ text: String, _ reason: String) {
        do { _ = try GuardExpression(parsing: text); Issue.record("expected an error") } catch let e as GuardError {
            #expect(e.reason == reason)
        } catch { Issue.record("\(error)") }
    }

    @Test func aGuardMustBeTrueOrFalse() {
        #expect(throws: GuardError.self) { try Self.eval("event.data.total") }
    }

    @Test func deepNestingIsRefusedNotACrash() {
        let deep = String(repeating: "(", count: 500) + "true" + String(repeating: ")", count: 500)
        #expect(throws: GuardError.self) { try GuardExpression(parsing: deep) }
        let nots = String(repeating: "!", count: 500) + "true"
        #expect(throws: GuardError.self) { try GuardExpression(parsing: nots) }
    }

    @Test func templatesKeepTypesForAWholePlaceholderAndInterpolateText() {
        let args: JSONValue = ["total": "{{ event.data.total }}", "line": "Order of {{ event.data.total }} to {{event.data.country}}",
                               "items": ["{{ event.data.items }}"], "missing": "[{{ event.data.nothing }}]", "plain": 7]
        let out = ArgTemplate.render(args, Self.context)
        #expect(out == ["total": 120, "line": "Order of 120 to NO", "items": [["book", "pen"]], "missing": "[]", "plain": 7])
    }

    @Test func templatesAllowPathsOnly() {
        #expect(ArgTemplate.problems(in: "{{ event.data.x }}") == [])
        #expect(ArgTemplate.problems(in: ["a": ["{{ 1 == 1 }}"]]) == ["\"{{ 1 == 1 }}\": only a path (event…, events[\"name\"]…, run…) may stand in a placeholder"])
        #expect(ArgTemplate.problems(in: "{{ open") == ["\"{{\" without \"}}\" in \"{{ open\""])
    }
}
