import CHostShims
import Foundation
import LightningProtocol
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The supervise loop and one run of a child: I/O around `ChildStateMachine`'s decisions.
extension SupervisedChild {
    /// Runs until the child is stopped, not restarted, or given up. Runs in the owner's task group.
    func superviseLoop() async {
        defer { runtime.update { $0.machine.loopEnded() } }
        while runtime.read({ $0.machine.want == .up }), !Task.isCancelled {
            let exit = await runOnce()
            let decision = runtime.update { r in
                r.machine.exited(exit.status, reason: exit.reason, at: .now, random: Double.random(in: -1...1))
            }
            switch decision {
            case .stop(let detail, let reason):
                recordTransition(.stopped, detail: detail)
                await publish("process.stopped", ["reason": .string(reason)])
                return
            case .fail(let reason, let intensityExceeded):
                recordTransition(.failed, detail: reason)
                var data: [String: JSONValue] = ["reason": .string(reason)]
                if intensityExceeded { data["restarts"] = .int(runtime.read { $0.machine.restarts }) }
                await publish("process.failed", data)
                return
            case .restart(let delay):
                recordTransition(.backoff, detail: "restart in \(delay) ms")
                await publish("process.backoff", ["delay_ms": .int(delay), "reason": .string(exit.reason)])
                // A stop ends the backoff at once.
                if delay > 0 { _ = await runtime.wait(for: .milliseconds(delay)) { $0.machine.want == .down } }
                let again = runtime.update { $0.machine.backoffOver(at: .now) }
                if !again {
                    let why = "stopped by the operator while backing off"
                    recordTransition(.stopped, detail: why)
                    await publish("process.stopped", ["reason": .string(why)])
                    return
                }
            }
        }
    }

    struct RunResult {
        var status: ExitStatus
        var reason: String
    }

    /// What one part of a run reports when it ends.
    private enum RunPart: Sendable {
        case exited(ExitStatus)
        case done
    }

    /// Spawns, handshakes, serves until the process exits; returns how it ended.
    private func runOnce() async -> RunResult {
        let gen = runtime.update { r -> Int in
            let g = r.machine.runBegins()
            r.exitStatus = nil
            r.startedAt = .now()
            r.readyAt = nil
            return g
        }
        recordTransition(.starting)
        await publish("process.starting", [:])
        let launched: LaunchedProcess
        let startedAt = ContinuousClock.now
        var oomKillsBefore: Int?
        do {
            let (launch, kills) = try makeLaunchSpec()
            oomKillsBefore = kills
            launched = try await ProcessLauncher.shared.launch(launch)
        } catch {
            let reason = "\(error)"
            // A sandbox that cannot be built will not build on the next try either.
            runtime.update { $0.machine.kill(reason: reason, fatal: (error as? LaunchError)?.sandboxSetup == true) }
            recordExit(ExitStatus(code: 127), reason: reason)
            runtime.update { $0.machine.markExited() }
            recordTransition(.exited, detail: reason)
            await publish("process.exited", ["reason": .string(reason)])
            return RunResult(status: ExitStatus(code: 127), reason: reason)
        }
        let box = Locked<ProcessIO.Pipes?>(nil)
        let connection = makeConnection { line in box.withLock { $0 }?.write(line) ?? false }
        let bridge = IOBridge(child: self, generation: gen, connection: connection)
        // Set the pid and read the wish to run in one step: a stop() that ran while we were
        // launching found no pid to stop, so this run must end itself.
        let stoppedMeanwhile = runtime.update { r -> Bool in
            r.pid = launched.pid
            r.connection = connection
            if r.machine.want == .down { r.machine.kill(reason: "stopped while starting") }
            return r.machine.want == .down
        }
        let pipes = ProcessIO.shared.attach(launched, maxLine: spec.maxMessageBytes, delegate: bridge)
        if stoppedMeanwhile { _ = lt_kill_group(launched.pid, SIGKILL) }
        box.withLock { $0 = pipes }
        runtime.update { $0.pipes = pipes }

        // The run's parts: each ends by itself once the process is gone (the connection closes,
        // the waits watch the exit), so the group needs no cancellation.
        let status = await withTaskGroup(of: RunPart.self) { group -> ExitStatus in
            group.addTask { await self.handshake(connection); return .done }
            group.addTask { await .exited(self.waitExit(generation: gen)) }
            group.addTask { await self.heartbeatLoop(connection, generation: gen); return .done }
            if let ms = spec.sandbox.effectiveLimits.wallClockMs {
                group.addTask { await self.enforceWallClock(ms: ms, generation: gen); return .done }
            }
            var status = ExitStatus(code: 0)
            while let part = await group.next() {
                guard case .exited(let s) = part else { continue }
                status = s
                // The handshake may have just seen a refusal (-32001) the child sent before
                // exiting: it records its verdict before the connection fails what is pending.
                connection.close("the process exited (\(s))")
            }
            return status
        }
        let usage = SandboxExit.readReport(launched.report)
        // Grandchildren in the group go with it.
        _ = lt_kill_group(launched.pid, SIGKILL)
        let killReason = runtime.update { r -> String? in
            r.pid = nil; r.pipes = nil; r.connection = nil
            return r.machine.killReason
        }
        let reason = killReason ?? exitReason(status, usage: usage, startedAt: startedAt, oomKillsBefore: oomKillsBefore)
        recordExit(status, reason: reason)
        runtime.update { $0.machine.markExited() }
        recordTransition(.exited, detail: reason)
        await publish("process.exited", exitEventData(status, reason: reason).merging(Self.sandboxEventData(spec.sandbox, usage: usage)) { a, _ in a })
        return RunResult(status: status, reason: reason)
    }

    private func handshake(_ connection: RPCConnection) async {
        let params = InitializeParams(host: PeerInfo(name: "lightning", version: LightningVersion.current),
                                      child: ChildIdentity(id: manifestId, kind: kind, instance: runtime.read { $0.generation }),
                                      config: config, heartbeatIntervalMs: spec.heartbeatIntervalMs > 0 ? spec.heartbeatIntervalMs : nil,
                                      maxMessageBytes: spec.maxMessageBytes)
        do {
            let result = try await connection.request(ChildProtocol.initialize, params, as: InitializeResult.self,
                                                      timeout: .milliseconds(spec.readinessTimeoutMs))
            guard ChildProtocol.major(of: result.protocolVersion) == ChildProtocol.majorVersion else {
                kill(reason: "protocol version mismatch: host \(ChildProtocol.version), child \(result.protocolVersion)", fatal: true)
                return
            }
            // Announced only when no kill is on its way (garbage before the answer, a stop): the
            // state and the check change under one lock, so `ready` is never shown for a doomed run.
            let announce = runtime.update { r -> Bool in
                guard r.machine.handshakeAnswered() else { return false }
                r.readyAt = .now()
                return true
            }
            guard announce else { return }
            connection.notify(ChildProtocol.initialized, nil)
            recordTransition(.ready, detail: "\(result.child.name) \(result.child.version)")
            await publish("process.ready", ["child": .string("\(result.child.name) \(result.child.version)")])
        } catch let e as WireError where e.code == .timeout {
            kill(reason: "not ready after \(spec.readinessTimeoutMs) ms (no answer to initialize)")
        } catch let e as WireError where e.message.contains("unsupported protocol version") {
            kill(reason: "protocol version mismatch: \(e.message)", fatal: true)
        } catch is CancellationError {
        } catch let e as WireError where e.code == .unavailable || e.code == .cancelled {
            // The process exited during the handshake; its exit tells why.
        } catch {
            kill(reason: "handshake failed: \(error)")
        }
    }

    private func heartbeatLoop(_ connection: RPCConnection, generation: Int) async {
        guard spec.heartbeatIntervalMs > 0 else { return }
        while true {
            // Sleeps the interval unless the run ends first.
            if await runtime.wait(for: .milliseconds(spec.heartbeatIntervalMs), until: { $0.exitStatus != nil || $0.generation != generation }) {
                return
            }
            guard currentState == .ready else { continue }
            do {
                _ = try await connection.request(ChildProtocol.ping, .object([:]), timeout: .milliseconds(spec.effectiveHeartbeatTimeoutMs))
            } catch let e as WireError where e.code == .timeout {
                kill(reason: "heartbeat timeout: no answer to $/ping within \(spec.effectiveHeartbeatTimeoutMs) ms")
                return
            } catch {
                return
            }
        }
    }

    /// Kills the run of `generation` for its wall-clock limit (no-op once it exited).
    private func enforceWallClock(ms: Int, generation: Int) async {
        if await runtime.wait(for: .milliseconds(ms), until: { $0.exitStatus != nil || $0.generation != generation }) { return }
        let pid = runtime.update { r -> pid_t? in
            guard r.generation == generation, r.exitStatus == nil, let pid = r.pid else { return nil }
            r.machine.kill(reason: "wall-clock limit (killed after \(ms) ms)")
            return pid
        }
        if let pid { _ = lt_kill_group(pid, SIGKILL) }
    }

    private func waitExit(generation: Int) async -> ExitStatus {
        // Not cut short by cancellation: the caller must see the real exit to clean up after it.
        await runtime.waitIgnoringCancellation { $0.exitStatus != nil && $0.generation == generation }
        return runtime.read { $0.exitStatus } ?? ExitStatus(code: 0)
    }

    /// Graceful stop of the running process (`ChildStateMachine.stopSteps`), called by `stop()`.
    func gracefulStop() async {
        guard let (pid, connection, answered) = runtime.read({ r -> (pid_t, RPCConnection?, Bool)? in
            r.pid.map { ($0, r.connection, r.machine.announced) }
        }) else { return }
        runtime.update { $0.machine.stopping() }
        recordTransition(.stopping)
        for step in ChildStateMachine.stopSteps(answeredHandshake: answered && connection != nil, stopTimeoutMs: spec.stopTimeoutMs) {
            switch step {
            case .requestShutdown(let ms):
                _ = try? await connection?.request(ChildProtocol.shutdown, .object([:]), timeout: .milliseconds(ms))
                connection?.notify(ChildProtocol.exit, nil)
            case .closeStdin:
                runtime.read { $0.pipes }?.closeStdin()
            case .waitExit(let ms):
                if await exited(within: .milliseconds(ms)) { return }
            case .terminateGroup:
                _ = lt_kill_group(pid, SIGTERM)
            case .killGroup(let reason):
                runtime.update { $0.machine.kill(reason: reason) }
                _ = lt_kill_group(pid, SIGKILL)
            }
        }
    }

    /// Waits until the process is gone or `d` passes; true when it is gone.
    private func exited(within d: Duration) async -> Bool {
        await runtime.wait(for: d) { $0.pid == nil || $0.exitStatus != nil }
    }
}
