import LightningProtocol
public import Logging
public import ServiceLifecycle

/// Owns the provider slots and makes every change to them, one at a time: binds, swaps,
/// rollbacks, upgrades (docs/hot-swap.md).
///
/// ```
///  API / SIGHUP ── swap(request) ──▶ commands (AsyncStream) ──▶ run(): one command at a time
///  probation ───── rollback ───────▶        (FIFO)                 │
///                                                                  ├─ swap: prepare ─ migrate ─ switch ─ forward
///                                                                  │        └─▶ group.addTask(probation)
///                                                                  ├─ rollback: rebind old if the new one is still current
///                                                                  └─ bind
///  router / API ── slot.call(…) ──▶ ProviderSlot (Locked read of the current binding: no hop through this actor)
/// ```
///
/// `run()` is a `Service` of the daemon's `ServiceGroup`. Its task group owns the probation
/// windows; on graceful shutdown (or cancellation) it stops taking commands, ends every probation
/// (the new provider stays bound, the old one is closed) and closes old buses kept open by a
/// forward that did not finish.
///
/// Serialization comes from the command loop, not from the actor (an actor is re-entered at
/// every `await`): a swap's steps, from reading the current binding to the end of its forward,
/// never interleave with another swap, bind or rollback. Each binding gets a new `generation`;
/// a rollback replaces only the binding its swap made (a later swap during probation stays).
public actor ProviderManager: Service {
    /// One slot per provider kind, made from `Manifest.ProviderKind.allCases`: a new kind gets
    /// its slot (and its place in binds, swaps, `/v1/providers`) from its `case` alone.
    private nonisolated let slots = Dictionary(uniqueKeysWithValues: Manifest.ProviderKind.allCases.map { ($0, ProviderSlot(kind: $0)) })
    public nonisolated var storage: ProviderSlot { slot(.storage) }
    public nonisolated var eventbus: ProviderSlot { slot(.eventbus) }
    public nonisolated var containers: ProviderSlot { slot(.containers) }
    public nonisolated var functions: ProviderSlot { slot(.functions) }
    nonisolated let logger: Logger

    private nonisolated let commands: AsyncStream<Command>
    private nonisolated let sink: AsyncStream<Command>.Continuation
    /// Set when graceful shutdown or cancellation begins: commands still queued are refused.
    private nonisolated let stopping = Locked(false)
    private var phase = Phase.idle
    private var generation: UInt64 = 0
    /// Old bindings kept open after their probation (a forward left deliveries on them).
    private var retained: [ProviderSlot.Binding] = []

    enum Phase { case idle, running, stopped }

    enum Command: Sendable {
        case bind(Manifest.ProviderKind, ProviderSlot.Binding, Reply<ProviderSlot.Binding?>)
        case swap(SwapRequest, Reply<SwapReport>)
        case rollback(SwapProbation, Reply<SwapProbation.Rollback?>)
    }

    public init(logger: Logger) {
        self.logger = logger
        (commands, sink) = AsyncStream<Command>.makeStream()
    }

    public nonisolated func slot(_ kind: Manifest.ProviderKind) -> ProviderSlot {
        guard let s = slots[kind] else { preconditionFailure("no slot for provider kind \(kind.rawValue): slots are made for every case") }
        return s
    }

    /// Every slot, in the order of `Manifest.ProviderKind.allCases`.
    public nonisolated var all: [ProviderSlot] { Manifest.ProviderKind.allCases.map { slot($0) } }

    /// Runs the command loop until graceful shutdown or cancellation.
    public func run() async throws {
        precondition(phase == .idle, "ProviderManager.run() called twice")
        phase = .running
        let sink = self.sink
        let stopping = self.stopping
        await withTaskCancellationOrGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await command in commands {
                    guard !stopping.value else { command.refuse(Self.stoppedError); continue }
                    if let probation = await perform(command) {
                        group.addTask { await probation.run(on: self) }
                    }
                }
                group.cancelAll()
            }
        } onCancelOrGracefulShutdown: {
            stopping.withLock { $0 = true }
            sink.finish()
        }
        phase = .stopped
        let kept = retained
        retained = []
        for b in kept { await b.connection.close() }
    }

    /// Binds `binding` to the slot of `kind` and returns what it replaced (the caller closes it).
    /// Before `run()` (the daemon's start) this binds at once; while running it waits its turn
    /// behind any swap.
    public func bind(_ binding: ProviderSlot.Binding, to kind: Manifest.ProviderKind) async throws -> ProviderSlot.Binding? {
        if phase == .idle { return bindNow(binding, to: kind) }
        return try await submit { .bind(kind, binding, $0) }
    }

    /// Swaps a provider, make-before-break (`ProviderManager+Swap.swift`), after every change
    /// queued before it. Returns when traffic has moved (and a bus's pending deliveries were
    /// forwarded); the probation window goes on in `run()`'s task group.
    /// A swap asked for before `run()` starts waits for it.
    /// - Throws: `WireError` refusals (the old provider keeps serving), or `.unavailable` when the
    ///   manager has stopped or is shutting down.
    public func swap(_ request: SwapRequest) async throws -> SwapReport {
        try await submit { .swap(request, $0) }
    }

    /// Asks the loop to roll `probation`'s swap back. Returns what it did, or nil if the new
    /// binding was replaced meanwhile or the manager stopped.
    func rollback(_ probation: SwapProbation) async -> SwapProbation.Rollback? {
        do { return try await submit { .rollback(probation, $0) } } catch { return nil }
    }

    /// Keeps an old binding open until the manager stops.
    func retain(_ binding: ProviderSlot.Binding) { retained.append(binding) }

    static let stoppedError = WireError(.unavailable, "the daemon is shutting down: provider changes are refused")

    private nonisolated func submit<T: Sendable>(_ make: (Reply<T>) -> Command) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            let reply = Reply(c)
            if case .terminated = sink.yield(make(reply)) { reply.resume(.failure(Self.stoppedError)) }
        }
    }

    /// Runs one command; a swap that leaves an old provider on probation returns its probation.
    private func perform(_ command: Command) async -> SwapProbation? {
        switch command {
        case .bind(let kind, let binding, let reply):
            reply.resume(.success(bindNow(binding, to: kind)))
        case .rollback(let probation, let reply):
            reply.resume(.success(await rollbackNow(probation)))
        case .swap(let request, let reply):
            do {
                let (report, probation) = try await performSwap(request)
                reply.resume(.success(report))
                return probation
            } catch {
                reply.resume(.failure(error))
            }
        }
        return nil
    }

    /// Binds with a new generation; returns the binding made and the one replaced.
    @discardableResult
    func bindNow(_ binding: ProviderSlot.Binding, to kind: Manifest.ProviderKind) -> ProviderSlot.Binding? {
        bindNew(binding, to: kind).old
    }

    func bindNew(_ binding: ProviderSlot.Binding, to kind: Manifest.ProviderKind) -> (new: ProviderSlot.Binding, old: ProviderSlot.Binding?) {
        generation += 1
        var b = binding
        b.generation = generation
        b.boundAt = .now()
        return (b, slot(kind).bind(b))
    }

    /// Rebinds the old provider of `probation` if its new one is still current. Storage: with
    /// writes held, first copies back what the new provider took during its probation (each
    /// captured change re-read from it and applied to the old one); a copy back that fails is
    /// reported and the rollback goes on (the new provider is failing).
    private func rollbackNow(_ p: SwapProbation) async -> SwapProbation.Rollback? {
        guard p.slot.current?.generation == p.new.generation else { return nil }
        var copiedBack: Int?
        var copyBackError: String?
        var hold: WriteHold?
        if let changes = p.changes {
            let h = await p.slot.writes.hold()
            hold = h
            do { copiedBack = try await StorageCopyMigration(old: p.new.connection, new: p.old.connection).apply(changes.take()) } catch {
                copyBackError = (error as? WireError)?.message ?? "\(error)"
            }
            p.slot.writes.stopCapture(changes)
        }
        defer { hold?.release() }
        generation += 1
        var old = p.old
        old.generation = generation
        old.boundAt = .now()
        // Commands run one at a time, so the check above still holds; rebind checks again anyway.
        guard p.slot.rebind(old, replacing: p.new.generation) else { return nil }
        return SwapProbation.Rollback(restored: old, copiedBack: copiedBack, copyBackError: copyBackError)
    }
}

extension ProviderManager.Command {
    func refuse(_ error: any Error) {
        switch self {
        case .bind(_, _, let r): r.resume(.failure(error))
        case .swap(_, let r): r.resume(.failure(error))
        case .rollback(_, let r): r.resume(.failure(error))
        }
    }
}
