import Foundation

/// Tests that load the whole machine on purpose (14 agents flooding their stdout for 30 s, 1,100
/// connections and floods of requests) and so must not share it with the rest of the suite: run
/// in parallel with it on 2 cores, they starved unrelated timing-bound tests (PostgreSQL
/// requests past 30 s, an upgrade past 3 min) in CI run 7. They run when `LT_STRESS=1`:
/// `.ci/run` runs them in a pass of their own after the main one,
/// `LT_STRESS=1 swift test --skip-build --filter 'DaemonSupervisorStressTests|DaemonHostileInputTests'`.
public enum MachineAlone {
    public static var enabled: Bool { ProcessInfo.processInfo.environment["LT_STRESS"] == "1" }
    public static let reason = "loads the machine on purpose: runs alone with LT_STRESS=1 (.ci/run's stress pass)"
}
