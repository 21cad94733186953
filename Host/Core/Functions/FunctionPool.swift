import DequeModule
import Foundation
import LightningProtocol
import Logging

/// The instances of one deployed function: warm reuse, a concurrency limit with a bounded
/// queue, per-invocation timeouts, and idle expiry (docs/functions.md).
///
/// Each instance is a supervised child running one invocation at a time. An invocation takes an
/// idle ready instance (warm), or starts a new one while fewer than `max_concurrency` exist
/// (cold), or waits in the queue (up to `max_queue`, else `throttled`) until one is released.
/// An instance that times out is killed (it may be stuck) and replaced on demand.
final class FunctionPool: Sendable {
    let manifest: Manifest
    let spec: FunctionSpec
    let config: [String: JSONValue]
    let supervisor: Supervisor
    let logger: Logger
    /// Instances, the queue and the stats, behind one lock; queued invocations watch it for a grant.
    private let state = Watched(State())
    private let reaper = Locked<Task<Void, Never>?>(nil)

    private struct Instance: Sendable {
        let child: SupervisedChild
        var busy: Bool
        var lastUsed: ContinuousClock.Instant
    }

    struct Lease {
        let child: SupervisedChild
        let cold: Bool
    }

    /// What a queued invocation is given when it reaches the head of the queue.
    private enum Grant: Sendable {
        /// A released ready instance.
        case warm(SupervisedChild)
        /// Room to start instance number n (one died or failed to start).
        case cold(Int)
        /// The function is being removed.
        case closed
    }

    private struct State: Sendable {
        var instances: [String: Instance] = [:]
        var starting = 0
        /// Queued invocations, first come first served.
        var waiters: Deque<UInt64> = []
        var grants: [UInt64: Grant] = [:]
        var nextInstance = 0
        var nextWaiter: UInt64 = 0
        var stats = FunctionStats()
        var coldTotalMs = 0.0
        var warmTotalMs = 0.0
        var warmSucceeded = 0
        var closed = false
    }

    var name: String { manifest.id }

    init(manifest: Manifest, spec: FunctionSpec, config: [String: JSONValue], supervisor: Supervisor, logger: Logger) {
        self.manifest = manifest; self.spec = spec; self.config = config; self.supervisor = supervisor; self.logger = logger
        if spec.idleTimeoutMs > 0 {
            let period = Duration.milliseconds(max(50, min(1000, spec.idleTimeoutMs / 2)))
            // Owned by the pool: cancelled in close() (a pool lives as long as its deployment).
            reaper.withLock { $0 = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: period)
                    await self?.expireIdle()
                }
            } }
        }
    }

    // MARK: Invoke

    func invoke(_ input: JSONValue, invocationId: String, idempotencyKey: String? = nil) async throws -> Invocation {
        let started = ContinuousClock.now
        let startedAt = Timestamp.now()
        state.update { $0.stats.invocations += 1 }
        let lease: Lease
        do {
            lease = try await acquire(deadline: started + .milliseconds(spec.timeoutMs))
        } catch let e as WireError {
            state.update { s in
                if e.code == .throttled { s.stats.throttled += 1 } else if e.code == .timeout { s.stats.timeouts += 1 } else { s.stats.failed += 1 }
                s.stats.lastError = e.message
            }
            throw e
        }
        let remaining = max(Duration.milliseconds(1), (started + .milliseconds(spec.timeoutMs)) - ContinuousClock.now)
        let params = InvokeParams(function: spec.handler, invocationId: invocationId, input: input,
                                  timeoutMs: Int(remaining.milliseconds), idempotencyKey: idempotencyKey)
        let callStart = ContinuousClock.now
        do {
            let out = try await lease.child.call(ChildProtocol.invoke, params: params, timeout: remaining)
            let result = try Wire.decode(InvokeResult.self, fromParsed: out, what: "result of function.invoke from \(lease.child.name)")
            let ms = (ContinuousClock.now - callStart).milliseconds
            state.update { s in
                s.stats.succeeded += 1
                if !lease.cold {
                    s.warmTotalMs += ms
                    s.warmSucceeded += 1
                    s.stats.warmInvokeMsAvg = s.warmTotalMs / Double(s.warmSucceeded)
                }
            }
            await release(lease.child, healthy: true)
            return Invocation(invocationId: invocationId, function: name, status: .succeeded, output: result.output,
                              durationMs: (ContinuousClock.now - started).milliseconds, coldStart: lease.cold, instance: lease.child.name, startedAt: startedAt)
        } catch let e as WireError {
            let stuck = e.code == .timeout || e.code == .unavailable
            state.update { s in
                if e.code == .timeout { s.stats.timeouts += 1 } else { s.stats.failed += 1 }
                s.stats.lastError = e.message
            }
            if e.code == .timeout { lease.child.kill(reason: "function \(name): invocation \(invocationId) timed out after \(spec.timeoutMs) ms") }
            await release(lease.child, healthy: !stuck)
            let err = e.code == .timeout ? WireError(.timeout, "function \(name) did not finish within \(spec.timeoutMs) ms (instance \(lease.child.name) stopped)") : e
            return Invocation(invocationId: invocationId, function: name, status: .failed, error: err,
                              durationMs: (ContinuousClock.now - started).milliseconds, coldStart: lease.cold, instance: lease.child.name, startedAt: startedAt)
        }
    }

    private func acquire(deadline: ContinuousClock.Instant) async throws -> Lease {
        enum Plan: Sendable { case warm(SupervisedChild), cold(Int), wait }
        let plan = try state.update { s -> Plan in
            if s.closed { throw WireError(.unavailable, "function \(name) is being removed") }
            if let (key, inst) = s.instances.first(where: { !$0.value.busy && $0.value.child.currentState == .ready }) {
                s.instances[key]?.busy = true
                s.stats.warmStarts += 1
                return .warm(inst.child)
            }
            // Forget instances that died while idle.
            for (k, i) in s.instances where !i.busy && i.child.currentState != .ready && i.child.currentState != .starting {
                s.instances[k] = nil
            }
            if s.instances.count + s.starting < spec.maxConcurrency {
                s.starting += 1
                s.nextInstance += 1
                return .cold(s.nextInstance)
            }
            if s.waiters.count >= spec.maxQueue {
                throw WireError(.throttled, "function \(name): \(spec.maxConcurrency) invocations running and \(s.waiters.count) queued (max_queue \(spec.maxQueue)); retry later")
            }
            return .wait
        }
        switch plan {
        case .warm(let c): return Lease(child: c, cold: false)
        case .cold(let n): return try await startInstance(n)
        case .wait: return try await wait(until: deadline)
        }
    }

    private func startInstance(_ n: Int) async throws -> Lease {
        let t0 = ContinuousClock.now
        let child: SupervisedChild
        do {
            child = try supervisor.makeChild(manifest, name: "fn:\(name)#\(n)", config: config, restart: .temporary)
        } catch {
            state.update { $0.starting -= 1 }
            await handOffToNextWaiter()
            throw (error as? HostError)?.wireError ?? WireError(.unavailable, "\(error)")
        }
        await supervisor.launch(child)
        let ready = await child.waitReady(timeout: .milliseconds(child.spec.readinessTimeoutMs))
        let ms = (ContinuousClock.now - t0).milliseconds
        guard ready else {
            state.update { $0.starting -= 1 }
            let why = child.snapshot.lastExit?.reason ?? "state \(child.currentState.rawValue)"
            await supervisor.remove(child.name)
            await handOffToNextWaiter()
            throw WireError(.unavailable, "function \(name): instance \(child.name) did not become ready: \(why)")
        }
        state.update { s in
            s.starting -= 1
            s.instances[child.name] = Instance(child: child, busy: true, lastUsed: .now)
            s.stats.coldStarts += 1
            s.coldTotalMs += ms
            s.stats.coldStartMsAvg = s.coldTotalMs / Double(s.stats.coldStarts)
            s.stats.coldStartMsMax = max(s.stats.coldStartMsMax ?? 0, ms)
        }
        return Lease(child: child, cold: true)
    }

    /// Queues until an instance is granted, `deadline` passes (`.timeout`) or the calling task is
    /// cancelled (`CancellationError`; a grant that raced with it goes to the next in line).
    private func wait(until deadline: ContinuousClock.Instant) async throws -> Lease {
        let id = state.update { s -> UInt64 in
            s.nextWaiter += 1
            s.waiters.append(s.nextWaiter)
            return s.nextWaiter
        }
        _ = await state.wait(for: max(.zero, deadline - .now)) { $0.grants[id] != nil }
        // Take the grant, or leave the queue: one step, so a grant is never lost between the two.
        let grant = state.update { s -> Grant? in
            if let g = s.grants.removeValue(forKey: id) { return g }
            s.waiters.removeAll { $0 == id }
            return nil
        }
        if Task.isCancelled {
            switch grant {
            case .warm(let child): await release(child, healthy: true)
            case .cold: state.update { $0.starting -= 1 }; await handOffToNextWaiter()
            case .closed, nil: break
            }
            throw CancellationError()
        }
        switch grant {
        case .warm(let child): return Lease(child: child, cold: false)
        case .cold(let n): return try await startInstance(n)
        case .closed: throw WireError(.unavailable, "function \(name) was removed")
        case nil:
            throw WireError(.timeout, "function \(name): no instance free within \(spec.timeoutMs) ms (max_concurrency \(spec.maxConcurrency))")
        }
    }

    /// Gives a finished instance to the next waiter, or marks it idle. An unhealthy one is dropped.
    private func release(_ child: SupervisedChild, healthy: Bool) async {
        if !healthy || child.currentState != .ready {
            state.update { $0.instances[child.name] = nil }
            await supervisor.remove(child.name)
            await handOffToNextWaiter()
            return
        }
        state.update { s in
            if let w = s.waiters.popFirst() {
                s.stats.warmStarts += 1
                s.grants[w] = .warm(child)
                return
            }
            s.instances[child.name]?.busy = false
            s.instances[child.name]?.lastUsed = .now
        }
    }

    /// A slot freed without an instance to hand over: the first waiter may start one.
    private func handOffToNextWaiter() async {
        state.update { s in
            guard s.instances.count + s.starting < spec.maxConcurrency, let w = s.waiters.popFirst() else { return }
            s.starting += 1
            s.nextInstance += 1
            s.grants[w] = .cold(s.nextInstance)
        }
    }

    private func expireIdle() async {
        let idle = state.update { s -> [SupervisedChild] in
            let now = ContinuousClock.now
            let expired = s.instances.values.filter { !$0.busy && now - $0.lastUsed >= .milliseconds(spec.idleTimeoutMs) }
            for i in expired { s.instances[i.child.name] = nil }
            return expired.map(\.child)
        }
        for c in idle { await supervisor.remove(c.name) }
    }

    /// Stops every instance and fails the queue (function deleted or replaced).
    func close() async {
        reaper.withLock { $0?.cancel() }
        let children = state.update { s -> [SupervisedChild] in
            s.closed = true
            for w in s.waiters { s.grants[w] = .closed }
            defer { s.instances = [:]; s.waiters = [] }
            return s.instances.values.map(\.child)
        }
        for c in children { await supervisor.remove(c.name) }
    }

    func info() -> FunctionInfo {
        state.read { s in
            FunctionInfo(name: name, version: manifest.version.description, handler: spec.handler, timeoutMs: spec.timeoutMs,
                         maxConcurrency: spec.maxConcurrency, maxQueue: spec.maxQueue, idleTimeoutMs: spec.idleTimeoutMs, triggers: spec.eventTriggers,
                         instances: s.instances.count, busy: s.instances.values.filter(\.busy).count, queued: s.waiters.count, stats: s.stats)
        }
    }

    var instanceNames: [String] { state.read { Array($0.instances.keys) } }

}
