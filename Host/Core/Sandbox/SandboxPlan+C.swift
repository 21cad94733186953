import CSandbox
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension SandboxPlan {
    /// Calls `body` with the plan as an `lt_sandbox_config` whose strings and arrays live until
    /// `body` returns (the C side retains nothing).
    func withCConfig<R>(_ body: (UnsafePointer<lt_sandbox_config>) throws -> R) rethrows -> R {
        var strings: [UnsafeMutablePointer<CChar>] = []
        defer { strings.forEach { free($0) } }
        func c(_ s: String?) -> UnsafePointer<CChar>? {
            guard let s, let p = strdup(s) else { return nil }
            strings.append(p)
            return UnsafePointer(p)
        }
        let cMounts = mounts.map { m in
            lt_sandbox_mount(kind: m.kind, source: c(m.source), target: c(m.target), source_is_dir: m.isDirectory ? 1 : 0)
        }
        let cRules = landlock.map { lt_landlock_rule(path: c($0.path), access: $0.access) }
        let host = c(hostname), base = c(baseDir)
        return try cMounts.withUnsafeBufferPointer { mp in
            try cRules.withUnsafeBufferPointer { rp in
                var cfg = lt_sandbox_config(
                    struct_size: UInt32(MemoryLayout<lt_sandbox_config>.size), flags: flags, uid: uid, gid: gid,
                    outer_uid: uid, outer_gid: gid, hostname: host, base_dir: base,
                    mounts: mp.baseAddress, mount_count: Int32(mp.count), landlock: rp.baseAddress, landlock_count: Int32(rp.count),
                    landlock_handle_net: landlockHandlesNetwork ? 1 : 0)
                return try body(&cfg)
            }
        }
    }

    /// A failed stage of the sandboxed spawn in words, naming the plan step.
    func describe(stage: Int32, step: Int32) -> String {
        func mount(_ i: Int32) -> String {
            guard i >= 0, Int(i) < mounts.count else { return "" }
            let m = mounts[Int(i)]
            let kind: String
            switch Int(m.kind) {
            case LT_MOUNT_BIND_RO: kind = "read-only bind of \(m.source ?? "")"
            case LT_MOUNT_BIND_RW: kind = "read-write bind of \(m.source ?? "")"
            case LT_MOUNT_BIND_DEV: kind = "device bind of \(m.source ?? "")"
            case LT_MOUNT_TMPFS: kind = "tmpfs"
            case LT_MOUNT_PROC: kind = "proc"
            case LT_MOUNT_SYMLINK: kind = "symlink to \(m.source ?? "")"
            case LT_MOUNT_FILE: kind = "file"
            case LT_MOUNT_MASK: kind = "mask"
            default: kind = "directory"
            }
            return " (\(kind) at \(m.target))"
        }
        switch Int(stage) {
        case LT_SANDBOX_STAGE_UNSHARE: return step == 1 ? "sandbox: unshare(user namespace)" : "sandbox: unshare(namespaces)"
        case LT_SANDBOX_STAGE_ID_MAP: return "sandbox: writing uid_map/gid_map"
        case LT_SANDBOX_STAGE_FORK_INIT: return "sandbox: fork (pid 1 of the namespace)"
        case LT_SANDBOX_STAGE_MOUNT_PRIVATE: return "sandbox: making mounts private"
        case LT_SANDBOX_STAGE_ROOT_TMPFS: return "sandbox: new root tmpfs in \(baseDir)"
        case LT_SANDBOX_STAGE_PIVOT: return "sandbox: pivot_root"
        case LT_SANDBOX_STAGE_MOUNT: return "sandbox: mount #\(step)" + mount(step)
        case LT_SANDBOX_STAGE_NETWORK: return "sandbox: bringing up lo"
        case LT_SANDBOX_STAGE_HOSTNAME: return "sandbox: sethostname"
        case LT_SANDBOX_STAGE_FORK_CHILD: return "sandbox: fork (the program)"
        case LT_SANDBOX_STAGE_SETID: return "sandbox: " + ["setgroups", "setresgid", "setresuid"][Int(max(0, min(2, step)))]
        case LT_SANDBOX_STAGE_NO_NEW_PRIVS: return "sandbox: prctl(PR_SET_NO_NEW_PRIVS)"
        case LT_SANDBOX_STAGE_LANDLOCK:
            return step >= 0 && Int(step) < landlock.count ? "sandbox: Landlock rule for \(landlock[Int(step)].path)" : "sandbox: Landlock"
        case LT_SANDBOX_STAGE_SECCOMP: return "sandbox: seccomp filter"
        case LT_SANDBOX_STAGE_CHDIR: return "sandbox: chdir(\(workingDirectory))"
        case LT_SANDBOX_STAGE_RLIMIT: return "sandbox: setrlimit #\(step)"
        case LT_SANDBOX_STAGE_EXEC: return "execve (in the sandbox)"
        default: return "sandbox stage \(stage)"
        }
    }
}
