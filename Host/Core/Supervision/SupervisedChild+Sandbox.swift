import CHostShims
import CSandbox
import Foundation
import LightningProtocol
#if canImport(Glibc)
import Glibc
#endif

/// The sandbox side of a child's runs: the launch spec for its profile, the wall-clock limit,
/// and exit reasons in the words of its limits (docs/sandbox.md).
extension SupervisedChild {
    /// What to launch for one run: a plain spec for profile `none`, else a sandbox plan; with
    /// the cgroups it joins (their limits written) when the supervisor has cgroups. Creates the
    /// scratch directory (owned by the sandbox's uid).
    /// - Returns: the spec, and the OOM-kill count of its memory cgroup before the run.
    /// - Throws: `LaunchError` (a sandbox or cgroup setup error: the child is marked failed).
    func makeLaunchSpec() throws -> (LaunchSpec, oomKillsBefore: Int?) {
        let policy = spec.sandbox
        let cgroups = services.cgroups
        var run: ChildCgroups.Run?
        if let cgroups {
            do { run = try cgroups.prepare(child: name, limits: policy.effectiveLimits) } catch {
                throw LaunchError(program, plan: "\(error)")
            }
        }
        let rlimits = Self.rlimits(policy, cgroups: cgroups?.host)
        guard policy.profile != .none else {
            return (LaunchSpec(path: program, arguments: arguments, environment: environment, workingDirectory: spec.workingDir, rlimits: rlimits,
                               cgroupProcs: run?.procs ?? []), run?.oomKillsBefore)
        }
        if let refusal = SandboxSupport.current.refusal(for: policy, cgroups: cgroups?.host) { throw LaunchError(program, plan: refusal) }
        if let scratch = policy.scratchDirectory { try Self.prepareScratch(scratch, program: program) }
        do {
            let plan = try SandboxPlan.make(policy: policy, program: program, arguments: arguments, environment: environment,
                                            manifestEnv: spec.env, workingDirectory: spec.workingDir, name: name,
                                            landlockABI: SandboxSupport.current.landlockABI)
            return (LaunchSpec(path: plan.executable, arguments: arguments, environment: plan.environment,
                               workingDirectory: plan.workingDirectory, rlimits: rlimits, sandbox: plan, cgroupProcs: run?.procs ?? []),
                    run?.oomKillsBefore)
        } catch let e as SandboxPlan.PlanError {
            throw LaunchError(program, plan: e.description)
        }
    }

    /// The rlimits of a policy's effective limits (RLIMIT_CORE 0 in a sandbox). Memory and
    /// processes are left to the cgroup controllers `cgroups` has.
    static func rlimits(_ policy: SandboxPolicy, cgroups: CgroupHost? = nil) -> [(Int32, UInt64, UInt64)] {
        let l = policy.effectiveLimits
        var out: [(Int32, UInt64, UInt64)] = []
        func add(_ r: Int, _ soft: Int, _ hard: Int) { out.append((Int32(r), UInt64(soft), UInt64(hard))) }
        if let mb = l.memoryMB, cgroups?.has(.memory) != true { add(LT_RLIMIT_AS, mb << 20, mb << 20) }
        if let s = l.cpuSeconds { add(LT_RLIMIT_CPU, s, s + 1) }
        if let n = l.openFiles { add(LT_RLIMIT_NOFILE, n, n) }
        if let n = l.processes, cgroups?.has(.pids) != true { add(LT_RLIMIT_NPROC, n, n) }
        if let mb = l.fileSizeMB { add(LT_RLIMIT_FSIZE, mb << 20, mb << 20) }
        if policy.profile != .none { add(LT_RLIMIT_CORE, 0, 0) }
        return out
    }

    /// `<data_dir>/scratch/<name>`: created, mode 0700, owned by the sandbox's uid (65534).
    static func prepareScratch(_ path: String, program: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw LaunchError(program, plan: "cannot create the scratch directory \(path): \(error.localizedDescription)")
        }
        guard chown(path, 65534, 65534) == 0, chmod(path, 0o700) == 0 else {
            throw LaunchError(program, plan: "cannot give the scratch directory \(path) to uid 65534: \(String(cString: strerror(errno)))")
        }
    }

    /// The reason for an exit the supervisor did not cause: the limit it hit, or the status in words.
    /// - Parameter oomKillsBefore: the memory cgroup's OOM-kill count before the run (nil: no cgroup).
    func exitReason(_ status: ExitStatus, usage: SandboxExit.Usage?, startedAt: ContinuousClock.Instant, oomKillsBefore: Int? = nil) -> String {
        if let before = oomKillsBefore, let after = services.cgroups?.oomKills(child: name), after > before,
           let reason = SandboxExit.oomKilled(status, limits: spec.sandbox.effectiveLimits, kills: after - before) {
            return reason
        }
        // This run's stderr (a crash report can push the telling line far up).
        let tail = runtime.read { s in
            s.log.tail(300).filter { $0.stream == "stderr" && $0.at >= (s.startedAt ?? $0.at) }.map(\.text)
        }
        return SandboxExit.reason(status, policy: spec.sandbox, usage: usage, ranFor: ContinuousClock.now - startedAt, stderrTail: tail,
                                  memoryKind: services.cgroups?.host.has(.memory) == true ? "memory" : "address space")
            ?? status.description
    }

    /// Extra `process.exited` fields for a sandboxed run.
    static func sandboxEventData(_ policy: SandboxPolicy, usage: SandboxExit.Usage?) -> [String: JSONValue] {
        var d: [String: JSONValue] = [:]
        if policy.profile != .none { d["sandbox"] = .string(policy.profile.rawValue) }
        if let u = usage { d["cpu_ms"] = .int(u.cpuMs); d["max_rss_kb"] = .int(u.maxRSSKB) }
        return d
    }
}
