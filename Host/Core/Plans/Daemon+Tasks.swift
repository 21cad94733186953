import LightningPlanner

extension Daemon {
    /// Tasks, through the storage provider that is bound now (docs/planner.md#tasks).
    public var tasks: TaskBoard { TaskBoard(storage: providers.storage, router: router) }
}
