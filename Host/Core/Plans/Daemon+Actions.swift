public import LightningPlanner
import LightningProtocol

extension Daemon {
    /// What plans may use now: the `actions` of every driver that is loaded, every agent that
    /// runs, and every function deployed from the manifests (docs/planner.md#actions).
    public var actionCatalog: ActionCatalog {
        let live = Set(pluginStatuses.filter { $0.state == .loaded || $0.state == .running }.map(\.id))
        let ms = manifests.withLock { Array($0.values) }
        var actions: [ActionCatalog.Action] = []
        for m in ms.sorted(by: { $0.id < $1.id }) where live.contains(m.id) && [.driver, .agent, .function].contains(m.kind) {
            for a in m.actions {
                actions.append(.init(name: a.name, providedBy: m.id, requiredArgs: a.requiredArgs, inputSchema: a.inputSchema))
            }
        }
        return ActionCatalog(actions + Self.builtinActions)
    }

    /// The daemon's own actions (provided by `lightning`): `task.create` makes a task (source
    /// `plan_run`, docs/planner.md#tasks) and answers it as the step's output.
    static let builtinActions: [ActionCatalog.Action] = [
        .init(name: "task.create", providedBy: "lightning", requiredArgs: ["title"], inputSchema: [
            "type": "object", "required": ["title"], "additionalProperties": false,
            "properties": [
                "title": ["type": "string", "minLength": 1, "maxLength": 500],
                "description": ["type": "string"],
                "assignee": ["type": "string"],
                "due": ["type": "string", "format": "date-time"],
                "priority": ["type": "string", "enum": ["low", "medium", "high"]],
                "status": ["type": "string", "enum": ["open", "in_progress", "done", "cancelled"]],
            ],
        ]),
    ]
}
