import CSandbox
import Foundation
@testable import HostCore
import LightningProtocol
import LightningTestSupport
import Logging
import Testing

/// What a sandboxed child can see and do (docs/sandbox.md): it completes the handshake as
/// nobody with no capabilities, reads no secrets, writes only its scratch and /tmp, has no
/// network when it is off, cannot ptrace, gains nothing from a setuid binary; the kernel probe;
/// refusals; the Python example agent under strict.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct SandboxIsolationTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func thisHostOffersEveryProfile() {
        let s = SandboxSupport.current
        #expect(s.runningAsRoot && s.userNamespaces && s.pidNamespaces && s.mountNamespaces && s.networkNamespaces)
        #expect(s.seccomp && s.noNewPrivs)
        #expect(s.landlockABI >= 1)
        #expect(s.trialError == nil)
        #expect(s.profiles["strict"]?.available == true, "\(s.summary)")
        #expect(s.profiles["standard"]?.available == true)
        #expect(s.summary.hasPrefix("sandbox: user,pid,mount,net,ipc,uts namespaces; seccomp; landlock ABI"))
        let json = String(decoding: try! JSONEncoder().encode(s), as: UTF8.self)
        #expect(json.contains("\"landlock_abi\":") && json.contains("\"profiles\":"))
    }

    @Test(arguments: [SandboxPolicy.Profile.strict, .standard])
    func aWellBehavedChildCompletesTheHandshakeAsNobody(profile: SandboxPolicy.Profile) async throws {
        let f = try SandboxFixture()
        let c = f.child(["probe", "id"], profile: profile)
        c.start()
        #expect(await c.waitReady(timeout: .seconds(60)), "\(c.snapshot.lastExit?.reason ?? "-")")
        let id = try #require(SandboxFixture.probes(c)["id"])
        #expect(id.hasPrefix("uid=65534 euid=65534 gid=65534 groups=- capeff=0000000000000000 nnp=1 seccomp=2 pid=2 hostname=lt-sbx home=/scratch cwd=/scratch"), "\(id)")
        // Calls both ways still work: the child asks the host to store while we wait.
        #expect(try await c.event("test.store", ["k": "v"]).map(\.type) == ["test.stored"])
        #expect(try await c.event("test.echo", ["x": 1]).first?.data == ["x": 1])
        await c.stop()
        #expect(c.snapshot.state == .stopped)
        #expect(c.snapshot.lastExit?.status == ExitStatus(code: 0))
        #expect(f.host.processEvents("process.exited").last?.data["sandbox"]?.stringValue == profile.rawValue)
    }

    @Test(arguments: [SandboxPolicy.Profile.strict, .standard])
    func secretsAndTheDataDirectoryAreNotVisible(profile: SandboxPolicy.Profile) async throws {
        let f = try SandboxFixture()
        let secret = f.secret, data = f.dataDir.path
        let p = await SandboxFixture.probe(f.child(["probe", "read:/etc/shadow", "read:\(secret)", "list:\(data)", "read:/etc/hostname"], profile: profile))
        #expect(p["read:/etc/shadow"]?.hasPrefix("error:") == true, "\(p)")
        #expect(p["read:\(secret)"]?.hasPrefix("error:") == true, "\(p)")
        #expect(p["list:\(data)"]?.hasPrefix("error:") == true, "\(p)")
        // What the profiles differ in: standard shows the host's /etc, strict does not.
        #expect(p["read:/etc/hostname"]?.hasPrefix(profile == .strict ? "error:" : "ok") == true, "\(p)")
    }

    @Test(arguments: [SandboxPolicy.Profile.strict, .standard])
    func writesGoOnlyToScratchAndTmp(profile: SandboxPolicy.Profile) async throws {
        let f = try SandboxFixture()
        let products = BuildProducts.directory.path
        let checks = ["write:/scratch/note", "write:/tmp/note", "write:/etc/x", "write:/usr/x", "write:\(products)/x",
                      "write:\(f.dataDir.path)/x", "write:/x", "write:/dev/shm/x", "write:/dev/null"]
        let p = await SandboxFixture.probe(f.child(["probe"] + checks, profile: profile))
        for ok in ["write:/scratch/note", "write:/tmp/note", "write:/dev/shm/x", "write:/dev/null"] { #expect(p[ok] == "ok", "\(ok): \(p)") }
        for denied in checks.dropFirst(2).dropLast(2) { #expect(p[denied]?.hasPrefix("error:") == true, "\(denied): \(p)") }
        #expect(FileManager.default.fileExists(atPath: f.scratch("sbx").appendingPathComponent("note").path))
        #expect(!FileManager.default.fileExists(atPath: products + "/x"))
        #expect(!FileManager.default.fileExists(atPath: f.dataDir.path + "/x"))
    }

    @Test func noInetSocketAndNoLoopbackWhenTheNetworkIsOff() async throws {
        let (listener, port) = try Self.listener()
        defer { close(listener) }
        let f = try SandboxFixture()
        let checks = ["socket:inet", "socket:inet6", "connect:\(port)", "socket:unix"]
        let off = await SandboxFixture.probe(f.child(["probe"] + checks))
        #expect(off["socket:inet"] == "error: Operation not permitted", "\(off)")
        #expect(off["socket:inet6"] == "error: Operation not permitted")
        #expect(off["connect:\(port)"] == "error: Operation not permitted")
        #expect(off["socket:unix"] == "ok")
        // The same child with the network on reaches the port (so the test can tell).
        let on = await SandboxFixture.probe(f.child(["probe"] + checks, name: "sbx-net") { $0.sandbox.network = true })
        #expect(on["socket:inet"] == "ok", "\(on)")
        #expect(on["connect:\(port)"] == "ok", "\(on)")
    }

    @Test func ptraceIsDenied() async throws {
        let f = try SandboxFixture()
        let p = await SandboxFixture.probe(f.child(["probe", "ptrace:traceme", "ptrace:parent"]))
        #expect(p["ptrace:traceme"] == "error: Operation not permitted", "\(p)")
        #expect(p["ptrace:parent"] == "error: Operation not permitted", "\(p)")
    }

    @Test func aSetuidBinaryGainsNothing() async throws {
        let f = try SandboxFixture()
        // A setuid-root copy of id(1), shown to the child through sandbox.paths.
        let dir = f.dataDir.deletingLastPathComponent().appendingPathComponent("suid-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let id = dir.appendingPathComponent("id").path
        try copyProgram("/usr/bin/id", to: id)
        #expect(chown(id, 0, 0) == 0 && chmod(id, 0o4755) == 0)
        chmod(dir.path, 0o755)
        let p = await SandboxFixture.probe(f.child(["probe", "exec:\(id),-u", "exec:/usr/bin/id,-u"]) {
            $0.sandbox.paths = [.init(path: dir.path, writable: false)]
        })
        #expect(p["exec:\(id),-u"] == "exit=0 out=65534", "\(p)")
        #expect(p["exec:/usr/bin/id,-u"] == "exit=0 out=65534", "\(p)")
    }

    @Test(arguments: [SandboxPolicy.Profile.strict, .standard])
    func aProgramInsideTheDataDirectoryRunsWhileTheRestStaysHidden(profile: SandboxPolicy.Profile) async throws {
        // As a function deployed over the API may be (its manifest lives in <data_dir>/functions).
        let f = try SandboxFixture()
        let bin = f.dataDir.appendingPathComponent("functions/bin", isDirectory: true)
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try copyProgram(TestChildren.products.appendingPathComponent("lt-test-child").path, to: bin.appendingPathComponent("lt-test-child").path)
        for d in [f.dataDir.appendingPathComponent("functions"), bin] { chmod(d.path, 0o755) }
        let c = f.child(["probe", "read:\(f.secret)", "list:\(f.dataDir.path)"], profile: profile) {
            $0.command = bin.appendingPathComponent("lt-test-child").path
        }
        let moved = SupervisedChild(name: "sbx", manifestId: "sbx", kind: "agent", spec: c.spec, program: c.spec.command, arguments: c.spec.args,
                                    environment: c.environment, config: [:], services: .init(host: f.host, publish: { f.host.published($0) }),
                                    logger: Logger(label: "test"))
        let p = await SandboxFixture.probe(moved)
        #expect(p["read:\(f.secret)"]?.hasPrefix("error:") == true, "\(p)")
        #expect(p["list:\(f.dataDir.path)"].map { $0.hasPrefix("error:") || $0 == "ok 1 entries" } == true, "\(p)")
    }

    @Test func aDeclaredReadWritePathIsWritableAndNothingElseNew() async throws {
        let f = try SandboxFixture()
        let shared = f.dataDir.deletingLastPathComponent().appendingPathComponent("shared-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: shared) }
        #expect(chown(shared.path, 65534, 65534) == 0)
        let p = await SandboxFixture.probe(f.child(["probe", "write:\(shared.path)/out"]) {
            $0.sandbox.paths = [.init(path: shared.path, writable: true)]
        })
        #expect(p["write:\(shared.path)/out"] == "ok", "\(p)")
        #expect(FileManager.default.fileExists(atPath: shared.appendingPathComponent("out").path))
    }

    @Test func aSandboxThatCannotBeBuiltMarksTheChildFailed() async throws {
        let f = try SandboxFixture()
        let c = f.child(["well"]) { $0.restart = .permanent; $0.workingDir = "/nonexistent/dir" }
        c.start()
        await eventually("failed", timeout: .seconds(30)) { c.snapshot.state == .failed }
        #expect(c.snapshot.restarts == 0)
        #expect(c.snapshot.lastExit?.reason.hasSuffix("sandbox: chdir(/nonexistent/dir) failed: No such file or directory") == true,
                "\(c.snapshot.lastExit?.reason ?? "-")")
    }

    @Test func aProfileNeedingAMissingFeatureIsRefused() throws {
        var s = SandboxSupport.current
        s.landlockABI = 0
        #expect(s.refusal(for: SandboxPolicy(profile: .strict))?.contains("no Landlock (strict requires it") == true)
        #expect(s.refusal(for: SandboxPolicy(profile: .standard)) == nil)
        s.networkNamespaces = false
        #expect(s.refusal(for: SandboxPolicy(profile: .standard, network: false))?.contains("no network namespaces") == true)
        #expect(s.refusal(for: SandboxPolicy(profile: .standard, network: true)) == nil)
        s.runningAsRoot = false
        #expect(s.refusal(for: SandboxPolicy(profile: .standard))?.contains("does not run as root") == true)
        #expect(s.refusal(for: SandboxPolicy(profile: .none)) == nil)
        #expect(s.refusal(for: SandboxPolicy(profile: .none, network: false))?.contains("\"sandbox.network\": false needs profile") == true)
        // As root, RLIMIT_NPROC binds nothing: a process limit without a user namespace is refused.
        let root = SandboxSupport.current
        #expect(root.refusal(for: SandboxPolicy(profile: .none, limits: .init(processes: 10)))?.contains("RLIMIT_NPROC does not bind root") == true)
    }

    @Test func theManifestSectionIsValidatedAndRefusalsNameTheReason() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lt-sbx-manifest-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let sup = Supervisor(services: .init(host: RecordingHost(), publish: { _ in }), programDirs: [TestChildren.products],
                             dataDirectory: dir.appendingPathComponent("data"), logger: Logger(label: "test"))
        func manifest(_ sandbox: String) throws -> Manifest {
            let url = dir.appendingPathComponent("m.json")
            try Data("""
                {"manifest_version":1,"id":"m","name":"m","version":"1.0.0","kind":"agent","capabilities":["test.*"],
                 "process":{"command":"lt-test-child","args":["well"]},"sandbox":\(sandbox)}
                """.utf8).write(to: url)
            return try ManifestParser.parse(fileAt: url)
        }
        let c = try sup.makeChild(try manifest(#"{"profile":"strict","limits":{"memory_mb":512},"paths":[{"path":".","mode":"ro"}]}"#), config: [:])
        #expect(c.spec.sandbox.profile == .strict)
        #expect(c.spec.sandbox.allowsNetwork == false)
        #expect(c.spec.sandbox.paths == [.init(path: dir.path, writable: false)])
        #expect(c.spec.sandbox.effectiveLimits.memoryMB == 512)
        #expect(c.spec.sandbox.effectiveLimits.processes == 128)
        // Strict stops a spinning program by default (issue 18, item 11); a manifest may raise it.
        #expect(c.spec.sandbox.effectiveLimits.cpuSeconds == 600)
        #expect(SupervisedChild.rlimits(c.spec.sandbox).contains { $0.0 == Int32(LT_RLIMIT_CPU) && $0.1 == 600 && $0.2 == 601 })
        let raised = try sup.makeChild(try manifest(#"{"profile":"strict","limits":{"cpu_seconds":86400}}"#), config: [:])
        #expect(raised.spec.sandbox.effectiveLimits.cpuSeconds == 86400)
        let standard = try sup.makeChild(try manifest(#"{"profile":"standard"}"#), config: [:])
        #expect(standard.spec.sandbox.effectiveLimits.cpuSeconds == nil)
        #expect(c.spec.sandbox.scratchDirectory == dir.appendingPathComponent("data/scratch/m").path)
        #expect(c.spec.sandbox.hiddenPaths == [dir.appendingPathComponent("data").path])
        do {
            _ = try sup.makeChild(try manifest(#"{"profile":"jail","colour":1,"paths":[{"path":"/nope","mode":"rwx"}],"limits":{"memory_mb":"a lot"}}"#), config: [:])
            Issue.record("expected a refusal")
        } catch let e as HostError {
            #expect(e.code == .manifestInvalid)
            #expect(e.message.contains(#"field "sandbox.profile": expected "none", "standard" or "strict", got "jail""#), "\(e.message)")
            #expect(e.message.contains(#"field "sandbox.colour""#))
            #expect(e.message.contains(#"field "sandbox.paths[0].mode": expected "ro" or "rw", got "rwx""#))
            #expect(e.message.contains(#"field "sandbox.limits.memory_mb": expected an integer, got "a lot""#))
        }
        do {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent("data/functions"), withIntermediateDirectories: true)
            _ = try sup.makeChild(try manifest(#"{"profile":"strict","paths":[{"path":"data/functions","mode":"ro"}]}"#), config: [:])
            Issue.record("expected a refusal")
        } catch let e as HostError {
            #expect(e.code == .manifestInvalid)
            #expect(e.message.contains(#"field "sandbox.paths[0].path": expected a path outside the daemon's data directory"#), "\(e.message)")
        }
        do {
            _ = try sup.makeChild(try manifest(#"{"profile":"none","limits":{"processes":5}}"#), config: [:])
            Issue.record("expected a refusal")
        } catch let e as HostError {
            #expect(e.code == .providerUnavailable)
            #expect(e.message.contains("RLIMIT_NPROC does not bind root"))
        }
        #expect(Supervisor.scratchName("fn:echo#12") == "fn_echo")
        #expect(Supervisor.scratchName("../..") == "_.._..")
    }

    @Test func thePythonExampleAgentAnswersUnderStrict() async throws {
        let f = try SandboxFixture()
        let sup = Supervisor(services: .init(host: f.host, publish: { f.host.published($0) }), programDirs: [TestChildren.products],
                             dataDirectory: f.dataDir, logger: Logger(label: "test"))
        let url = f.dataDir.deletingLastPathComponent().appendingPathComponent("py-\(UUID().uuidString.prefix(8)).json")
        defer { try? FileManager.default.removeItem(at: url) }
        let root = Self.repoRoot.path
        try Data("""
            {"manifest_version":1,"id":"py","name":"py","version":"1.0.0","kind":"agent","capabilities":["greet.*"],
             "process":{"command":"python3","args":["-u","\(root)/Examples/python/example_agent.py"],"restart":"temporary","readiness_timeout_ms":60000},
             "sandbox":{"profile":"strict","paths":[{"path":"\(root)/PluginSDK/python","mode":"ro"}]}}
            """.utf8).write(to: url)
        let c = try sup.makeChild(try ManifestParser.parse(fileAt: url), config: ["greeting": "Hei"])
        c.start()
        #expect(await c.waitReady(timeout: .seconds(60)), "\(c.snapshot.lastExit?.reason ?? "-"); \(c.logTail(20).map(\.text))")
        let out = try await c.event("greet.request", ["name": "Ada"])
        #expect(out.first?.type == "greet.reply")
        #expect(out.first?.data["greeting"] == "Hei, Ada!")
        await c.stop()
        #expect(c.snapshot.lastExit?.status == ExitStatus(code: 0))
    }

    @Test func theSwiftExampleAgentAnswersUnderStrict() async throws {
        let f = try SandboxFixture()
        let sup = Supervisor(services: .init(host: f.host, publish: { f.host.published($0) }), programDirs: [TestChildren.products],
                             dataDirectory: f.dataDir, logger: Logger(label: "test"))
        // The shipped manifest, plus a sandbox section.
        var json = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: Self.repoRoot.appendingPathComponent("manifests/example-agent.json")))
        guard case .object(var o) = json else { Issue.record("not an object"); return }
        o["sandbox"] = ["profile": "strict"]
        json = .object(o)
        let url = f.dataDir.deletingLastPathComponent().appendingPathComponent("agent-\(UUID().uuidString.prefix(8)).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try JSONEncoder().encode(json).write(to: url)
        let c = try sup.makeChild(try ManifestParser.parse(fileAt: url), config: ["greeting": "Hello"])
        c.start()
        #expect(await c.waitReady(timeout: .seconds(60)), "\(c.snapshot.lastExit?.reason ?? "-"); \(c.logTail(20).map(\.text))")
        let out = try await c.event("greet.request", ["name": "Ada"])
        #expect(out.first?.type == "greet.reply")
        #expect(out.first?.data["greeting"] == "Hello, Ada!")
        #expect(f.host.calls.withLock { $0.map(\.0) }.contains(Method.documentUpsert))
        await c.stop()
        #expect(c.snapshot.lastExit?.status == ExitStatus(code: 0))
    }

    @Test func thePlanHidesTheDataDirectoryButShowsWhatIsDeclaredInsideIt() throws {
        // Pure: the order of binds and masks (no process).
        var b = SandboxPlan.Builder()
        let products = BuildProducts.directory.resolvingSymlinksInPath().path
        let parent = URL(fileURLWithPath: products).deletingLastPathComponent().path
        b.bind(parent)
        b.bind(products)                          // covered by the bind above: dropped
        b.bind(products + "/sandbox-test-data")   // inside the mask below: kept, mounted after it
        b.mask(products)
        let order = b.ordered().map { ($0.kind, $0.target) }
        #expect(order.map(\.0) == [Int32(LT_MOUNT_BIND_RO), Int32(LT_MOUNT_MASK), Int32(LT_MOUNT_BIND_RO)])
        #expect(order.map(\.1) == [parent, products, products + "/sandbox-test-data"])
        // A bind of exactly a hidden path stays hidden: the mask goes on top.
        var same = SandboxPlan.Builder()
        same.bind(products)
        same.mask(products)
        #expect(same.ordered().map(\.kind) == [Int32(LT_MOUNT_BIND_RO), Int32(LT_MOUNT_MASK)])
        // A strict plan shows no secret, a standard one masks them.
        let strict = try SandboxPlan.make(policy: SandboxPolicy(profile: .strict), program: "/usr/bin/true", arguments: [], environment: [:],
                                          manifestEnv: [:], workingDirectory: nil, name: "p", landlockABI: 7)
        #expect(!strict.mounts.contains { $0.kind == Int32(LT_MOUNT_MASK) })
        #expect(strict.flags & UInt32(LT_SANDBOX_NET_NS) != 0 && strict.flags & UInt32(LT_SANDBOX_ALLOW_INET) == 0)
        let standard = try SandboxPlan.make(policy: SandboxPolicy(profile: .standard), program: "/usr/bin/true", arguments: [], environment: [:],
                                            manifestEnv: [:], workingDirectory: nil, name: "p", landlockABI: 7)
        #expect(standard.mounts.contains { $0.kind == Int32(LT_MOUNT_MASK) && $0.target == "/etc/shadow" })
        #expect(standard.flags & UInt32(LT_SANDBOX_ALLOW_INET) != 0 && standard.flags & UInt32(LT_SANDBOX_NET_NS) == 0)
        #expect(throws: SandboxPlan.PlanError.self) {
            try SandboxPlan.make(policy: SandboxPolicy(profile: .strict), program: "/usr/bin/true", arguments: [], environment: [:],
                                 manifestEnv: [:], workingDirectory: nil, name: "p", landlockABI: 0)
        }
    }

    /// A TCP listener on 127.0.0.1 (port chosen by the kernel).
    static func listener() throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { close(fd); throw POSIXError(.EADDRINUSE) }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }
}
