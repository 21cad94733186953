import CHostShims
import CSandbox
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What isolation this host can give, probed once per daemon: namespaces, seccomp, Landlock,
/// no_new_privs, and a trial run of a strict sandbox (`/bin/true` in a new root). A child whose
/// profile needs something missing is refused with `refusal(for:)`'s reason, never run with less.
///
/// Shown by `/health` (field `sandbox`) and `lightning ps` once wired; `summary` is one line for logs.
public struct SandboxSupport: Sendable, Equatable, Codable {
    /// Whether a profile can run here, and if not why.
    public struct ProfileStatus: Sendable, Equatable, Codable {
        public var available: Bool
        public var reason: String?
    }

    /// Sandboxes are built by root (rootless mode is not implemented).
    public var runningAsRoot: Bool
    public var userNamespaces: Bool
    public var pidNamespaces: Bool
    public var mountNamespaces: Bool
    public var networkNamespaces: Bool
    public var ipcNamespaces: Bool
    public var utsNamespaces: Bool
    /// A seccomp filter installs and SECCOMP_RET_KILL_PROCESS exists.
    public var seccomp: Bool
    public var noNewPrivs: Bool
    /// 0 = no Landlock.
    public var landlockABI: Int
    /// nil when the trial strict sandbox ran; its failure otherwise.
    public var trialError: String?
    /// `none`, `standard`, `strict` → available or the reason not.
    public var profiles: [String: ProfileStatus]

    enum CodingKeys: String, CodingKey {
        case runningAsRoot = "running_as_root", userNamespaces = "user_namespaces", pidNamespaces = "pid_namespaces"
        case mountNamespaces = "mount_namespaces", networkNamespaces = "network_namespaces", ipcNamespaces = "ipc_namespaces"
        case utsNamespaces = "uts_namespaces", seccomp, noNewPrivs = "no_new_privs", landlockABI = "landlock_abi"
        case trialError = "trial_error", profiles
    }

    private static let cached = Locked<SandboxSupport?>(nil)

    /// The probe's result, probed at the first call (a few milliseconds) and cached for the process.
    public static var current: SandboxSupport {
        if let c = cached.withLock({ $0 }) { return c }
        let p = probe()
        return cached.withLock { c in
            if c == nil { c = p }
            return c!
        }
    }

    /// Probes the kernel now (uncached).
    public static func probe() -> SandboxSupport {
        var r = lt_sandbox_probe_result()
        let ok = lt_sandbox_probe(&r) == 0
        var s = SandboxSupport(
            runningAsRoot: geteuid() == 0, userNamespaces: ok && r.user_ns != 0, pidNamespaces: ok && r.pid_ns != 0,
            mountNamespaces: ok && r.mount_ns != 0, networkNamespaces: ok && r.net_ns != 0, ipcNamespaces: ok && r.ipc_ns != 0,
            utsNamespaces: ok && r.uts_ns != 0, seccomp: ok && r.seccomp_filter != 0 && r.seccomp_kill_process != 0,
            noNewPrivs: ok && r.no_new_privs != 0, landlockABI: Int(lt_landlock_abi()), trialError: nil, profiles: [:])
        if s.missing(.standard, network: true).isEmpty { s.trialError = trial(landlockABI: s.landlockABI) }
        for p in SandboxPolicy.Profile.allCases {
            let missing = s.missing(p, network: p.defaultNetwork)
            s.profiles[p.rawValue] = ProfileStatus(available: missing.isEmpty, reason: missing.isEmpty ? nil : missing.joined(separator: "; "))
        }
        return s
    }

    /// Why `policy` cannot run here (nil = it can). The reason names what is missing.
    /// - Parameter cgroups: how the supervisor limits children (`ChildCgroups`); nil: rlimits only.
    public func refusal(for policy: SandboxPolicy, cgroups: CgroupHost? = nil) -> String? {
        if policy.limits.cpuPercent != nil, cgroups?.has(.cpu) != true {
            return "field \"sandbox.limits.cpu_percent\": needs the cpu cgroup controller, which this daemon does not have (\(cgroups?.note ?? "limits are rlimits"); docs/sandbox.md#limits)"
        }
        let missing = self.missing(policy.profile, network: policy.allowsNetwork)
        if !missing.isEmpty {
            return "sandbox profile \"\(policy.profile.rawValue)\" cannot run on this host: \(missing.joined(separator: "; "))"
        }
        if policy.profile == .none, policy.network == false {
            return "field \"sandbox.network\": false needs profile \"standard\" or \"strict\" (profile none has no network namespace or seccomp filter)"
        }
        if policy.profile == .none, policy.limits.processes != nil, runningAsRoot, cgroups?.has(.pids) != true {
            return "field \"sandbox.limits.processes\": RLIMIT_NPROC does not bind root, and the daemon runs as root; use profile \"standard\" or \"strict\" (the child then runs as nobody in a user namespace of its own)"
        }
        return nil
    }

    /// The features `profile` needs that this host lacks.
    func missing(_ profile: SandboxPolicy.Profile, network: Bool) -> [String] {
        guard profile != .none else { return [] }
        var m: [String] = []
        if !runningAsRoot { m.append("the daemon does not run as root (sandboxes are built by root; rootless mode is not implemented)") }
        let ns = [("user", userNamespaces), ("pid", pidNamespaces), ("mount", mountNamespaces), ("ipc", ipcNamespaces), ("uts", utsNamespaces)]
            + (network ? [] : [("network", networkNamespaces)])
        let absent = ns.filter { !$0.1 }.map(\.0)
        if !absent.isEmpty { m.append("no \(absent.joined(separator: ", ")) namespaces") }
        if !seccomp { m.append("no seccomp filter with SECCOMP_RET_KILL_PROCESS") }
        if !noNewPrivs { m.append("no PR_SET_NO_NEW_PRIVS") }
        if profile == .strict && landlockABI < 1 { m.append("no Landlock (strict requires it; standard runs without)") }
        if let t = trialError { m.append("a trial sandbox failed: \(t)") }
        return m
    }

    /// One line: `sandbox: user,pid,mount,net,ipc,uts namespaces; seccomp; landlock ABI 7; profiles none, standard, strict`.
    public var summary: String {
        let ns = [("user", userNamespaces), ("pid", pidNamespaces), ("mount", mountNamespaces), ("net", networkNamespaces),
                  ("ipc", ipcNamespaces), ("uts", utsNamespaces)].filter(\.1).map(\.0)
        let avail = SandboxPolicy.Profile.allCases.filter { profiles[$0.rawValue]?.available == true }.map(\.rawValue)
        var parts = ["\(ns.isEmpty ? "no" : ns.joined(separator: ",")) namespaces", seccomp ? "seccomp" : "no seccomp",
                     landlockABI > 0 ? "landlock ABI \(landlockABI)" : "no landlock", "profiles \(avail.joined(separator: ", "))"]
        if let down = SandboxPolicy.Profile.allCases.first(where: { profiles[$0.rawValue]?.available == false }),
           let why = profiles[down.rawValue]?.reason {
            parts.append("\(down.rawValue) unavailable: \(why)")
        }
        return "sandbox: " + parts.joined(separator: "; ")
    }

    /// Runs `/bin/true` in a strict sandbox (standard without Landlock), network off, no scratch
    /// directory; nil on success.
    static func trial(landlockABI: Int) -> String? {
        let program = ["/usr/bin/true", "/bin/true"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let program else { return "no /usr/bin/true to try" }
        let policy = SandboxPolicy(profile: landlockABI > 0 ? .strict : .standard, network: false)
        let plan: SandboxPlan
        do {
            plan = try SandboxPlan.make(policy: policy, program: program, arguments: [], environment: [:], manifestEnv: [:],
                                        workingDirectory: nil, name: "probe", landlockABI: landlockABI)
        } catch { return "\(error)" }
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(plan.executable), nil]
        let envp: [UnsafeMutablePointer<CChar>?] = [nil]
        defer { argv.forEach { free($0) } }
        let devnull = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { close(devnull) }
        var pid: pid_t = 0, stage: Int32 = 0, err: Int32 = 0, step: Int32 = -1
        let rc = plan.withCConfig { cfg in
            argv.withUnsafeBufferPointer { a in
                envp.withUnsafeBufferPointer { e in
                    plan.executable.withCString { path in
                        "/".withCString { cwd in
                            var req = lt_spawn_request(path: path, argv: a.baseAddress, envp: e.baseAddress, cwd: cwd,
                                                       stdin_fd: devnull, stdout_fd: devnull, stderr_fd: devnull, kill_on_parent_death: 0,
                                                       rlimits: nil, rlimit_count: 0, sandbox: cfg, report_fd: -1,
                                                       cgroup_fds: nil, cgroup_fd_count: 0)
                            return lt_spawn(&req, &pid, &stage, &err, &step)
                        }
                    }
                }
            }
        }
        guard rc == 0 else { return "\(plan.describe(stage: stage, step: step)) failed: \(String(cString: strerror(err)))" }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status == 0 ? nil : "\(program) in the trial sandbox ended with wait status \(status)"
    }
}
