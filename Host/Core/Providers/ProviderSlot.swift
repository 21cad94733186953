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
        guard let b = binding.value else {
            throw WireError(.unavailable, "no \(kind.rawValue) provider is configured (see `lightning providers`)")
        }
        return try await b.connection.call(method, params)
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
