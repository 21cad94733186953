import Foundation
public import LightningProtocol

/// A provider method with its params and result types, declared together once, so a call cannot
/// pair a method with the wrong types: `try await connection.call(.stats)` is a `BusStats`.
///
/// The names stay those of `Method` (the wire contract); this only ties each to its types. Add a
/// static here when a call site is moved to the typed form.
public struct ProviderMethod<Params: Encodable & Sendable, Result: Decodable & Sendable>: Sendable {
    public let name: String
    public init(_ name: String) { self.name = name }
}

extension ProviderMethod where Params == Empty, Result == HealthReport {
    public static var health: Self { .init(Method.health) }
}

// Storage: what a copy swap calls.
extension ProviderMethod where Params == Empty, Result == ContainerList {
    public static var containerList: Self { .init(Method.containerList) }
}
extension ProviderMethod where Params == ContainerRequest, Result == ContainerResult {
    public static var containerCreate: Self { .init(Method.containerCreate) }
}
extension ProviderMethod where Params == QueryRequest, Result == QueryResult {
    public static var documentQuery: Self { .init(Method.documentQuery) }
}
extension ProviderMethod where Params == WriteRequest, Result == Document {
    public static var documentUpsert: Self { .init(Method.documentUpsert) }
}
extension ProviderMethod where Params == DocumentKey, Result == Document {
    public static var documentRead: Self { .init(Method.documentRead) }
}
extension ProviderMethod where Params == DocumentKey, Result == DeleteResult {
    public static var documentDelete: Self { .init(Method.documentDelete) }
}
extension ProviderMethod where Params == ContainerRequest, Result == ContainerResult {
    public static var containerDelete: Self { .init(Method.containerDelete) }
}

// Event bus: what a bus swap calls.
extension ProviderMethod where Params == Empty, Result == BusStats {
    public static var stats: Self { .init(Method.stats) }
}
extension ProviderMethod where Params == Empty, Result == SubscriptionList {
    public static var subscriptions: Self { .init(Method.subscriptions) }
}
extension ProviderMethod where Params == Subscription, Result == SubscriptionInfo {
    public static var subscribe: Self { .init(Method.subscribe) }
}
extension ProviderMethod where Params == ReceiveRequest, Result == ReceiveResult {
    public static var receive: Self { .init(Method.receive) }
}
extension ProviderMethod where Params == PublishRequest, Result == PublishResult {
    public static var publish: Self { .init(Method.publish) }
}
extension ProviderMethod where Params == AckRequest, Result == AckResult {
    public static var ack: Self { .init(Method.ack) }
}

extension ProviderConnection {
    /// Calls `method` with `params`; the result is decoded as the method's result type.
    /// - Throws: the provider's `WireError`, or a decoding error naming the method and connection.
    public func call<P, R>(_ method: ProviderMethod<P, R>, _ params: P) async throws -> R {
        try await call(method.name, params, as: R.self)
    }

    /// Calls a method that takes no params.
    public func call<R>(_ method: ProviderMethod<Empty, R>) async throws -> R {
        try await call(method.name, Empty(), as: R.self)
    }
}
