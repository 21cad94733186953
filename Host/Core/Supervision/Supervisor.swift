public import Foundation
import LightningProtocol
import Logging
public import ServiceLifecycle

/// Owns every supervised child of the daemon, by name (docs/supervision.md).
///
/// ```
///  launch(child) ──▶ child.start() ──▶ commands ──▶ run(): task group ──▶ child.superviseLoop() (one task per child)
///  graceful shutdown ──▶ commands finish ──▶ stopAll() ──▶ every loop ends ──▶ run() returns
/// ```
/// A `Service` of the daemon's `ServiceGroup`: its task group owns every child's supervise loop.
/// Outside a running supervisor (unit tests, benchmarks) its children run standalone.
public final class Supervisor: Service, Sendable {
    let logger: Logger
    let services: SupervisedChild.ChildServices
    /// Folders searched for a bare `process.command` (build products), before `PATH`.
    let programDirs: [URL]
    /// The daemon's data directory: hidden from sandboxed children, and the parent of their
    /// scratch directories (`<data_dir>/scratch/<name>`). nil: scratch under the temporary folder.
    let dataDirectory: URL?
    private let children = Locked<[String: SupervisedChild]>([:])
    private let commands: AsyncStream<SupervisedChild>
    private let commandSink: AsyncStream<SupervisedChild>.Continuation
    /// `run()` is consuming `commands` (children started before it are buffered and run then).
    private let running = Locked(false)

    /// Also probes the kernel's sandbox support (once per process) and logs what it found.
    /// The profile of an agent or function whose manifest names none (`sandbox_default`).
    let defaultProfile: SandboxPolicy.Profile
    /// How children's memory, process and CPU limits are enforced: the mechanism in force
    /// (`rlimits` when cgroups are off, absent, or could not be set up) and why not cgroups.
    public let limits: CgroupHost

    /// - Parameter cgroups: the host's cgroups (`CgroupHost.current`) to limit children with;
    ///   `.rlimitsOnly` (the default, and `cgroups: off`) limits them with rlimits.
    init(services: SupervisedChild.ChildServices, programDirs: [URL], dataDirectory: URL? = nil,
         defaultProfile: SandboxPolicy.Profile = .strict, cgroups: CgroupHost = .rlimitsOnly, logger: Logger) {
        let made = ChildCgroups.make(host: cgroups)
        var services = services
        services.cgroups = made.cgroups
        self.services = services; self.programDirs = programDirs; self.dataDirectory = dataDirectory
        self.defaultProfile = defaultProfile; self.logger = logger
        limits = made.cgroups?.host ?? CgroupHost(mechanism: .rlimits, bases: [:], note: made.note)
        (commands, commandSink) = AsyncStream.makeStream(of: SupervisedChild.self)
        logger.info("\(SandboxSupport.current.summary)")
        logger.info("limits: \(limits.mechanism.rawValue)\(limits.controllers.isEmpty ? "" : " (" + limits.controllers.map(\.rawValue).joined(separator: ", ") + ")")\(limits.note.map { "; " + $0 } ?? "")")
    }

    /// Creates (not starts) a child for an agent or function manifest.
    /// - Throws: `HostError(.manifestInvalid)` when the process or sandbox section or the program
    ///   is wrong; `HostError(.providerUnavailable)` when its sandbox profile cannot run here.
    func makeChild(_ m: Manifest, name: String? = nil, config: [String: JSONValue], restart: ChildSpec.Restart? = nil) throws -> SupervisedChild {
        var checker = FieldChecker()
        guard let raw = m.process, let spec = ChildSpec.parse(raw, &checker), checker.problems.isEmpty else {
            throw HostError(.manifestInvalid, subject: m.displayPath, checker.problems.joined(separator: "; "))
        }
        // Symlinks resolved: `${manifest_dir}` is where the manifest really lives.
        let manifestDir = m.file.resolvingSymlinksInPath().deletingLastPathComponent().path
        let program = try resolve(spec.command, manifestDir: manifestDir, subject: m.displayPath)
        // An argument that is a path under `${manifest_dir}` is normalised (`a/../b` → `b`): in a
        // sandbox only the folders a child needs exist, so the kernel could not walk through
        // `manifests/..` when `manifests` itself is not shown.
        let args = spec.args.map { a -> String in
            let expanded = a.replacingOccurrences(of: "${manifest_dir}", with: manifestDir)
            guard a.hasPrefix("${manifest_dir}") else { return expanded }
            return URL(fileURLWithPath: expanded).standardizedFileURL.path
        }
        let name = name ?? m.id
        let env = Self.environment(spec: spec, id: m.id, name: name, kind: m.kind.rawValue)
        var s = spec
        if let restart { s.restart = restart }
        if let wd = s.workingDir { s.workingDir = wd.hasPrefix("/") ? wd : URL(fileURLWithPath: manifestDir).appendingPathComponent(wd).path }
        s.sandbox = try sandboxPolicy(m, manifestDir: manifestDir, name: name)
        return SupervisedChild(name: name, manifestId: m.id, kind: m.kind.rawValue, spec: s, program: program, arguments: args,
                               environment: env, config: .object(config), services: services, owner: loopOwner,
                               logger: Logger(label: "lt.supervisor"))
    }

    /// Runs children's loops in `run()`'s task group while it runs (or is about to: the daemon
    /// starts its supervisor before anything launches), standalone otherwise.
    var loopOwner: LoopOwner {
        LoopOwner { [commandSink, running] child in
            guard running.value else { return LoopOwner.standalone.supervise(child) }
            if case .terminated = commandSink.yield(child) {
                // Shutting down: the loop will not run; `stop()` must not wait for it.
                child.runtime.update { $0.machine.loopEnded() }
            }
        }
    }

    /// Marks the supervisor as the owner of its children's loops before `run()` begins (the
    /// daemon calls it when it builds its service group, so children launched during start-up
    /// are buffered for the group instead of running standalone).
    public func willRun() { running.withLock { $0 = true } }

    /// Runs every launched child's supervise loop until graceful shutdown, then stops them all.
    public func run() async throws {
        willRun()
        await withDiscardingTaskGroup { group in
            await withGracefulShutdownHandler {
                for await child in commands {
                    group.addTask { await child.superviseLoop() }
                }
            } onGracefulShutdown: { [commandSink] in
                commandSink.finish()
            }
            await stopAll()
        }
        services.cgroups?.removeAll()
    }

    /// The manifest's `sandbox` section with the supervisor's parts (scratch directory, hidden
    /// data directory), checked against what this host can give.
    /// - Throws: `HostError(.manifestInvalid)` for a malformed section, `HostError(.providerUnavailable)`
    ///   when the profile needs a kernel feature this host lacks (never run with less).
    func sandboxPolicy(_ m: Manifest, manifestDir: String, name: String) throws -> SandboxPolicy {
        var checker = FieldChecker()
        let raw: JSONValue? = { if case .object(let o) = m.raw { return o["sandbox"] } else { return nil } }()
        // Agents and functions are untrusted code: without a `sandbox.profile` they get the
        // daemon's default (strict unless the operator chose otherwise, docs/sandbox.md).
        let untrusted = m.kind == .agent || m.kind == .function
        var policy = SandboxPolicy.parse(raw, manifestDir: manifestDir, defaultProfile: untrusted ? defaultProfile : .none, &checker)
        guard checker.problems.isEmpty else {
            throw HostError(.manifestInvalid, subject: m.displayPath, checker.problems.joined(separator: "; "))
        }
        let scratchRoot = (dataDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("lightning-sandbox"))
            .appendingPathComponent("scratch", isDirectory: true)
        policy.scratchDirectory = scratchRoot.appendingPathComponent(Self.scratchName(name)).absoluteURL.standardizedFileURL.path
        if let d = dataDirectory { policy.hiddenPaths = [d.absoluteURL.standardizedFileURL.path] }
        // The data directory (the daemon's databases, other children's scratch) is never shown.
        let hidden = policy.hiddenPaths.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
        for (i, rule) in policy.paths.enumerated() {
            let real = URL(fileURLWithPath: rule.path).resolvingSymlinksInPath().path
            if hidden.contains(where: { real == $0 || real.hasPrefix($0 + "/") }) {
                checker.fail("sandbox.paths[\(i)].path", "a path outside the daemon's data directory", "\"\(rule.path)\"")
            }
        }
        guard checker.problems.isEmpty else {
            throw HostError(.manifestInvalid, subject: m.displayPath, checker.problems.joined(separator: "; "))
        }
        if let refusal = SandboxSupport.current.refusal(for: policy, cgroups: services.cgroups?.host) {
            throw HostError(.providerUnavailable, subject: m.displayPath, refusal)
        }
        return policy
    }

    /// A child's scratch folder name: function instances (`fn:name#3`) share their function's.
    static func scratchName(_ name: String) -> String {
        let base = name.split(separator: "#", maxSplits: 1).first.map(String.init) ?? name
        let cleaned = String(base.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_") ? $0 : "_" })
        return cleaned.isEmpty || cleaned.hasPrefix(".") ? "_" + cleaned : cleaned
    }

    /// Adds a child under its name and starts it. A child of the same name is stopped first.
    @discardableResult
    func launch(_ child: SupervisedChild) async -> SupervisedChild {
        let old = children.withLock { c -> SupervisedChild? in defer { c[child.name] = child }; return c[child.name] }
        if let old { await old.stop() }
        child.start()
        return child
    }

    /// Stops and forgets a child.
    func remove(_ name: String) async {
        let c = children.withLock { $0.removeValue(forKey: name) }
        await c?.stop()
        services.cgroups?.remove(child: name)
    }

    public func child(_ name: String) -> SupervisedChild? { children.withLock { $0[name] } }

    public var all: [SupervisedChild] { children.withLock { Array($0.values) }.sorted { $0.name < $1.name } }

    /// Stops every child at once (daemon shutdown).
    public func stopAll() async {
        await withTaskGroup(of: Void.self) { group in
            for c in all { group.addTask { await c.stop() } }
        }
    }

    /// The child's environment: only what it needs, never the daemon's secrets.
    static func environment(spec: ChildSpec, id: String, name: String, kind: String) -> [String: String] {
        let parent = ProcessInfo.processInfo.environment
        var env: [String: String] = [
            "PATH": parent["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
            "LANG": parent["LANG"] ?? "C.UTF-8",
            "LIGHTNING_CHILD_ID": id, "LIGHTNING_CHILD_NAME": name, "LIGHTNING_CHILD_KIND": kind,
            "LIGHTNING_PROTOCOL_VERSION": ChildProtocol.version,
        ]
        for key in ["HOME", "TMPDIR", "PYTHONPATH", "LD_LIBRARY_PATH"] { if let v = parent[key] { env[key] = v } }
        env.merge(spec.env) { _, new in new }
        return env
    }

    /// An absolute path, relative to the manifest's folder, or a bare name in the program folders or PATH.
    func resolve(_ command: String, manifestDir: String, subject: String) throws -> String {
        try Self.resolve(command, manifestDir: manifestDir, programDirs: programDirs, subject: subject)
    }

    /// The program an agent or function manifest's `process.command` names, resolved as the
    /// supervisor resolves it at start (`lightning plugins verify` uses it offline).
    /// - Throws: `HostError(.manifestInvalid)` when the `process` section is malformed or the
    ///   command is not an executable file.
    public static func program(of m: Manifest, programDirs: [URL]) throws -> String {
        var checker = FieldChecker()
        guard let raw = m.process, let spec = ChildSpec.parse(raw, &checker), checker.problems.isEmpty else {
            throw HostError(.manifestInvalid, subject: m.displayPath, checker.problems.joined(separator: "; "))
        }
        let manifestDir = m.file.resolvingSymlinksInPath().deletingLastPathComponent().path
        return try resolve(spec.command, manifestDir: manifestDir, programDirs: programDirs, subject: m.displayPath)
    }

    static func resolve(_ command: String, manifestDir: String, programDirs: [URL], subject: String) throws -> String {
        let fm = FileManager.default
        if command.hasPrefix("/") {
            guard fm.isExecutableFile(atPath: command) else {
                throw HostError(.manifestInvalid, subject: subject, "field \"process.command\": \(command) is not an executable file")
            }
            return command
        }
        if command.contains("/") {
            let p = URL(fileURLWithPath: manifestDir).appendingPathComponent(command).standardizedFileURL.path
            guard fm.isExecutableFile(atPath: p) else {
                throw HostError(.manifestInvalid, subject: subject, "field \"process.command\": \(p) is not an executable file")
            }
            return p
        }
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map { URL(fileURLWithPath: String($0)) }
        for dir in programDirs + path {
            let p = dir.appendingPathComponent(command).path
            if fm.isExecutableFile(atPath: p) { return p }
        }
        throw HostError(.manifestInvalid, subject: subject,
                        "field \"process.command\": \"\(command)\" not found in \((programDirs.map(\.path) + ["PATH"]).joined(separator: ", ")) (build it with `swift build`, or fix the command)")
    }
}

/// An agent as the router sees it: a driver whose `handle` is an `event.handle` request to the
/// child. While the child restarts, deliveries wait for it to be ready (up to its readiness
/// timeout) and then fail (the bus retries them with backoff).
struct AgentDriver: DriverEndpoint {
    let child: SupervisedChild
    let capabilities: [String]
    let timeout: Duration
    var maxConcurrency: Int? = nil
    var name: String { child.name }

    func handle(_ event: Event) async throws -> [Event] {
        if child.currentState != .ready {
            guard await child.waitReady(timeout: .milliseconds(child.spec.readinessTimeoutMs)) else {
                throw WireError(.unavailable, "agent \(name) is not ready (state \(child.currentState.rawValue))")
            }
        }
        return try await child.call(ChildProtocol.handleEvent, params: HandleRequest(event: event), as: HandleResult.self, timeout: timeout).events
            .map { e in
                var e = e
                if e.source == "api" { e.source = name }
                return e
            }
    }
}
