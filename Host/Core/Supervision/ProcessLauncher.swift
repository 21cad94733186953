import CHostShims
import CSandbox
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What to start: an absolute program path, its arguments, environment and working directory.
struct LaunchSpec: Sendable {
    var path: String
    var arguments: [String]
    var environment: [String: String]
    var workingDirectory: String?
    /// (RLIMIT_*, soft, hard); for a sandboxed child, applied to the program only.
    var rlimits: [(Int32, UInt64, UInt64)] = []
    /// The sandbox (nil: a plain child). `path`, `environment` and `workingDirectory` are then
    /// as seen inside it.
    var sandbox: SandboxPlan?
    /// `cgroup.procs` files of the cgroups the child joins right after fork (`ChildCgroups`).
    var cgroupProcs: [String] = []
}

/// A started process: its pid (also its process group id) and the parent's ends of its stdio.
struct LaunchedProcess: Sendable {
    let pid: pid_t
    let stdin: Int32
    let stdout: Int32
    let stderr: Int32
    /// Sandboxed children: the read end of the pipe on which the sandbox's outer process writes
    /// an `lt_sandbox_report` (the program's own wait status and resource use) as it ends; -1
    /// otherwise. The receiver closes it.
    var report: Int32 = -1
}

/// Starts processes from one dedicated, long-lived thread.
///
/// Why a thread of its own: `PR_SET_PDEATHSIG` fires when the *thread* that forked exits, and
/// the Swift concurrency pool may retire its threads; forking from a thread that lives as long as
/// the daemon makes "no child outlives the daemon, even under kill -9" hold. Forking is ~0.5 ms,
/// so one thread is plenty.
final class ProcessLauncher: Sendable {
    static let shared = ProcessLauncher()

    // Unchecked: immutable; `done` is called once, on the launcher thread, and only resumes a continuation.
    private struct Job: @unchecked Sendable {
        let spec: LaunchSpec
        let done: (Result<LaunchedProcess, any Error>) -> Void
    }
    private let queue = Locked<[Job]>([])
    private let wake = DispatchSemaphore(value: 0)

    private init() {
        let t = Thread { [self] in self.loop() }
        t.name = "lightning.launcher"
        t.stackSize = 256 << 10
        t.start()
    }

    func launch(_ spec: LaunchSpec) async throws -> LaunchedProcess {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<LaunchedProcess, any Error>) in
            queue.withLock { $0.append(Job(spec: spec, done: { c.resume(with: $0) })) }
            wake.signal()
        }
    }

    private func loop() {
        while true {
            wake.wait()
            while let job = queue.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
                job.done(Result { try Self.spawn(job.spec) })
            }
        }
    }

    /// Creates the pipes (close-on-exec on the parent's ends) and forks + execs through the C shim.
    private static func spawn(_ spec: LaunchSpec) throws -> LaunchedProcess {
        var inPipe: [Int32] = [-1, -1], outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        guard lt_pipe_cloexec(&inPipe) == 0 else { throw LaunchError(spec.path, "pipe", errno) }
        guard lt_pipe_cloexec(&outPipe) == 0 else { close(inPipe[0]); close(inPipe[1]); throw LaunchError(spec.path, "pipe", errno) }
        guard lt_pipe_cloexec(&errPipe) == 0 else {
            [inPipe, outPipe].flatMap { $0 }.forEach { close($0) }
            throw LaunchError(spec.path, "pipe", errno)
        }
        let argv = ([spec.path] + spec.arguments).map { strdup($0) } + [nil]
        let envp = spec.environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        let limits = spec.rlimits.map { lt_rlimit(resource: $0.0, soft: $0.1, hard: $0.2) }
        var reportPipe: [Int32] = [-1, -1]
        if spec.sandbox != nil, lt_pipe_cloexec(&reportPipe) != 0 {
            let e = errno
            [inPipe, outPipe, errPipe].flatMap { $0 }.forEach { close($0) }
            throw LaunchError(spec.path, "pipe", e)
        }
        // The cgroups to join, opened here: the forked child only writes its pid to them.
        var cgroupFds: [Int32] = []
        defer { cgroupFds.forEach { close($0) } }
        for path in spec.cgroupProcs {
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else {
                let e = errno
                [inPipe, outPipe, errPipe, reportPipe].flatMap { $0 }.filter { $0 >= 0 }.forEach { close($0) }
                throw LaunchError(spec.path, "opening \(path)", e, sandboxSetup: true)
            }
            cgroupFds.append(fd)
        }
        var pid: pid_t = 0, stage: Int32 = 0, err: Int32 = 0, step: Int32 = -1
        func spawn(_ sandbox: UnsafePointer<lt_sandbox_config>?) -> Int32 {
            cgroupFds.withUnsafeBufferPointer { cg in
            limits.withUnsafeBufferPointer { lim in
                argv.withUnsafeBufferPointer { a in
                    envp.withUnsafeBufferPointer { e in
                        (spec.workingDirectory ?? "").withCString { cwd in
                            spec.path.withCString { path in
                                var req = lt_spawn_request(
                                    path: path, argv: a.baseAddress, envp: e.baseAddress, cwd: cwd,
                                    stdin_fd: inPipe[0], stdout_fd: outPipe[1], stderr_fd: errPipe[1],
                                    kill_on_parent_death: 1, rlimits: lim.baseAddress, rlimit_count: Int32(lim.count),
                                    sandbox: sandbox, report_fd: reportPipe[1],
                                    cgroup_fds: cg.baseAddress, cgroup_fd_count: Int32(cg.count))
                                return lt_spawn(&req, &pid, &stage, &err, &step)
                            }
                        }
                    }
                }
            }
            }
        }
        let rc = spec.sandbox.map { plan in plan.withCConfig { spawn($0) } } ?? spawn(nil)
        close(inPipe[0]); close(outPipe[1]); close(errPipe[1])
        if reportPipe[1] >= 0 { close(reportPipe[1]) }
        guard rc == 0 else {
            close(inPipe[1]); close(outPipe[0]); close(errPipe[0])
            if reportPipe[0] >= 0 { close(reportPipe[0]) }
            if let plan = spec.sandbox, stage >= Int32(LT_SANDBOX_STAGE_UNSHARE) {
                throw LaunchError(spec.path, plan.describe(stage: stage, step: step), err, sandboxSetup: stage != Int32(LT_SANDBOX_STAGE_EXEC))
            }
            throw LaunchError(spec.path, Self.stageName(stage), err)
        }
        return LaunchedProcess(pid: pid, stdin: inPipe[1], stdout: outPipe[0], stderr: errPipe[0], report: reportPipe[0])
    }

    static func stageName(_ s: Int32) -> String {
        switch Int(s) {
        case LT_SPAWN_STAGE_PIPE: return "pipe"
        case LT_SPAWN_STAGE_FORK: return "fork"
        case LT_SPAWN_STAGE_SETPGID: return "setpgid"
        case LT_SPAWN_STAGE_PDEATHSIG: return "prctl(PR_SET_PDEATHSIG)"
        case LT_SPAWN_STAGE_DUP: return "dup2"
        case LT_SPAWN_STAGE_CHDIR: return "chdir"
        case LT_SPAWN_STAGE_RLIMIT: return "setrlimit"
        case LT_SPAWN_STAGE_CGROUP: return "joining its cgroup (write to cgroup.procs)"
        default: return "execve"
        }
    }
}

/// A process could not be started: which step failed and the system's reason.
struct LaunchError: Error, CustomStringConvertible {
    let description: String
    /// The sandbox could not be built: restarting will not help (the child is marked failed).
    let sandboxSetup: Bool
    init(_ path: String, _ stage: String, _ err: Int32, sandboxSetup: Bool = false) {
        description = "cannot start \(path): \(stage) failed: \(String(cString: strerror(err)))"
        self.sandboxSetup = sandboxSetup
    }
    init(_ path: String, plan reason: String) {
        description = "cannot start \(path): \(reason)"
        sandboxSetup = true
    }
}
