import Foundation
import HostCore

/// Runs rules against a target, one fresh instance per rule, and reports each rule's failures.
public enum ConformanceRunner {
    /// What became of one rule.
    public struct Result: Sendable {
        public let rule: ConformanceRule
        public let target: String
        /// Empty when the rule held.
        public let failures: [String]
        public var passed: Bool { failures.isEmpty }
    }

    /// Runs `rule` against a fresh instance of `target`, then closes every instance it opened and
    /// removes their data.
    public static func run(_ rule: ConformanceRule, on target: ConformanceTarget) async -> Result {
        let instance: ConformanceInstance
        do { instance = try await target.open() } catch {
            return Result(rule: rule, target: target.name, failures: ["could not open an instance: \(error)"])
        }
        let check = ConformanceCheck(rule: rule, target: target, instance: instance)
        do { try await rule.body(check) } catch {
            check.fail("\(error)")
        }
        // `reopen` closed the earlier instances; the latest one is still open.
        await check.instance.connection.close()
        for dir in Set(check.allInstances.map(\.dataDir)) { try? FileManager.default.removeItem(at: dir) }
        return Result(rule: rule, target: target.name, failures: check.failures)
    }

    /// Runs every rule in order; `progress` sees each result as it comes.
    public static func run(_ rules: [ConformanceRule], on target: ConformanceTarget,
                           progress: (Result) -> Void = { _ in }) async -> [Result] {
        var out: [Result] = []
        for rule in rules {
            let r = await run(rule, on: target)
            progress(r)
            out.append(r)
        }
        return out
    }
}
