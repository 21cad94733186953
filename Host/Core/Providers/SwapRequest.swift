public import LightningProtocol

/// One provider swap as `ProviderManager.swap` runs it: what to swap and the daemon's parts of
/// it (preparing the new instance, recording what serves, publishing events).
public struct SwapRequest: Sendable {
    public var kind: Manifest.ProviderKind
    /// Storage only: copy every document to the new provider before traffic moves.
    public var copy: Bool
    /// How long the new provider is health-checked after the switch (0: no probation).
    public var probationMs: Int
    /// How long an event-bus swap keeps forwarding pending deliveries from the old bus.
    public var forwardMaxWait: Duration = .seconds(60)
    /// Loads, creates, configures and health-checks the new instance while `current` serves.
    /// - Throws: a `WireError` that starts `swap refused, <current> keeps serving: …`; the
    ///   manager passes it on unchanged.
    public var prepare: @Sendable (_ current: ProviderSlot.Binding?) async throws -> ProviderSlot.Binding
    /// Called once a binding serves: the new one after the switch, the old one after a rollback.
    public var bound: @Sendable (ProviderSlot.Binding) async -> Void
    /// Publishes the swap's events (`provider.swapped`, `provider.copy.progress`,
    /// `provider.forward.failed`, `provider.rolled_back`).
    public var publish: @Sendable ([Event]) async -> Void

    public init(kind: Manifest.ProviderKind, copy: Bool = false, probationMs: Int = 3000,
                prepare: @escaping @Sendable (ProviderSlot.Binding?) async throws -> ProviderSlot.Binding,
                bound: @escaping @Sendable (ProviderSlot.Binding) async -> Void = { _ in },
                publish: @escaping @Sendable ([Event]) async -> Void = { _ in }) {
        self.kind = kind; self.copy = copy; self.probationMs = probationMs
        self.prepare = prepare; self.bound = bound; self.publish = publish
    }
}
