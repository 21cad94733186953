import Foundation
import LightningAPIServer
import LightningProtocol
import OpenAPIRuntime

/// `/v1/processes` (every supervised child: read, logs, restart, stop, start) and `/v1/agents`.
extension TypedAPI {
    func listProcesses(_ input: Operations.ListProcesses.Input) async throws -> Operations.ListProcesses.Output {
        .ok(.init(body: .json(.init(processes: try daemon.supervisor.all.map { try .init($0.snapshot) }))))
    }

    func getProcess(_ input: Operations.GetProcess.Input) async throws -> Operations.GetProcess.Output {
        .ok(.init(body: .json(try .init(try child(input.path.name).snapshot))))
    }

    func getProcessLogs(_ input: Operations.GetProcessLogs.Input) async throws -> Operations.GetProcessLogs.Output {
        let c = try child(input.path.name)
        let lines = c.logTail(input.query.limit ?? 200).map { Components.Schemas.ProcessLogLine(at: $0.at.date, stream: $0.stream, text: $0.text) }
        return .ok(.init(body: .json(.init(name: c.name, lines: lines))))
    }

    func restartProcess(_ input: Operations.RestartProcess.Input) async throws -> Operations.RestartProcess.Output {
        .ok(.init(body: .json(try await operate(.restart, input.path.name))))
    }

    func stopProcess(_ input: Operations.StopProcess.Input) async throws -> Operations.StopProcess.Output {
        .ok(.init(body: .json(try await operate(.stop, input.path.name))))
    }

    func startProcess(_ input: Operations.StartProcess.Input) async throws -> Operations.StartProcess.Output {
        .ok(.init(body: .json(try await operate(.start, input.path.name))))
    }

    func listAgents(_ input: Operations.ListAgents.Input) async throws -> Operations.ListAgents.Output {
        let stats = daemon.router.stats
        let agents = try daemon.router.drivers.compactMap { $0 as? AgentDriver }.sorted { $0.name < $1.name }.map { a in
            Components.Schemas.Agent(name: a.name, capabilities: a.capabilities, process: try .init(a.child.snapshot),
                                     stats: .init(stats.drivers[a.name] ?? DriverStats()))
        }
        return .ok(.init(body: .json(.init(agents: agents))))
    }

    private func child(_ name: String) throws -> SupervisedChild {
        guard let c = daemon.supervisor.child(name) else { throw WireError(.notFound, "no process named \"\(name)\" (see GET /v1/processes)") }
        return c
    }

    private func operate(_ op: SupervisedChild.OperatorCommand, _ name: String) async throws -> Components.Schemas.Process {
        let c = try child(name)
        try await c.operate(op)
        return try .init(c.snapshot)
    }
}

extension Components.Schemas.Process {
    /// A child as the API shows it. `kind`, `sandbox` and `limits` are strings in the snapshot;
    /// a value the document does not list is an internal error naming it (the document is behind).
    init(_ s: ProcessSnapshot) throws {
        self.init(name: s.name, manifest: s.manifest, kind: try documented(s.kind, "process kind"), state: .init(s.state),
                  pid: s.pid.map(Int.init), restarts: s.restarts, startedAt: s.startedAt?.date, readyAt: s.readyAt?.date,
                  uptimeSeconds: s.uptimeSeconds, lastExit: s.lastExit.map(Components.Schemas.ProcessExit.init),
                  transitions: s.transitions.map(Components.Schemas.ProcessTransition.init), command: s.command,
                  sandbox: try documented(s.sandbox, "sandbox profile"), limits: try documented(s.limits, "limits mechanism"),
                  malformedLines: s.malformedLines, programPid: s.programPid.map(Int.init), programPidInside: s.programPidInside.map(Int.init))
    }
}

extension Components.Schemas.ProcessState {
    init(_ s: ProcessState) {
        switch s {
        case .starting: self = .starting
        case .ready: self = .ready
        case .stopping: self = .stopping
        case .exited: self = .exited
        case .backoff: self = .backoff
        case .failed: self = .failed
        case .stopped: self = .stopped
        }
    }
}

extension Components.Schemas.ProcessExit {
    init(_ e: ProcessExit) {
        self.init(status: .init(code: e.status.code.map(Int.init), signal: e.status.signal.map(Int.init), coreDumped: e.status.coreDumped),
                  reason: e.reason, at: e.at.date, stderrTail: e.stderrTail)
    }
}

extension Components.Schemas.ProcessTransition {
    init(_ t: ProcessTransition) {
        self.init(state: .init(t.state), at: t.at.date, restarts: t.restarts, pid: t.pid.map(Int.init), detail: t.detail)
    }
}

extension Components.Schemas.DriverStats {
    init(_ s: DriverStats) {
        self.init(handled: s.handled, failed: s.failed, lastError: s.lastError, lastErrorAt: s.lastErrorAt?.date,
                  inFlight: s.inFlight, maxInFlight: s.maxInFlight)
    }
}
