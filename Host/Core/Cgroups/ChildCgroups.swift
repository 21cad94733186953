import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The cgroups of one supervisor's children: `<base>/lightning-<pid>-<n>/<child>` for each
/// controller, with the child's `memory_mb`, `processes` and `cpu_percent` written into them before
/// every run, and the kernel's OOM kills read after it (docs/sandbox.md#limits).
///
/// A child joins its cgroups in the forked process before anything else runs (`lt_spawn` writes
/// its pid to the `cgroup.procs` files opened here), so its whole process tree is limited from its
/// first instruction. Folders are removed when the child is removed and when the supervisor ends;
/// folders left by a daemon that was killed are removed by the next one that starts.
public final class ChildCgroups: Sendable {
    public let host: CgroupHost
    /// The supervisor's own folder, per controller.
    let roots: [CgroupHost.Controller: String]

    private static let instances = Locked(0)

    /// A cgroup step failed: the child cannot start with the limits it asked for.
    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Creates the supervisor's folders; nil (with the reason) when the host has no cgroups or
    /// they cannot be created.
    static func make(host: CgroupHost) -> (cgroups: ChildCgroups?, note: String?) {
        guard host.mechanism != .rlimits else { return (nil, host.note) }
        let n = instances.withLock { c -> Int in c += 1; return c }
        let name = "lightning-\(getpid())-\(n)"
        var roots: [CgroupHost.Controller: String] = [:]
        // One folder per hierarchy: under cgroup v2 every controller shares the one base.
        let controllersByBase = Dictionary(grouping: host.bases, by: \.value).mapValues { $0.map(\.key) }
        var made: [String] = []
        for (base, controllers) in controllersByBase.sorted(by: { $0.key < $1.key }) {
            sweepStale(base)
            let dir = base + "/" + name
            if let e = CgroupFile.makeDirectory(dir) {
                made.forEach { CgroupFile.removeDirectory($0) }
                return (nil, "cannot create the cgroup \(dir): \(e)")
            }
            made.append(dir)
            if host.mechanism == .cgroupV2 {
                let enable = host.controllers.map { "+" + $0.rawValue }.joined(separator: " ")
                if let e = CgroupFile.write(dir + "/cgroup.subtree_control", enable) {
                    made.forEach { CgroupFile.removeDirectory($0) }
                    return (nil, "cannot enable \(enable) in \(dir): \(e)")
                }
            }
            for c in controllers { roots[c] = dir }
        }
        return (ChildCgroups(host: host, roots: roots), host.note)
    }

    private init(host: CgroupHost, roots: [CgroupHost.Controller: String]) {
        self.host = host; self.roots = roots
    }

    /// Removes `lightning-<pid>-<n>` folders of daemons that are gone (empty ones only: the
    /// kernel refuses a folder that still holds a process).
    static func sweepStale(_ base: String) {
        for name in CgroupFile.subdirectories(base) where name.hasPrefix("lightning-") {
            let parts = name.split(separator: "-")
            guard parts.count == 3, let pid = Int32(parts[1]), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            let dir = base + "/" + name
            CgroupFile.subdirectories(dir).forEach { CgroupFile.removeDirectory(dir + "/" + $0) }
            CgroupFile.removeDirectory(dir)
        }
    }

    /// The folder name of a child (`fn:resize#3` → `c-fn_resize_3`).
    static func folderName(_ child: String) -> String {
        "c-" + String(child.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_") ? $0 : "_" })
    }

    /// What one run needs: the `cgroup.procs` files to join and the OOM-kill count before it.
    struct Run: Sendable {
        var procs: [String]
        var oomKillsBefore: Int?
    }

    /// Creates the child's folders, writes its limits (`nil` lifts a limit set by an earlier run)
    /// and returns what its launch joins.
    /// - Throws: `Failure` naming the file and the system's reason.
    func prepare(child: String, limits: SandboxPolicy.Limits) throws -> Run {
        var procs: [String] = []
        for (c, root) in roots.sorted(by: { $0.key < $1.key }) {
            let dir = root + "/" + Self.folderName(child)
            if let e = CgroupFile.makeDirectory(dir) { throw Failure(description: "cannot create the cgroup \(dir): \(e)") }
            try write(c, dir: dir, limits)
            procs.append(dir + "/cgroup.procs")
        }
        // v2: one folder holds every controller; join it once.
        return Run(procs: Array(Set(procs)).sorted(), oomKillsBefore: oomKills(child: child))
    }

    private func write(_ c: CgroupHost.Controller, dir: String, _ limits: SandboxPolicy.Limits) throws {
        func set(_ file: String, _ value: String) throws {
            if let e = CgroupFile.write(dir + "/" + file, value) {
                throw Failure(description: "cannot write \(value) to \(dir)/\(file): \(e)")
            }
        }
        let v2 = host.mechanism == .cgroupV2
        switch c {
        case .memory:
            let bytes = limits.memoryMB.map { String($0 << 20) }
            if v2 {
                try set("memory.max", bytes ?? "max")
                _ = CgroupFile.write(dir + "/memory.swap.max", bytes == nil ? "max" : "0")  // absent without swap accounting
            } else {
                // memsw (memory + swap) must stay ≥ the memory limit: lift it, set memory, then set it.
                _ = CgroupFile.write(dir + "/memory.memsw.limit_in_bytes", "-1")
                try set("memory.limit_in_bytes", bytes ?? "-1")
                if let bytes { _ = CgroupFile.write(dir + "/memory.memsw.limit_in_bytes", bytes) }
            }
        case .pids:
            try set("pids.max", limits.processes.map(String.init) ?? "max")
        case .cpu:
            let quota = limits.cpuPercent.map { $0 * 1000 }
            if v2 {
                try set("cpu.max", "\(quota.map(String.init) ?? "max") 100000")
            } else {
                try set("cpu.cfs_period_us", "100000")
                try set("cpu.cfs_quota_us", quota.map(String.init) ?? "-1")
            }
        }
    }

    /// How many times the kernel's OOM killer killed a process of the child's memory cgroup
    /// (`memory.events` oom_kill in v2, `memory.oom_control` oom_kill in v1); nil if unknown.
    func oomKills(child: String) -> Int? {
        guard let root = roots[.memory] else { return nil }
        let dir = root + "/" + Self.folderName(child)
        return host.mechanism == .cgroupV2
            ? CgroupFile.counter(dir + "/memory.events", "oom_kill")
            : CgroupFile.counter(dir + "/memory.oom_control", "oom_kill")
    }

    /// Removes the child's folders (best effort: a folder with a process left stays until the next sweep).
    func remove(child: String) {
        for root in Set(roots.values) { CgroupFile.removeDirectory(root + "/" + Self.folderName(child)) }
    }

    /// Removes every child folder and the supervisor's own.
    func removeAll() {
        for root in Set(roots.values) {
            CgroupFile.subdirectories(root).forEach { CgroupFile.removeDirectory(root + "/" + $0) }
            CgroupFile.removeDirectory(root)
        }
    }
}
