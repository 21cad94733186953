import CSandbox
import Foundation
@testable import HostCore
import LightningProtocol
import LightningTestSupport
import Logging
import Testing

/// Finding the cgroups a daemon can use, on fake `/proc` and `/sys/fs/cgroup` trees (issue 18,
/// item 12; docs/sandbox.md#limits).
@Suite struct CgroupDetectionTests {
    /// A fake root: `/proc/self/{cgroup,mountinfo}` and the folders they name.
    final class FakeRoot {
        let path: String
        init(cgroup: String, mountinfo: String, folders: [String], files: [String: String] = [:]) throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("cgroup-fake-\(UUID().uuidString.prefix(8))").path
            let fm = FileManager.default
            try fm.createDirectory(atPath: path + "/proc/self", withIntermediateDirectories: true)
            try cgroup.write(toFile: path + "/proc/self/cgroup", atomically: true, encoding: .utf8)
            try mountinfo.write(toFile: path + "/proc/self/mountinfo", atomically: true, encoding: .utf8)
            for f in folders { try fm.createDirectory(atPath: path + f, withIntermediateDirectories: true) }
            for (f, text) in files { try text.write(toFile: path + f, atomically: true, encoding: .utf8) }
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
        func read(_ f: String) -> String? { try? String(contentsOfFile: path + f, encoding: .utf8) }
    }

    static let v1Mounts = """
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
        35 31 0:32 /outer /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """

    @Test func cgroupV1HierarchiesAreFoundBelowTheProcesssOwnCgroups() throws {
        let root = try FakeRoot(cgroup: "5:pids:/svc\n4:memory:/outer/svc\n2:cpu,cpuacct:/svc\n0::/\n", mountinfo: Self.v1Mounts,
                                folders: ["/sys/fs/cgroup/cpu,cpuacct/svc", "/sys/fs/cgroup/memory/svc", "/sys/fs/cgroup/pids/svc",
                                          "/sys/fs/cgroup/unified"],
                                files: ["/sys/fs/cgroup/unified/cgroup.controllers": "\n"])
        let host = CgroupHost.detect(root: root.path)
        #expect(host.mechanism == .cgroupV1, "\(host)")
        // The memory mount's root is /outer: the process's /outer/svc is its svc folder.
        #expect(host.bases[.memory] == root.path + "/sys/fs/cgroup/memory/svc")
        #expect(host.bases[.pids] == root.path + "/sys/fs/cgroup/pids/svc")
        #expect(host.bases[.cpu] == root.path + "/sys/fs/cgroup/cpu,cpuacct/svc")
        #expect(host.controllers == [.cpu, .memory, .pids])
        #expect(host.note == nil)
        // The probe folder it made to check writability is gone.
        #expect(CgroupFile.subdirectories(root.path + "/sys/fs/cgroup/memory/svc").isEmpty)
    }

    @Test func cgroupV2WithDelegatedControllersMovesTheDaemonToALeafAndEnablesThemBelow() throws {
        let dir = "/sys/fs/cgroup/system.slice/lightning.service"
        let root = try FakeRoot(cgroup: "0::/system.slice/lightning.service\n",
                                mountinfo: "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n",
                                folders: [dir, dir + "/lightning-daemon", dir + "/lightning-children"],
                                files: [dir + "/cgroup.controllers": "cpuset cpu io memory pids\n", dir + "/cgroup.subtree_control": "",
                                        dir + "/lightning-daemon/cgroup.procs": "", dir + "/lightning-children/cgroup.subtree_control": ""])
        let host = CgroupHost.detect(root: root.path)
        #expect(host.mechanism == .cgroupV2, "\(host)")
        #expect(host.controllers == [.cpu, .memory, .pids])
        #expect(host.bases[.memory] == root.path + dir + "/lightning-children")
        #expect(root.read(dir + "/lightning-daemon/cgroup.procs") == "\(getpid())")
        #expect(root.read(dir + "/cgroup.subtree_control") == "+memory +pids +cpu")
        #expect(root.read(dir + "/lightning-children/cgroup.subtree_control") == "+memory +pids +cpu")
    }

    @Test func withoutDelegatedControllersOrV1HierarchiesLimitsAreRlimitsAndTheNoteSaysWhy() throws {
        let root = try FakeRoot(cgroup: "0::/user.slice\n",
                                mountinfo: "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n",
                                folders: ["/sys/fs/cgroup/user.slice"],
                                files: ["/sys/fs/cgroup/user.slice/cgroup.controllers": "cpu io\n"])
        let host = CgroupHost.detect(root: root.path)
        #expect(host.mechanism == .rlimits)
        #expect(host.bases.isEmpty)
        let note = try #require(host.note)
        #expect(note.contains("does not delegate the memory and pids controllers"), "\(note)")
        #expect(note.contains("no cgroup v1 memory hierarchy"), "\(note)")
    }

    @Test func aV1HierarchyThatCannotBeWrittenIsNamedInTheNote() throws {
        // The pids folder named by /proc/self/cgroup does not exist: mkdir below it fails.
        let root = try FakeRoot(cgroup: "5:pids:/gone\n4:memory:/svc\n", mountinfo: Self.v1Mounts,
                                folders: ["/sys/fs/cgroup/memory/svc"])
        let host = CgroupHost.detect(root: root.path)
        #expect(host.mechanism == .rlimits)
        #expect(host.note?.contains("cannot create a pids cgroup in \(root.path)/sys/fs/cgroup/pids/gone") == true, "\(host.note ?? "-")")
    }

    @Test func mountinfoPathsAreUnescaped() {
        let m = CgroupHost.parseMounts("35 31 0:32 / /sys/fs/cgroup/with\\040space rw - cgroup cgroup rw,memory\n40 1 0:1 / / rw - ext4 /dev/vda rw\n")
        #expect(m == [CgroupHost.CgroupMount(root: "/", mountPoint: "/sys/fs/cgroup/with space", version2: false, controllers: ["rw", "memory"])])
    }

    @Test func childFolderNamesAreSafe() {
        #expect(ChildCgroups.folderName("fn:resize#3") == "c-fn_resize_3")
        #expect(ChildCgroups.folderName("../../etc") == "c-.._.._etc")
    }

    @Test func cpuPercentIsRefusedWithoutACPUController() {
        let support = SandboxSupport.current
        let policy = SandboxPolicy(profile: .none, limits: .init(cpuPercent: 50))
        let refusal = support.refusal(for: policy, cgroups: nil)
        #expect(refusal?.contains("cpu_percent\": needs the cpu cgroup controller") == true, "\(refusal ?? "-")")
        let noCPU = CgroupHost(mechanism: .cgroupV1, bases: [.memory: "/m", .pids: "/p"], note: "no cpu controller")
        #expect(support.refusal(for: policy, cgroups: noCPU)?.contains("no cpu controller") == true)
        let withCPU = CgroupHost(mechanism: .cgroupV1, bases: [.memory: "/m", .pids: "/p", .cpu: "/c"], note: nil)
        #expect(support.refusal(for: policy, cgroups: withCPU) == nil)
    }

    @Test func withCgroupsMemoryAndProcessesAreNotRlimits() {
        let policy = SandboxPolicy(profile: .strict)
        let rl = { (host: CgroupHost?) in SupervisedChild.rlimits(policy, cgroups: host).map(\.0) }
        let v1 = CgroupHost(mechanism: .cgroupV1, bases: [.memory: "/m", .pids: "/p"], note: nil)
        #expect(rl(nil).contains(Int32(LT_RLIMIT_AS)) && rl(nil).contains(Int32(LT_RLIMIT_NPROC)))
        #expect(!rl(v1).contains(Int32(LT_RLIMIT_AS)) && !rl(v1).contains(Int32(LT_RLIMIT_NPROC)))
        #expect(rl(v1).contains(Int32(LT_RLIMIT_CPU)) && rl(v1).contains(Int32(LT_RLIMIT_NOFILE)))
    }

    @Test func anOOMKillIsReportedAsACertainMemoryLimit() {
        let r = SandboxExit.oomKilled(ExitStatus(signal: SIGKILL), limits: .init(memoryMB: 64), kills: 1)
        #expect(r == "memory limit (64 MB, cgroup): killed by the kernel's OOM killer (1 kill; killed by signal 9 (SIGKILL))")
        #expect(SandboxExit.oomKilled(ExitStatus(code: 0), limits: .init(memoryMB: 64), kills: 1) == nil)
    }
}

/// Children limited by the host's real cgroups (skipped where the daemon has none; CI sets
/// `LT_REQUIRE_CGROUPS=1`, which turns the skip into a failure).
@Suite(.serialized, .timeLimit(.minutes(5)))
struct CgroupLimitsTests {
    static var available: Bool { CgroupHost.current.mechanism != .rlimits }

    @Test func cgroupsAreAvailableWhenRequired() {
        guard ProcessInfo.processInfo.environment["LT_REQUIRE_CGROUPS"] == "1" else { return }
        #expect(Self.available, "cgroups are required here (LT_REQUIRE_CGROUPS=1): \(CgroupHost.current.note ?? "-")")
    }

    /// A supervisor with the host's cgroups, and a child of it.
    static func supervised(_ f: SandboxFixture, _ mode: [String], profile: SandboxPolicy.Profile,
                           _ tweak: @escaping (inout SandboxPolicy.Limits) -> Void) throws -> (Supervisor, SupervisedChild) {
        let sup = Supervisor(services: .init(host: f.host, publish: { f.host.published($0) }), programDirs: [TestChildren.products],
                             dataDirectory: f.dataDir, cgroups: CgroupHost.current, logger: Logger(label: "test"))
        let c = f.child(mode, profile: profile) { tweak(&$0.sandbox.limits) }
        let child = SupervisedChild(name: c.name, manifestId: c.manifestId, kind: c.kind, spec: c.spec, program: c.program,
                                    arguments: c.arguments, environment: c.environment, config: c.config, services: sup.services,
                                    logger: Logger(label: "test"))
        return (sup, child)
    }

    @Test(.enabled(if: available)) func aMemoryHogIsOOMKilledAtItsCgroupLimitAndReportedSo() async throws {
        let f = try SandboxFixture()
        let (sup, c) = try Self.supervised(f, ["cgroup-memory-hog"], profile: .strict) { $0.memoryMB = 96 }
        #expect(sup.limits.mechanism == CgroupHost.current.mechanism)
        await sup.launch(c)
        await eventually("stopped", timeout: .seconds(60)) { c.snapshot.state == .stopped }
        let exit = try #require(c.snapshot.lastExit)
        #expect(exit.reason.hasPrefix("memory limit (96 MB, cgroup): killed by the kernel's OOM killer"), "\(exit.reason)")
        #expect(exit.status.signal == SIGKILL)
        #expect(c.snapshot.limits == CgroupHost.current.mechanism.rawValue)
        // It grew past the limit's worth of 16 MiB arrays only in address space, never in memory.
        let grown = exit.stderrTail.compactMap { l in l.hasPrefix("memory-hog: ") ? Int(l.dropFirst(12).split(separator: " ")[0]) : nil }.max() ?? 0
        #expect(grown <= 96, "\(exit.stderrTail)")
        let event = try #require(f.host.processEvents("process.exited").last)
        #expect(event.data["reason"]?.stringValue == exit.reason)
        await sup.remove(c.name)
    }

    @Test(.enabled(if: available)) func aForkBombIsContainedByPidsMax() async throws {
        let f = try SandboxFixture()
        let (sup, c) = try Self.supervised(f, ["fork-bomb"], profile: .strict) { $0.processes = 24 }
        await sup.launch(c)
        await eventually("stopped", timeout: .seconds(60)) { c.snapshot.state == .stopped }
        let exit = try #require(c.snapshot.lastExit)
        let line = try #require(exit.stderrTail.first { $0.hasPrefix("fork-bomb: fork failed after") }, "\(exit)")
        #expect(line.hasSuffix("Resource temporarily unavailable"), "\(line)")
        // pids.max counts every task of the cgroup: the sandbox's two outer processes, the program, its forks.
        let forks = Int(line.split(separator: " ")[4]) ?? .max
        #expect(forks < 24, "\(line)")
        await eventually("no bomb left") { processes(withCommandLineContaining: "lt-test-child fork-bomb").isEmpty }
        await sup.remove(c.name)
    }

    @Test(.enabled(if: available)) func limitsAreWrittenIntoTheChildsCgroupsAndTheFoldersGoWithTheChild() async throws {
        let f = try SandboxFixture()
        let (sup, c) = try Self.supervised(f, ["well"], profile: .none) { $0.memoryMB = 200; $0.processes = 40 }
        await sup.launch(c)
        #expect(await c.waitReady(timeout: .seconds(60)), "\(c.snapshot.lastExit?.reason ?? "-")")
        let cgroups = try #require(sup.services.cgroups)
        let memory = try #require(cgroups.roots[.memory]) + "/" + ChildCgroups.folderName(c.name)
        let pids = try #require(cgroups.roots[.pids]) + "/" + ChildCgroups.folderName(c.name)
        let pid = try #require(c.snapshot.pid)
        let v2 = cgroups.host.mechanism == .cgroupV2
        #expect(CgroupFile.read(memory + (v2 ? "/memory.max" : "/memory.limit_in_bytes"))?.trimmingCharacters(in: .whitespacesAndNewlines) == "\(200 << 20)")
        #expect(CgroupFile.read(pids + "/pids.max")?.trimmingCharacters(in: .whitespacesAndNewlines) == "40")
        #expect(CgroupFile.read(memory + "/cgroup.procs")?.split(separator: "\n").contains("\(pid)") == true)
        // The child's own view: /proc/self/cgroup names the folder.
        let own = try String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)
        #expect(own.contains("/" + ChildCgroups.folderName(c.name)), "\(own)")
        await sup.remove(c.name)
        await eventually("folder removed") { !FileManager.default.fileExists(atPath: memory) }
    }
}
