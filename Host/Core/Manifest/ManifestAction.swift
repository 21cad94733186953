public import LightningProtocol

/// An action a driver, agent or function offers to plans (docs/manifests.md#actions): its name,
/// and the JSON schema of its input (the planner checks a step's `args` against `required`).
/// For a driver or agent the action is an event type it handles (it must match one of its
/// capabilities); for a function it is invoked with the step's args as input.
public struct ManifestAction: Sendable, Equatable {
    public var name: String
    public var description: String?
    public var inputSchema: JSONValue?

    /// The schema's `required` names.
    public var requiredArgs: [String] { inputSchema?["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] }

    /// Reads the manifest's `actions` array, recording problems in `c`.
    static func parse(_ value: JSONValue?, kind: Manifest.Kind?, capabilities: [String], _ c: inout FieldChecker) -> [ManifestAction] {
        guard let value else { return [] }
        guard kind == .driver || kind == .agent || kind == .function else {
            c.fail("actions", "no actions (only drivers, agents and functions offer actions to plans)", "an actions array")
            return []
        }
        guard case .array(let items) = value else { c.fail("actions", "an array of {name, description?, input_schema?}", value.typeDescription); return [] }
        var out: [ManifestAction] = []
        for (i, item) in items.enumerated() {
            let path = "actions[\(i)]"
            guard case .object(let o) = item else { c.fail(path, "an object", item.typeDescription); continue }
            for key in o.keys.sorted() where !["name", "description", "input_schema"].contains(key) {
                c.fail("\(path).\(key)", "name, description or input_schema", "an unknown field")
            }
            guard let name = c.string(o, "name", required: true, prefix: path) else { continue }
            if kind != .function && !EventPattern.matchesAny(capabilities, name) {
                c.fail("\(path).name", "an event type this \(kind!.rawValue) handles (its capabilities: \(capabilities.joined(separator: ", ")))", "\"\(name)\"")
            }
            if out.contains(where: { $0.name == name }) { c.fail("\(path).name", "a name not used by another action", "\"\(name)\" again") }
            var action = ManifestAction(name: name, description: c.string(o, "description", required: false, prefix: path))
            if let s = o["input_schema"] {
                if case .object = s {
                    action.inputSchema = s
                    for problem in ConfigSchema.checkSchema(s, path: "\(path).input_schema") { c.problems.append(problem) }
                } else { c.fail("\(path).input_schema", "an object (a JSON Schema subset)", s.typeDescription) }
            }
            out.append(action)
        }
        return out
    }
}
