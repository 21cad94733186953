import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one place a test can make the daemon die at a chosen point, to prove what survives a
/// `kill -9` there (docs/planner.md#exactly-once-steps). Off unless the environment variable
/// `LIGHTNING_TEST_KILL_AFTER_ACTION` is `<action>:<marker file>`: after an action of that name
/// succeeds and before its result is saved, the daemon removes the marker and sends itself
/// SIGKILL, once per marker (the restarted daemon finds no marker and carries on).
enum CrashTestHook {
    static let setting = ProcessInfo.processInfo.environment["LIGHTNING_TEST_KILL_AFTER_ACTION"].flatMap { v -> (String, String)? in
        guard let colon = v.firstIndex(of: ":") else { return nil }
        return (String(v[..<colon]), String(v[v.index(after: colon)...]))
    }

    /// Called by the plan executor after `action` succeeded, before the result is saved.
    static func afterAction(_ action: String) {
        guard let (name, marker) = setting, name == action, unlink(marker) == 0 else { return }
        kill(getpid(), SIGKILL)
    }
}
