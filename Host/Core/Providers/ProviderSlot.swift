public import Foundation
public import LightningProtocol

/// The binding of one provider kind (storage, eventbus, ...) to the plugin instance serving it.
///
/// ```
///  caller ──▶ slot.call(m, p) ──▶ current binding's connection ──▶ plugin      (lock-protected read, no actor hop)
///                  ▲
///  ProviderManager: bind(new) / rebind(old, replacing: generation) ┘ (atomic)
///                   ── old.close() waits for the old binding's in-flight calls
/// ```
///
/// A call picks the binding current when it starts and finishes on it; rebinding is atomic, so
/// callers never see a gap. Only `ProviderManager` changes a slot (make-before-break is its duty:
/// it binds only a connection that is configured and healthy); every binding it makes carries a
/// new `generation`, so a late rollback can tell whether the binding it would replace is still
/// the one it put there.
public final class ProviderSlot: Sendable {
    public let kind: Manifest.ProviderKind
    private let binding = Locked<Binding?>(nil)
    /// Holds storage writes while a swap copies the data (`ProviderManager`, copy swaps).
    let writes = WriteGate()

    /// What serves the slot now.
    public struct Binding: Sendable {
        public var connection: any ProviderConnection
        public var pluginId: String
        public var version: String
        public var boundAt: Timestamp
        public var config: [String: JSONValue]
        /// The library's sha256 (nil for a provider built into the daemon).
        public var sha256: String?
        /// Set by `ProviderManager` when it binds: unique per binding of this daemon.
        public var generation: UInt64 = 0

        public init(connection: any ProviderConnection, pluginId: String, version: String, boundAt: Timestamp = .now(),
                    config: [String: JSONValue], sha256: String? = nil, generation: UInt64 = 0) {
            self.connection = connection; self.pluginId = pluginId; self.version = version
            self.boundAt = boundAt; self.config = config; self.sha256 = sha256; self.generation = generation
        }
    }

    /// Methods that change a storage provider's data: held during a copy swap.
    static let storageWrites: Set = [Method.documentCreate, Method.documentReplace, Method.documentUpsert, Method.documentDelete,
                                     Method.containerCreate, Method.containerDelete]

    public init(kind: Manifest.ProviderKind) { self.kind = kind }

    public var current: Binding? { binding.value }

    /// Replaces the binding atomically and returns the previous one (the caller drains and closes
    /// it). `ProviderManager` only.
    @discardableResult
    func bind(_ new: Binding) -> Binding? {
        binding.withLock { b in
            let old = b
            b = new
            return old
        }
    }

    /// Binds `new` only if the current binding is still generation `generation`; false (nothing
    /// changed) when another binding has replaced it since.
    func rebind(_ new: Binding, replacing generation: UInt64) -> Bool {
        binding.withLock { b in
            guard b?.generation == generation else { return false }
            b = new
            return true
        }
    }

    /// Removes the binding (the caller closes it).
    public func unbind() -> Binding? { binding.withLock { b in defer { b = nil }; return b } }

    /// Calls the current provider.
    /// - Throws: `WireError(.unavailable)` when nothing is bound; the provider's errors otherwise.
    public func call(_ method: String, _ params: Data) async throws -> Data {
        if kind == .storage, Self.storageWrites.contains(method) {
            // While a copy swap captures changes, each write says what it may have changed once it
            // has landed (success or not), before it counts out: a catch-up round that re-reads
            // the document then sees this write, or a later round sees the record.
            let captures = await writes.enter()
            defer {
                if !captures.isEmpty, let change = StorageChange.of(method: method, params: params) {
                    for c in captures { c.record(change) }
                }
                writes.leave()
            }
            return try await callCurrent(method, params)
        }
        return try await callCurrent(method, params)
    }

    private func callCurrent(_ method: String, _ params: Data) async throws -> Data {
        guard let b = binding.value else {
            throw WireError(.unavailable, "no \(kind.rawValue) provider is configured (see `lightning providers`)")
        }
        return try await b.connection.call(method, params)
    }

    public func call<P: Encodable, R: Decodable>(_ method: String, _ params: P, as: R.Type) async throws -> R {
        let out = try await call(method, try Wire.encode(params))
        return try Wire.decode(R.self, from: out, what: "result of \(method) from the \(kind.rawValue) provider")
    }

    /// Typed form: the method's params and result types come with it.
    public func call<P, R>(_ method: ProviderMethod<P, R>, _ params: P) async throws -> R {
        try await call(method.name, params, as: R.self)
    }
}
