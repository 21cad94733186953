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
    private let state = Locked(State())
    private let reaper = Locked<Task<Void, Never>?>(nil)

    private struct Instance {
        let child: SupervisedChild
        var busy: Bool
        var lastUsed: ContinuousClock.Instant
    }

    struct Lease {
        let child: SupervisedChild
        let cold: Bool
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Lease, any Error>
    }

    private struct State {
        var instances: [String: Instance] = [:]
        var starting = 0
        var waiters: Deque<Waiter> = []
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
            reaper.withLock { $0 = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: period)
                    await self?.expireIdle()
                }
            } }
        }
    }

    // MARK: Invoke

    func invoke(_ input: JSONValue, invocationId: String) async throws -> Invocation {
        let started = ContinuousClock.now
        let startedAt = Timestamp.now()
        state.withLock { $0.stats.invocations += 1 }
        let lease: Lease
        do {
            lease = try await acquire(deadline: started + .milliseconds(spec.timeoutMs))
        } catch let e as WireError {
            state.withLock { s in
                if e.code == .throttled { s.stats.throttled += 1 } else if e.code == .timeout { s.stats.timeouts += 1 } else { s.stats.failed += 1 }
                s.stats.lastError = e.message
            }
            throw e
        }
        let remaining = max(Duration.milliseconds(1), (started + .milliseconds(spec.timeoutMs)) - ContinuousClock.now)
        let params = InvokeParams(function: spec.handler, invocationId: invocationId, input: input,
                                  timeoutMs: Int(remaining.milliseconds))
        let callStart = ContinuousClock.now
        do {
            let out = try await lease.child.call(ChildProtocol.invoke, try Wire.decode(JSONValue.self, from: Wire.encode(params)), timeout: remaining)
            let result = try Wire.decode(InvokeResult.self, from: Wire.encode(out), what: "result of function.invoke from \(lease.child.name)")
            let ms = (ContinuousClock.now - callStart).milliseconds
            state.withLock { s in
                s.stats.succeeded += 1
                if !lease.cold {
                    s.warmTotalMs += ms
                    s.warmSucceeded += 1
                    s.stats.warmInvokeMsAvg = s.warmTotalMs / Double(s.warmSucceeded)
                }
            }
            release(lease.child, healthy: true)
            return Invocation(invocationId: invocationId, function: name, status: .succeeded, output: result.output,
                              durationMs: (ContinuousClock.now - started).milliseconds, coldStart: lease.cold, instance: lease.child.name, startedAt: startedAt)
        } catch let e as WireError {
            let stuck = e.code == .timeout || e.code == .unavailable
            state.withLock { s in
                if e.code == .timeout { s.stats.timeouts += 1 } else { s.stats.failed += 1 }
                s.stats.lastError = e.message
            }
            if e.code == .timeout { lease.child.kill(reason: "function \(name): invocation \(invocationId) timed out after \(spec.timeoutMs) ms") }
            release(lease.child, healthy: !stuck)
            let err = e.code == .timeout ? WireError(.timeout, "function \(name) did not finish within \(spec.timeoutMs) ms (instance \(lease.child.name) stopped)") : e
            return Invocation(invocationId: invocationId, function: name, status: .failed, error: err,
                              durationMs: (ContinuousClock.now - started).milliseconds, coldStart: lease.cold, instance: lease.child.name, startedAt: startedAt)
        }
    }

    private func acquire(deadline: ContinuousClock.Instant) async throws -> Lease {
        enum Plan { case warm(SupervisedChild), cold(Int), wait }
        let plan = try state.withLock { s -> Plan in
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
            state.withLock { $0.starting -= 1 }
            throw (error as? HostError)?.wireError ?? WireError(.unavailable, "\(error)")
        }
        await supervisor.launch(child)
        let ready = await child.waitReady(timeout: .milliseconds(child.spec.readinessTimeoutMs))
        let ms = (ContinuousClock.now - t0).milliseconds
        guard ready else {
            state.withLock { $0.starting -= 1 }
            let why = child.snapshot.lastExit?.reason ?? "state \(child.currentState.rawValue)"
            await supervisor.remove(child.name)
            handOffToNextWaiter()
            throw WireError(.unavailable, "function \(name): instance \(child.name) did not become ready: \(why)")
        }
        state.withLock { s in
            s.starting -= 1
            s.instances[child.name] = Instance(child: child, busy: true, lastUsed: .now)
            s.stats.coldStarts += 1
            s.coldTotalMs += ms
            s.stats.coldStartMsAvg = s.coldTotalMs / Double(s.stats.coldStarts)
            s.stats.coldStartMsMax = max(s.stats.coldStartMsMax ?? 0, ms)
        }
        return Lease(child: child, cold: true)
    }

    private func wait(until deadline: ContinuousClock.Instant) async throws -> Lease {
        let id = state.withLock { s -> UInt64 in s.nextWaiter += 1; return s.nextWaiter }
        let timer = Task { [weak self] in
            try? await Task.sleep(until: deadline)
            guard let self else { return }
            let w = self.state.withLock { s -> Waiter? in
                guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: i)
            }
            w?.continuation.resume(throwing: WireError(.timeout, "function \(self.name): no instance free within \(self.spec.timeoutMs) ms (max_concurrency \(self.spec.maxConcurrency))"))
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { c in
            state.withLock { $0.waiters.append(Waiter(id: id, continuation: c)) }
        }
    }

    /// Gives a finished instance to the next waiter, or marks it idle. An unhealthy one is dropped.
    private func release(_ child: SupervisedChild, healthy: Bool) {
        if !healthy || child.currentState != .ready {
            state.withLock { $0.instances[child.name] = nil }
            Task { await supervisor.remove(child.name) }
            handOffToNextWaiter()
            return
        }
        let waiter = state.withLock { s -> Waiter? in
            if let w = s.waiters.popFirst() {
                s.stats.warmStarts += 1
                return w
            }
            s.instances[child.name]?.busy = false
            s.instances[child.name]?.lastUsed = .now
            return nil
        }
        waiter?.continuation.resume(returning: Lease(child: child, cold: false))
    }

    /// A slot freed without an instance to hand over: start one for the first waiter.
    private func handOffToNextWaiter() {
        let next = state.withLock { s -> (Waiter, Int)? in
            guard s.instances.count + s.starting < spec.maxConcurrency, let w = s.waiters.popFirst() else { return nil }
            s.starting += 1
            s.nextInstance += 1
            return (w, s.nextInstance)
        }
        guard let (w, n) = next else { return }
        Task {
            do { w.continuation.resume(returning: try await self.startInstance(n)) } catch { w.continuation.resume(throwing: error) }
        }
    }

    private func expireIdle() async {
        let idle = state.withLock { s -> [SupervisedChild] in
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
        let (children, waiters) = state.withLock { s -> ([SupervisedChild], [Waiter]) in
            s.closed = true
            defer { s.instances = [:]; s.waiters = [] }
            return (s.instances.values.map(\.child), Array(s.waiters))
        }
        waiters.forEach { $0.continuation.resume(throwing: WireError(.unavailable, "function \(name) was removed")) }
        for c in children { await supervisor.remove(c.name) }
    }

    func info() -> FunctionInfo {
        state.withLock { s in
            FunctionInfo(name: name, version: manifest.version.description, handler: spec.handler, timeoutMs: spec.timeoutMs,
                         maxConcurrency: spec.maxConcurrency, maxQueue: spec.maxQueue, idleTimeoutMs: spec.idleTimeoutMs, triggers: spec.eventTriggers,
                         instances: s.instances.count, busy: s.instances.values.filter(\.busy).count, queued: s.waiters.count, stats: s.stats)
        }
    }

    var instanceNames: [String] { state.withLock { Array($0.instances.keys) } }

}
