public import LightningPlanner

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
        return ActionCatalog(actions)
    }
}
