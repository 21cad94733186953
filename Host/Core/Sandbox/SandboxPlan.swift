import CSandbox
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The concrete sandbox for one start of a child: the namespaces, the new root (mount by mount),
/// the Landlock rules and the program as seen inside. Computed in Swift, executed by the C
/// launcher (`Host/CSandbox`) between fork and exec.
///
/// ```
///  SandboxPolicy (manifest) ─┐
///  program, args, env ───────┼─▶ SandboxPlan.make ─▶ LaunchSpec.sandbox ─▶ lt_spawn ─▶ S ─▶ C ─▶ D
///  RuntimeDiscovery ─────────┘        (binds, masks, /dev, /proc, /tmp, /scratch, Landlock, flags)
/// ```
struct SandboxPlan: Sendable, Equatable {
    struct Mount: Sendable, Equatable {
        var kind: Int32
        var source: String?
        var target: String
        var isDirectory = true
    }

    struct Rule: Sendable, Equatable {
        var path: String
        var access: Int32
    }

    var profile: SandboxPolicy.Profile
    var flags: UInt32
    var uid: UInt32 = 65534
    var gid: UInt32 = 65534
    var hostname: String
    var baseDir = "/tmp"
    var mounts: [Mount]
    var landlock: [Rule]
    var landlockHandlesNetwork: Bool
    /// The file to execve, as seen inside (binds keep host paths, so also outside).
    var executable: String
    var environment: [String: String]
    var workingDirectory: String

    /// Where a sandboxed child's writable home appears.
    static let scratchMount = "/scratch"
    /// Files hidden even when their folder is visible (standard profile).
    static let secrets = ["/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/sudoers.d", "/etc/ssh"]
    /// Top-level folders of the host that the standard profile does not show.
    static let standardExcluded: Set = ["proc", "sys", "dev", "tmp", "run", "var/run", "mnt", "media", "root", "home", "boot", "lost+found", "old_root"]

    /// A problem building the plan (a path that cannot be shown, a missing kernel feature).
    struct PlanError: Error, CustomStringConvertible {
        let description: String
    }

    /// Builds the plan for `policy` (standard or strict).
    /// - Parameters:
    ///   - manifestEnv: the manifest's `process.env`, which wins over the sandbox's HOME, TMPDIR, PATH.
    ///   - landlockABI: the kernel's Landlock ABI (0 = none).
    /// - Throws: `PlanError` when strict needs Landlock and the kernel has none.
    static func make(policy: SandboxPolicy, program: String, arguments: [String], environment: [String: String],
                     manifestEnv: [String: String], workingDirectory: String?, name: String, landlockABI: Int) throws -> SandboxPlan {
        precondition(policy.profile != .none, "profile none has no sandbox plan")
        let strict = policy.profile == .strict
        if strict && landlockABI < 1 { throw PlanError(description: "profile strict needs Landlock, which this kernel does not offer") }
        var b = Builder()
        let fm = FileManager.default

        // 1. The base: the system (strict) or the host's top-level folders (standard).
        if strict {
            for p in ["/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"] { b.system(p) }
            for p in ["/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/localtime"] { b.system(p) }
            if policy.allowsNetwork {
                for p in ["/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/services", "/etc/protocols", "/etc/gai.conf",
                          "/etc/host.conf", "/etc/ssl", "/etc/ca-certificates", "/etc/pki"] { b.system(p) }
            }
        } else {
            let entries = (try? fm.contentsOfDirectory(atPath: "/")) ?? []
            for e in entries.sorted() where !standardExcluded.contains(e) {
                let p = "/" + e
                var isDir: ObjCBool = false
                if (try? fm.destinationOfSymbolicLink(atPath: p)) != nil || (fm.fileExists(atPath: p, isDirectory: &isDir) && isDir.boolValue) {
                    b.system(p)
                }
            }
        }

        // 2. What this program needs: its folder, its runtime, its script, its working directory.
        let runtime = RuntimeDiscovery.runtime(of: program)
        let executable = URL(fileURLWithPath: runtime.executable).resolvingSymlinksInPath().path
        b.bind(RuntimeDiscovery.dirname(executable))
        runtime.folders.forEach { b.bind($0) }
        if runtime.isPython, let script = pythonScript(arguments), fm.fileExists(atPath: script) {
            b.bind(RuntimeDiscovery.dirname(URL(fileURLWithPath: script).resolvingSymlinksInPath().path))
        }
        for key in ["LD_LIBRARY_PATH", "PYTHONPATH"] {
            for p in (environment[key] ?? "").split(separator: ":") where p.hasPrefix("/") && fm.fileExists(atPath: String(p)) {
                b.bind(String(p))
            }
        }
        if let wd = workingDirectory { b.bind(wd) }
        for rule in policy.paths { b.bind(rule.path, writable: rule.writable) }

        // 3. Hidden: the daemon's data directory and the host's secrets, wherever a bind shows them.
        for h in policy.hiddenPaths + secrets { b.mask(h) }

        // 4. The fixed parts: /dev, /proc, /tmp, /scratch, and (strict) a passwd that knows nobody.
        var special: [Mount] = [
            Mount(kind: Int32(LT_MOUNT_TMPFS), source: "mode=0755,size=64k", target: "/dev"),
            Mount(kind: Int32(LT_MOUNT_TMPFS), source: "mode=1777,size=16m", target: "/dev/shm"),
        ]
        for d in ["null", "zero", "full", "random", "urandom"] where fm.fileExists(atPath: "/dev/\(d)") {
            special.append(Mount(kind: Int32(LT_MOUNT_BIND_DEV), source: "/dev/\(d)", target: "/dev/\(d)", isDirectory: false))
        }
        for (link, to) in [("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")] {
            special.append(Mount(kind: Int32(LT_MOUNT_SYMLINK), source: to, target: "/dev/\(link)"))
        }
        special.append(Mount(kind: Int32(LT_MOUNT_PROC), source: nil, target: "/proc"))
        let tmpMB = policy.effectiveLimits.tmpMB ?? 64
        special.append(Mount(kind: Int32(LT_MOUNT_TMPFS), source: "mode=1777,size=\(tmpMB)m", target: "/tmp"))
        if let scratch = policy.scratchDirectory {
            special.append(Mount(kind: Int32(LT_MOUNT_BIND_RW), source: scratch, target: scratchMount))
        }
        if strict {
            special.append(Mount(kind: Int32(LT_MOUNT_FILE), source: "root:x:0:0:root:/root:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:\(scratchMount):/usr/sbin/nologin\n", target: "/etc/passwd", isDirectory: false))
            special.append(Mount(kind: Int32(LT_MOUNT_FILE), source: "root:x:0:\nnogroup:x:65534:\n", target: "/etc/group", isDirectory: false))
        }

        // 5. Landlock: read everywhere it can see, write only in its own places.
        var rules: [Rule] = [Rule(path: "/", access: Int32(LT_LANDLOCK_READ)), Rule(path: "/dev", access: Int32(LT_LANDLOCK_DEVICE)),
                             Rule(path: "/dev/shm", access: Int32(LT_LANDLOCK_WRITE)), Rule(path: "/tmp", access: Int32(LT_LANDLOCK_WRITE))]
        if policy.scratchDirectory != nil { rules.append(Rule(path: scratchMount, access: Int32(LT_LANDLOCK_WRITE))) }
        for rule in policy.paths where rule.writable { rules.append(Rule(path: URL(fileURLWithPath: rule.path).resolvingSymlinksInPath().path, access: Int32(LT_LANDLOCK_WRITE))) }

        var flags = UInt32(LT_SANDBOX_USER_NS | LT_SANDBOX_PID_NS | LT_SANDBOX_IPC_NS | LT_SANDBOX_UTS_NS | LT_SANDBOX_MOUNT_NS)
            | UInt32(LT_SANDBOX_NO_NEW_PRIVS | LT_SANDBOX_SECCOMP)
        flags |= policy.allowsNetwork ? UInt32(LT_SANDBOX_ALLOW_INET) : UInt32(LT_SANDBOX_NET_NS)
        if landlockABI >= 1 { flags |= UInt32(LT_SANDBOX_LANDLOCK) }

        var env = environment
        let home = policy.scratchDirectory != nil ? scratchMount : "/"
        if manifestEnv["HOME"] == nil { env["HOME"] = home }
        if manifestEnv["TMPDIR"] == nil { env["TMPDIR"] = "/tmp" }
        if strict, manifestEnv["PATH"] == nil { env["PATH"] = "/usr/local/bin:/usr/bin:/bin:" + RuntimeDiscovery.dirname(executable) }
        let cwd = workingDirectory.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path } ?? home

        // Binds under /tmp (a program built in /tmp, a declared path there) go after the fresh
        // tmpfs on /tmp, or it would hide them.
        let binds = b.ordered()
        let underTmp = binds.filter { Builder.inside($0.target, "/tmp") && $0.target != "/tmp" }
        let mounts = binds.filter { !(Builder.inside($0.target, "/tmp") && $0.target != "/tmp") } + special + underTmp
        return SandboxPlan(profile: policy.profile, flags: flags, hostname: hostname(for: name), mounts: mounts,
                           landlock: rules, landlockHandlesNetwork: !policy.allowsNetwork, executable: executable,
                           environment: env, workingDirectory: cwd)
    }

    /// The script a Python runs: its first argument that is not an option (none for -c and -m).
    static func pythonScript(_ args: [String]) -> String? {
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "-c" || a == "-m" { return nil }
            if a == "-W" || a == "-X" || a == "--check-hash-based-pycs" { i += 2; continue }
            if a.hasPrefix("-") && a != "-" { i += 1; continue }
            return a.hasPrefix("/") ? a : nil
        }
        return nil
    }

    static func hostname(for name: String) -> String {
        let cleaned = String(name.lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" }.prefix(56))
        return "lt-" + (cleaned.isEmpty ? "child" : cleaned)
    }

    /// Binds and masks, deduplicated and ordered parents first (a mask after the bind that shows
    /// its path, before the binds inside it).
    struct Builder {
        private var binds: [(path: String, writable: Bool, symlink: String?, isDir: Bool)] = []
        private var masks: [String] = []

        /// A system path: recreated as the same symlink if it is one (`/lib -> usr/lib`), bound
        /// read-only otherwise; absent ones are skipped.
        mutating func system(_ p: String) {
            if let link = try? FileManager.default.destinationOfSymbolicLink(atPath: p) {
                binds.append((p, false, link, false))
                // An absolute link resolves inside the new root: show its target too.
                if link.hasPrefix("/") { bind(p) }
            } else {
                bind(p)
            }
        }

        /// A host path shown at its own (real) path; absent ones are skipped.
        mutating func bind(_ p: String, writable: Bool = false) {
            let real = URL(fileURLWithPath: p).resolvingSymlinksInPath().path
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: real, isDirectory: &isDir) else { return }
            binds.append((real, writable, nil, isDir.boolValue))
        }

        mutating func mask(_ p: String) { masks.append(URL(fileURLWithPath: p).resolvingSymlinksInPath().path) }

        static func inside(_ p: String, _ dir: String) -> Bool { p == dir || dir == "/" || p.hasPrefix(dir + "/") }
        static func depth(_ p: String) -> Int { p.split(separator: "/").count }

        func ordered() -> [Mount] {
            // Merge duplicates (writable wins); drop a read-only bind inside another bind unless a
            // mask lies between them (then it re-exposes what the mask hides, on purpose).
            var merged: [String: (writable: Bool, symlink: String?, isDir: Bool)] = [:]
            for b in binds {
                if let old = merged[b.path] { merged[b.path] = (old.writable || b.writable, old.symlink ?? b.symlink, b.isDir) }
                else { merged[b.path] = (b.writable, b.symlink, b.isDir) }
            }
            let realBinds = merged.filter { $0.value.symlink == nil }
            var kept: [Mount] = []
            for (path, b) in merged {
                if let link = b.symlink {
                    kept.append(Mount(kind: Int32(LT_MOUNT_SYMLINK), source: link, target: path))
                    continue
                }
                let covered = realBinds.contains { other in
                    other.key != path && Self.inside(path, other.key) && other.value.writable == b.writable
                        && !masks.contains { Self.inside($0, other.key) && path != $0 && Self.inside(path, $0) }
                }
                if !covered {
                    kept.append(Mount(kind: Int32(b.writable ? LT_MOUNT_BIND_RW : LT_MOUNT_BIND_RO), source: path, target: path, isDirectory: b.isDir))
                }
            }
            // A mask only where a bind shows its path.
            for m in Set(masks) where realBinds.keys.contains(where: { Self.inside(m, $0) && $0 != m }) || realBinds.keys.contains(m) {
                kept.append(Mount(kind: Int32(LT_MOUNT_MASK), source: nil, target: m))
            }
            return kept.sorted { a, b in
                let (da, db) = (Self.depth(a.target), Self.depth(b.target))
                if da != db { return da < db }
                let (ma, mb) = (a.kind == Int32(LT_MOUNT_MASK), b.kind == Int32(LT_MOUNT_MASK))
                if ma != mb { return !ma }
                return a.target < b.target
            }
        }
    }
}
