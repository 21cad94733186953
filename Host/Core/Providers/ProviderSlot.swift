public import Foundation
public import LightningProtocol

/// The binding of one provider kind (storage, eventbus, ...) to the plugin instance serving it.
///
/// ```
///  caller ──▶ slot.call(m, p) ──▶ current binding's connection ──▶ plugin
///                  ▲
///  swap: bind(new) ┘ (atomic) ── old.close() waits for the old binding's in-flight calls
/// ```
///
/// A call picks the binding current when it starts and finishes on it; rebinding is atomic, so
/// callers never see a gap (make-before-break is the caller of `bind`'s duty: it binds only a
/// connection that is configured and healthy).
public final class ProviderSlot: Sendable {
    public let kind: Manifest.ProviderKind
    private let binding = Locked<Binding?>(nil)

    /// What serves the slot now.
    public struct Binding: Sendable {
        public var connection: any ProviderConnection
        public var pluginId: String
        public var version: String
        public var boundAt: Timestamp
        public var config: [String: JSONValue]
    }

    /// Holds storage writes while a swap copies the data (`holdWrites`).
    private let gate = Locked(WriteGate())

    struct WriteGate {
        var held = false
        var inFlight = 0
        var waiting: [CheckedContinuation<Bool, Never>] = []
        var drained: [CheckedContinuation<Void, Never>] = []
    }

    /// Methods that change a storage provider's data: held during a copy swap.
    static let storageWrites: Set = [Method.documentCreate, Method.documentReplace, Method.documentUpsert, Method.documentDelete,
                                     Method.containerCreate, Method.containerDelete]

    public init(kind: Manifest.ProviderKind) { self.kind = kind }

    public var current: Binding? { binding.value }

    /// Replaces the binding atomically and returns the previous one (the caller drains and closes it).
    @discardableResult
    public func bind(_ new: Binding) -> Binding? {
        binding.withLock { b in
            let old = b
            b = new
            return old
        }
    }

    /// Removes the binding (the caller closes it).
    public func unbind() -> Binding? { binding.withLock { b in defer { b = nil }; return b } }

    /// Calls the current provider.
    /// - Throws: `WireError(.unavailable)` when nothing is bound; the provider's errors otherwise.
    public func call(_ method: String, _ params: Data) async throws -> Data {
        if kind == .storage, Self.storageWrites.contains(method) {
            await enterWrite()
            defer { leaveWrite() }
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

    /// Stops new writes (they wait) and returns once the writes already running have finished:
    /// from then on the current provider's data cannot change, so a copy of it is complete.
    /// Reads go on. Every `holdWrites` must be followed by `releaseWrites`.
    public func holdWrites() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = gate.withLock { g -> Bool in
                g.held = true
                if g.inFlight == 0 { return true }
                g.drained.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    /// Lets the held writes go, to whatever provider is bound now (the new one after a switch).
    public func releaseWrites() {
        let waiting = gate.withLock { g -> [CheckedContinuation<Bool, Never>] in
            g.held = false
            defer { g.waiting = [] }
            return g.waiting
        }
        for w in waiting { w.resume(returning: false) }
    }

    /// Waits while writes are held, then counts this write in. A waiter woken by
    /// `releaseWrites` tries again (the gate may have been held again meanwhile).
    private func enterWrite() async {
        while true {
            let admitted = await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
                let now = gate.withLock { g -> Bool in
                    if g.held { g.waiting.append(c); return false }
                    g.inFlight += 1
                    return true
                }
                if now { c.resume(returning: true) }
            }
            if admitted { return }
        }
    }

    private func leaveWrite() {
        let drained = gate.withLock { g -> [CheckedContinuation<Void, Never>] in
            g.inFlight -= 1
            guard g.held, g.inFlight == 0 else { return [] }
            defer { g.drained = [] }
            return g.drained
        }
        for d in drained { d.resume() }
    }

    public func call<P: Encodable, R: Decodable>(_ method: String, _ params: P, as: R.Type) async throws -> R {
        let out = try await call(method, try Wire.encode(params))
        return try Wire.decode(R.self, from: out, what: "result of \(method) from the \(kind.rawValue) provider")
    }
}

/// The slots of every provider kind.
public final class ProviderRegistry: Sendable {
    public let storage = ProviderSlot(kind: .storage)
    public let eventbus = ProviderSlot(kind: .eventbus)
    public let containers = ProviderSlot(kind: .containers)
    public let functions = ProviderSlot(kind: .functions)

    public init() {}

    public func slot(_ kind: Manifest.ProviderKind) -> ProviderSlot {
        switch kind {
        case .storage: return storage
        case .eventbus: return eventbus
        case .containers: return containers
        case .functions: return functions
        }
    }

    public var all: [ProviderSlot] { [storage, eventbus, containers, functions] }
}
