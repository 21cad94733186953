import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HostCore
import LightningTestSupport
import LightningProtocol
import Logging
import Testing

/// The servicebus-eventbus library loaded through the real loader and C ABI (as the daemon
/// loads it), pointed at the loopback Service Bus fake (`Tests/Fakes/servicebus_fake.py`).
struct ServiceBusBus: PluginHandle {
    let connection: any ProviderConnection

    @discardableResult
    func publish(_ events: [Event]) async throws -> [PublishOutcome] {
        try await call(Method.publish, PublishRequest(events: events), as: PublishResult.self).results
    }

    func subscribe(_ name: String, _ patterns: [String], filter: EventFilter? = nil, maxAttempts: Int? = nil, backoffMs: Int? = nil) async throws {
        _ = try await call(Method.subscribe, Subscription(name: name, patterns: patterns, filter: filter, maxAttempts: maxAttempts,
                                                          backoffMs: backoffMs), as: SubscriptionInfo.self)
    }

    func receive(_ sub: String, max: Int = 32, waitMs: Int = 0, leaseMs: Int = 30_000) async throws -> [Delivery] {
        try await call(Method.receive, ReceiveRequest(subscription: sub, max: max, waitMs: waitMs, leaseMs: leaseMs), as: ReceiveResult.self).deliveries
    }

    func ack(_ sub: String, _ ds: [Delivery]) async throws -> Int {
        try await call(Method.ack, AckRequest(subscription: sub, deliveryIds: ds.map(\.deliveryId)), as: AckResult.self).settled
    }

    func nack(_ sub: String, _ d: Delivery, _ error: String, retry: Bool? = nil) async throws -> NackResult {
        try await call(Method.nack, NackRequest(subscription: sub, deliveryId: d.deliveryId, error: error, retry: retry), as: NackResult.self)
    }

    func stats() async throws -> BusStats { try await call(Method.stats, Empty(), as: BusStats.self) }
}

/// The fake's credentials and how to open the plugin against it.
enum ServiceBusTestEnv {
    static let keyName = "RootManageSharedAccessKey"
    /// Looks like base64 on purpose: Service Bus signs with the text as written.
    static let key = "SGVsbG9Xb3JsZEtleQ=="

    static func startFake() async throws -> FakeServer {
        try await FakeServer(script: "servicebus_fake.py", args: ["--key-name", keyName, "--key", key])
    }

    static func connectionString(keyName: String = keyName, key: String = key) -> String {
        "Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=\(keyName);SharedAccessKey=\(key)"
    }

    static let loader: PluginLoader = {
        var logger = Logger(label: "servicebus-tests")
        logger.logLevel = .warning
        return PluginLoader(logger: logger)
    }()

    /// A fresh topic on `fake` unless `topic` is given.
    static func open(_ fake: FakeServer, topic: String? = nil, key: String = key, extra: [String: JSONValue] = [:]) throws -> ServiceBusBus {
        var config: [String: JSONValue] = [
            "connection_string": .string(connectionString(key: key)),
            "endpoint": .string(fake.baseURL),
            "topic": .string(topic ?? "t-\(UUID().uuidString.prefix(8).lowercased())"),
        ]
        config.merge(extra) { _, new in new }
        return try openRaw(config)
    }

    static func openRaw(_ config: [String: JSONValue]) throws -> ServiceBusBus {
        let plugin = try loader.loadLibrary(at: BuildProducts.url("libLightningServiceBusEventBus.so"), expectedId: "servicebus-eventbus")
        return ServiceBusBus(connection: try plugin.makeInstance(config: .object(config)))
    }

    /// Tells the fake to answer the next `count` requests with 429 and `Retry-After: retryAfter`.
    static func throttle(_ fake: FakeServer, count: Int, retryAfter: String) async throws {
        var r = URLRequest(url: URL(string: "\(fake.baseURL)/$fake/throttle?count=\(count)&retry_after=\(retryAfter)")!)
        r.httpMethod = "POST"
        r.httpBody = Data()
        let (_, response) = try await URLSession.shared.data(for: r)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
    }
}
