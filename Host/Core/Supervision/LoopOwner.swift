/// Who runs a child's supervise loop: in the daemon, the `Supervisor` service's task group; for
/// a child outside any running supervisor (tests, benchmarks, `ChildHostedConnection.launch`),
/// `standalone`.
struct LoopOwner: Sendable {
    private let body: @Sendable (SupervisedChild) -> Void

    init(_ body: @escaping @Sendable (SupervisedChild) -> Void) { self.body = body }

    /// Runs `child.superviseLoop()` in the owner's tasks.
    func supervise(_ child: SupervisedChild) { body(child) }

    /// No service group runs this child: the holder of the child owns its life through `stop()`,
    /// which waits for the loop to end (an unowned task, on purpose: there is no group to own it).
    static let standalone = LoopOwner { child in
        Task { await child.superviseLoop() }
    }
}
