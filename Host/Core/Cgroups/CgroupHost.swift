import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How this host can limit children's memory, processes and CPU: cgroup v2 when the daemon has a
/// delegated cgroup, cgroup v1 hierarchies when they are mounted and writable, rlimits otherwise
/// (docs/sandbox.md#limits). Found once per process by `current` and shown by `/health` (`limits`)
/// and `lightning ps` (LIMITS).
///
/// | found                                              | mechanism   | memory_mb is            |
/// |----------------------------------------------------|-------------|-------------------------|
/// | cgroup2 with memory and pids delegated, writable    | `cgroup-v2` | memory.max (resident)   |
/// | cgroup v1 memory and pids hierarchies, writable     | `cgroup-v1` | memory.limit_in_bytes   |
/// | neither                                             | `rlimits`   | RLIMIT_AS (address space) |
public struct CgroupHost: Sendable, Equatable {
    public enum Mechanism: String, Sendable, Codable, Equatable {
        case cgroupV2 = "cgroup-v2", cgroupV1 = "cgroup-v1", rlimits
    }

    /// The controllers children are limited with.
    public enum Controller: String, Sendable, CaseIterable, Codable, Comparable {
        case memory, pids, cpu
        public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    }

    public var mechanism: Mechanism
    /// Per controller, the folder this process may create child cgroups in (v2: the same folder
    /// for all). Empty for `rlimits`.
    public var bases: [Controller: String]
    /// Why cgroups are not used (for `rlimits`), or what is missing (e.g. no cpu controller).
    public var note: String?

    public var controllers: [Controller] { bases.keys.sorted() }
    public func has(_ c: Controller) -> Bool { bases[c] != nil }

    public static let rlimitsOnly = CgroupHost(mechanism: .rlimits, bases: [:], note: "cgroups turned off by the configuration (cgroups: off)")

    private static let cached = Locked<CgroupHost?>(nil)

    /// The mechanism of this process, found at the first call (a few file reads and one mkdir) and kept.
    public static var current: CgroupHost {
        cached.withLock { c in
            if let c { return c }
            let found = detect()
            c = found
            return found
        }
    }

    /// Finds the mechanism from `/proc/self/cgroup` and `/proc/self/mountinfo`. `root` is
    /// prepended to every path the files name (tests use a fake tree).
    public static func detect(root: String = "") -> CgroupHost {
        guard let cgroup = try? String(contentsOfFile: root + "/proc/self/cgroup", encoding: .utf8),
              let mounts = try? String(contentsOfFile: root + "/proc/self/mountinfo", encoding: .utf8) else {
            return CgroupHost(mechanism: .rlimits, bases: [:], note: "cannot read /proc/self/cgroup or /proc/self/mountinfo")
        }
        let membership = parseMembership(cgroup)
        let mountList = parseMounts(mounts)
        var why: [String] = []
        switch v2(membership: membership, mounts: mountList, root: root) {
        case .success(let host): return host
        case .failure(let e): why.append(e.text)
        }
        switch v1(membership: membership, mounts: mountList, root: root) {
        case .success(let host): return host
        case .failure(let e): why.append(e.text)
        }
        return CgroupHost(mechanism: .rlimits, bases: [:], note: why.joined(separator: "; "))
    }

    struct Refusal: Error { let text: String }

    /// One line of `/proc/self/mountinfo` that mounts a cgroup file system.
    struct CgroupMount: Equatable {
        var root: String
        var mountPoint: String
        var version2: Bool
        /// v1: the controllers in the super options (`rw,cpu,cpuacct` → cpu, cpuacct).
        var controllers: Set<String>
    }

    /// `/proc/self/cgroup`: hierarchy controllers (`""` for v2) → this process's path.
    static func parseMembership(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let f = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard f.count == 3 else { continue }
            out[String(f[1])] = String(f[2])
        }
        return out
    }

    /// The cgroup mounts of `/proc/self/mountinfo` (octal escapes in paths decoded).
    static func parseMounts(_ text: String) -> [CgroupMount] {
        text.split(separator: "\n").compactMap { line in
            let halves = line.components(separatedBy: " - ")
            guard halves.count == 2 else { return nil }
            let left = halves[0].split(separator: " "), right = halves[1].split(separator: " ")
            guard left.count >= 5, right.count >= 3 else { return nil }
            let type = right[0]
            guard type == "cgroup" || type == "cgroup2" else { return nil }
            let options = Set(right[2].split(separator: ",").map(String.init))
            return CgroupMount(root: unescape(String(left[3])), mountPoint: unescape(String(left[4])), version2: type == "cgroup2",
                               controllers: options)
        }
    }

    static func unescape(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out = "", chars = Array(s), i = 0
        while i < chars.count {
            if chars[i] == "\\", i + 3 < chars.count,
               let v = UInt8(String(chars[(i + 1)...(i + 3)]), radix: 8) {
                out.append(Character(UnicodeScalar(v))); i += 4
            } else { out.append(chars[i]); i += 1 }
        }
        return out
    }

    /// The folder of this process's cgroup in `mount`: the mount point plus the path below the
    /// mount's root; nil when the process's cgroup is outside what is mounted.
    static func folder(path: String, in mount: CgroupMount, root: String) -> String? {
        var rel = path
        if mount.root != "/" {
            guard path == mount.root || path.hasPrefix(mount.root + "/") else { return nil }
            rel = String(path.dropFirst(mount.root.count))
        }
        if rel.isEmpty || rel == "/" { return root + mount.mountPoint }
        return root + mount.mountPoint + rel
    }

    /// cgroup v2: the process's own cgroup must delegate memory and pids. The daemon moves itself
    /// into a leaf (`lightning-daemon`) so that its cgroup may enable controllers for its children
    /// (the "no internal processes" rule), and children go under `lightning-children`.
    static func v2(membership: [String: String], mounts: [CgroupMount], root: String) -> Result<CgroupHost, Refusal> {
        guard let path = membership[""], let mount = mounts.first(where: \.version2),
              let dir = folder(path: path, in: mount, root: root) else {
            return .failure(Refusal(text: "no cgroup v2 hierarchy holds this process"))
        }
        let available = Set((CgroupFile.read(dir + "/cgroup.controllers") ?? "").split(whereSeparator: \.isWhitespace).map(String.init))
        let wanted = Controller.allCases.filter { available.contains($0.rawValue) }
        guard wanted.contains(.memory), wanted.contains(.pids) else {
            return .failure(Refusal(text: "cgroup v2 at \(dir) does not delegate the memory and pids controllers (cgroup.controllers: \"\(available.sorted().joined(separator: " "))\")"))
        }
        let enable = wanted.map { "+" + $0.rawValue }.joined(separator: " ")
        let subtree = Set((CgroupFile.read(dir + "/cgroup.subtree_control") ?? "").split(whereSeparator: \.isWhitespace).map(String.init))
        if !wanted.allSatisfy({ subtree.contains($0.rawValue) }) {
            // Leave the cgroup to a leaf of our own, then enable the controllers below it.
            let leaf = dir + "/lightning-daemon"
            if let e = CgroupFile.makeDirectory(leaf) { return .failure(Refusal(text: "cgroup v2: cannot create \(leaf): \(e)")) }
            if let e = CgroupFile.write(leaf + "/cgroup.procs", "\(getpid())") {
                return .failure(Refusal(text: "cgroup v2: cannot move the daemon into \(leaf): \(e)"))
            }
            if let e = CgroupFile.write(dir + "/cgroup.subtree_control", enable) {
                return .failure(Refusal(text: "cgroup v2: cannot enable \(enable) in \(dir) (other processes share the daemon's cgroup?): \(e)"))
            }
        }
        let base = dir + "/lightning-children"
        if let e = CgroupFile.makeDirectory(base) { return .failure(Refusal(text: "cgroup v2: cannot create \(base): \(e)")) }
        if let e = CgroupFile.write(base + "/cgroup.subtree_control", enable) {
            return .failure(Refusal(text: "cgroup v2: cannot enable \(enable) in \(base): \(e)"))
        }
        var bases: [Controller: String] = [:]
        for c in wanted { bases[c] = base }
        return .success(CgroupHost(mechanism: .cgroupV2, bases: bases, note: wanted.contains(.cpu) ? nil : "no cpu controller: cpu_percent cannot be enforced"))
    }

    /// cgroup v1: a writable memory and pids hierarchy (cpu when there is one).
    static func v1(membership: [String: String], mounts: [CgroupMount], root: String) -> Result<CgroupHost, Refusal> {
        var bases: [Controller: String] = [:]
        var problems: [String] = []
        for c in Controller.allCases {
            guard let mount = mounts.first(where: { !$0.version2 && $0.controllers.contains(c.rawValue) }) else {
                problems.append("no cgroup v1 \(c.rawValue) hierarchy"); continue
            }
            let path = membership.first { key, _ in key.split(separator: ",").contains { $0 == c.rawValue } }?.value ?? "/"
            guard let dir = folder(path: path, in: mount, root: root) else { problems.append("the daemon's \(c.rawValue) cgroup is not mounted"); continue }
            let probe = dir + "/lightning-probe-\(getpid())"
            if let e = CgroupFile.makeDirectory(probe) { problems.append("cannot create a \(c.rawValue) cgroup in \(dir): \(e)"); continue }
            _ = CgroupFile.removeDirectory(probe)
            bases[c] = dir
        }
        guard bases[.memory] != nil, bases[.pids] != nil else {
            return .failure(Refusal(text: "cgroup v1: " + problems.joined(separator: "; ")))
        }
        return .success(CgroupHost(mechanism: .cgroupV1, bases: bases, note: bases[.cpu] == nil ? "no cpu controller: cpu_percent cannot be enforced" : nil))
    }
}

extension CgroupHost: Codable {
    enum CodingKeys: String, CodingKey { case mechanism, controllers, note }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mechanism = try c.decode(Mechanism.self, forKey: .mechanism)
        note = try c.decodeIfPresent(String.self, forKey: .note)
        bases = [:]
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mechanism, forKey: .mechanism)
        try c.encode(controllers, forKey: .controllers)
        try c.encodeIfPresent(note, forKey: .note)
    }
}
