import Foundation
import LightningProtocol

/// The `sandbox` section of an agent or function manifest: how isolated the child runs
/// (docs/sandbox.md).
///
/// ```json
/// "sandbox": {
///   "profile": "strict",                      // none | standard | strict
///   "network": false,                         // default: true for standard, false for strict
///   "paths": [{"path": "/srv/models", "mode": "ro"}, {"path": "${manifest_dir}/cache", "mode": "rw"}],
///   "limits": {"memory_mb": 512, "cpu_seconds": 60, "cpu_percent": 50, "open_files": 256, "processes": 32,
///              "file_size_mb": 64, "wall_clock_ms": 600000, "tmp_mb": 64}
/// }
/// ```
public struct SandboxPolicy: Sendable, Equatable {
    /// How much isolation. See docs/sandbox.md for exactly what each allows.
    public enum Profile: String, Sendable, CaseIterable, Codable {
        /// A plain child process (own process group, clean environment and descriptors, dies
        /// with the daemon) plus the limits the manifest declares.
        case none
        /// Namespaces, a user namespace of its own as nobody, seccomp, no_new_privs, Landlock when
        /// the kernel has it; the host's filesystem read-only minus /root, /home, /run, the
        /// daemon's data directory and /etc/shadow; network on unless turned off.
        case standard
        /// As standard, but the root holds only what the program needs (system libraries, its
        /// own folder, its runtime, declared paths); network off unless turned on; Landlock
        /// required; default limits.
        case strict

        /// Whether the network is allowed when the manifest does not say.
        public var defaultNetwork: Bool { self != .strict }
    }

    /// An extra path made visible in the sandbox at the same place.
    public struct PathRule: Sendable, Equatable {
        public var path: String
        public var writable: Bool
        public init(path: String, writable: Bool) { self.path = path; self.writable = writable }
    }

    /// Resource limits. `nil` = the profile's default (docs/sandbox.md#limits).
    public struct Limits: Sendable, Equatable {
        /// MiB: the memory cgroup's limit (resident memory and page cache; OOM kill past it) where
        /// the host has cgroups (`CgroupHost`), else RLIMIT_AS (address space).
        public var memoryMB: Int?
        /// RLIMIT_CPU: SIGXCPU after this many CPU seconds, SIGKILL one second later.
        public var cpuSeconds: Int?
        /// RLIMIT_NOFILE.
        public var openFiles: Int?
        /// Processes and threads: the pids cgroup's `pids.max` where the host has cgroups, else
        /// RLIMIT_NPROC (of the sandbox's uid in its user namespace).
        public var processes: Int?
        /// CPU bandwidth in percent of one CPU (150 = one and a half): the cpu cgroup's quota.
        /// Needs cgroups; a child asking for it on a host without them is refused.
        public var cpuPercent: Int?
        /// RLIMIT_FSIZE, MiB: a write past it raises SIGXFSZ.
        public var fileSizeMB: Int?
        /// Killed by the supervisor this long after each start.
        public var wallClockMs: Int?
        /// Size of the private /tmp (tmpfs), MiB.
        public var tmpMB: Int?

        public init(memoryMB: Int? = nil, cpuSeconds: Int? = nil, openFiles: Int? = nil, processes: Int? = nil,
                    fileSizeMB: Int? = nil, wallClockMs: Int? = nil, tmpMB: Int? = nil, cpuPercent: Int? = nil) {
            self.memoryMB = memoryMB; self.cpuSeconds = cpuSeconds; self.openFiles = openFiles; self.processes = processes
            self.cpuPercent = cpuPercent
            self.fileSizeMB = fileSizeMB; self.wallClockMs = wallClockMs; self.tmpMB = tmpMB
        }

        /// `self`, with the fields it leaves `nil` taken from `defaults`.
        public func over(_ defaults: Limits) -> Limits {
            Limits(memoryMB: memoryMB ?? defaults.memoryMB, cpuSeconds: cpuSeconds ?? defaults.cpuSeconds,
                   openFiles: openFiles ?? defaults.openFiles, processes: processes ?? defaults.processes,
                   fileSizeMB: fileSizeMB ?? defaults.fileSizeMB, wallClockMs: wallClockMs ?? defaults.wallClockMs,
                   tmpMB: tmpMB ?? defaults.tmpMB, cpuPercent: cpuPercent ?? defaults.cpuPercent)
        }
    }

    public var profile: Profile
    /// `nil` = the profile's default.
    public var network: Bool?
    public var paths: [PathRule]
    public var limits: Limits
    /// Set by the supervisor: the child's writable home, `<data_dir>/scratch/<name>`, seen as
    /// `/scratch` inside (standard and strict).
    public var scratchDirectory: String?
    /// Set by the supervisor: paths never visible inside (the daemon's data directory).
    public var hiddenPaths: [String]

    public init(profile: Profile = .none, network: Bool? = nil, paths: [PathRule] = [], limits: Limits = Limits(),
                scratchDirectory: String? = nil, hiddenPaths: [String] = []) {
        self.profile = profile; self.network = network; self.paths = paths; self.limits = limits
        self.scratchDirectory = scratchDirectory; self.hiddenPaths = hiddenPaths
    }

    public var allowsNetwork: Bool { network ?? profile.defaultNetwork }

    /// The limits in force: the declared ones over the profile's defaults.
    public var effectiveLimits: Limits { limits.over(Self.defaultLimits(profile)) }

    /// The limits a profile sets when the manifest does not.
    public static func defaultLimits(_ p: Profile) -> Limits {
        switch p {
        case .none: return Limits()
        case .standard: return Limits(openFiles: 4096, processes: 512, tmpMB: 256)
        // 600 s of CPU per run: a program spinning in a loop is stopped (SIGXCPU, then restarted by
        // its policy) instead of burning a core for ever; an event-driven agent at 1 % CPU reaches it
        // only after ~17 hours. A manifest raises it with `limits.cpu_seconds` (up to a year).
        case .strict: return Limits(memoryMB: 4096, cpuSeconds: 600, openFiles: 1024, processes: 128, fileSizeMB: 1024, tmpMB: 64)
        }
    }

    /// Reads the `sandbox` object, recording every problem in `c`. A missing section, or one
    /// without `profile`, takes `defaultProfile` (strict for agents and functions: the
    /// supervisor passes the daemon's `sandbox_default`). Relative paths and `${manifest_dir}` are
    /// resolved against `manifestDir`.
    static func parse(_ value: JSONValue?, manifestDir: String, defaultProfile: Profile = .none, _ c: inout FieldChecker) -> SandboxPolicy {
        var policy = SandboxPolicy(profile: defaultProfile)
        guard let value else { return policy }
        guard case .object(let o) = value else { c.fail("sandbox", "an object", value.typeDescription); return policy }
        let known = ["profile", "network", "paths", "limits"]
        for key in o.keys.sorted() where !known.contains(key) { c.fail("sandbox.\(key)", "one of \(known.joined(separator: ", "))", "an unknown field") }
        if let p = c.string(o, "profile", required: false, prefix: "sandbox") {
            if let v = Profile(rawValue: p) { policy.profile = v } else {
                c.fail("sandbox.profile", "\"none\", \"standard\" or \"strict\"", "\"\(p)\"")
            }
        }
        if let n = o["network"] {
            if let b = n.boolValue { policy.network = b } else { c.fail("sandbox.network", "a boolean", n.typeDescription) }
        }
        if let v = o["paths"] {
            if case .array(let a) = v {
                for (i, e) in a.enumerated() {
                    if let rule = parsePath(e, "sandbox.paths[\(i)]", manifestDir: manifestDir, &c) { policy.paths.append(rule) }
                }
            } else { c.fail("sandbox.paths", "an array of {\"path\", \"mode\"} objects", v.typeDescription) }
        }
        if let v = o["limits"] {
            if case .object(let l) = v {
                let keys = ["memory_mb", "cpu_seconds", "cpu_percent", "open_files", "processes", "file_size_mb", "wall_clock_ms", "tmp_mb"]
                for key in l.keys.sorted() where !keys.contains(key) { c.fail("sandbox.limits.\(key)", "one of \(keys.joined(separator: ", "))", "an unknown field") }
                let pre = "sandbox.limits"
                policy.limits.memoryMB = c.int(l, "memory_mb", required: false, range: 16...1_048_576, prefix: pre)
                policy.limits.cpuSeconds = c.int(l, "cpu_seconds", required: false, range: 1...31_536_000, prefix: pre)
                policy.limits.cpuPercent = c.int(l, "cpu_percent", required: false, range: 1...100_000, prefix: pre)
                policy.limits.openFiles = c.int(l, "open_files", required: false, range: 16...1_048_576, prefix: pre)
                policy.limits.processes = c.int(l, "processes", required: false, range: 1...1_000_000, prefix: pre)
                policy.limits.fileSizeMB = c.int(l, "file_size_mb", required: false, range: 1...16_777_216, prefix: pre)
                policy.limits.wallClockMs = c.int(l, "wall_clock_ms", required: false, range: 1...31_536_000_000, prefix: pre)
                policy.limits.tmpMB = c.int(l, "tmp_mb", required: false, range: 1...65_536, prefix: pre)
            } else { c.fail("sandbox.limits", "an object", v.typeDescription) }
        }
        return policy
    }

    private static func parsePath(_ e: JSONValue, _ field: String, manifestDir: String, _ c: inout FieldChecker) -> PathRule? {
        guard case .object(let p) = e else { c.fail(field, "an object {\"path\", \"mode\"}", e.typeDescription); return nil }
        for key in p.keys.sorted() where !["path", "mode"].contains(key) { c.fail("\(field).\(key)", "path or mode", "an unknown field") }
        guard let raw = c.string(p, "path", required: true, prefix: field) else { return nil }
        let expanded = raw.replacingOccurrences(of: "${manifest_dir}", with: manifestDir)
        let path = URL(fileURLWithPath: expanded, relativeTo: URL(fileURLWithPath: manifestDir, isDirectory: true)).standardizedFileURL.path
        var writable = false
        if let m = c.string(p, "mode", required: false, prefix: field) {
            switch m {
            case "ro": writable = false
            case "rw": writable = true
            default: c.fail("\(field).mode", "\"ro\" or \"rw\"", "\"\(m)\"")
            }
        }
        guard path != "/" else { c.fail("\(field).path", "a path other than /", "\"\(raw)\""); return nil }
        guard FileManager.default.fileExists(atPath: path) else { c.fail("\(field).path", "an existing file or directory", "\"\(raw)\" (\(path) does not exist)"); return nil }
        return PathRule(path: path, writable: writable)
    }
}
