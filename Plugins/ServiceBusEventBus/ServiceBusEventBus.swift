public import CLightningABI
import AzureSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LightningPluginKit
import LightningProtocol
import Synchronization

/// The Azure Service Bus event bus: the event-bus contract on one Service Bus topic, over the
/// REST interface (HTTPS + SAS tokens), see docs/servicebus-eventbus.md.
///
/// ```
/// publish ─▶ POST /{topic}/messages (batch, MessageId = idempotency key or id, Label = type)
///                 │ the broker fans out by each subscription's SQL rule on the Label
///                 ▼
/// subscription "s" = /{topic}/subscriptions/{sb(s)}  (UserMetadata = the contract subscription)
///   receive ─▶ POST …/messages/head?timeout=N ─▶ 201 + BrokerProperties + Location (the lease)
///   ack     ─▶ DELETE Location      nack ─▶ PUT Location (after the backoff; renewed meanwhile)
///   lease_ms ─▶ POST Location (renew) until the lease ends, then PUT (abandon = failed attempt)
///   DeliveryCount > MaxDeliveryCount (= max_attempts) ─▶ …/$DeadLetterQueue
/// ```
///
/// The broker holds every message; this instance holds only its leases' timers, short-lived
/// caches and counters. Several daemons with the same connection string and topic share one bus.
final class ServiceBusEventBus: EventBusPlugin {
    let config: ServiceBusConfig
    let context: PluginContext
    let http: AzureHTTP
    let tokens: SASTokenCache
    let policy: AzureHTTP.RetryPolicy
    let leases = LeaseTable()
    let counters = Mutex(BusStats())
    let dedup = Mutex<[String: (firstId: String, until: Date)]>([:])
    let cache = Mutex(SubscriptionCacheState())
    let topicReady = Mutex(false)
    let closed = Mutex(false)

    struct SubscriptionCacheState {
        var list: [SubscriptionRecord]?
        var listAt = Date.distantPast
        var one: [String: (SubscriptionRecord, Date)] = [:]
    }

    /// A subscription as read back from Service Bus.
    struct SubscriptionRecord: Sendable {
        var sbName: String
        var subscription: Subscription
        var pending: Int
        /// The subscription's LockDuration as Service Bus reports it (seconds), if readable.
        var lockDuration: TimeInterval?
    }

    static let managementVersion = "api-version=2021-05"
    static let cacheSeconds: TimeInterval = 2

    init(context: PluginContext) throws {
        let config = try ServiceBusConfig(context.config)
        self.config = config
        self.context = context
        self.http = AzureHTTP(service: "Service Bus", timeout: TimeInterval(config.requestTimeoutSeconds))
        self.tokens = SASTokenCache(audience: config.connection.baseURL.absoluteString, keyName: config.connection.keyName,
                                    key: config.connection.key, lifetime: Int64(config.tokenLifetimeSeconds))
        self.policy = AzureHTTP.RetryPolicy(maxThrottleRetries: config.maxThrottleRetries)
        context.log(.info, "service bus \(config.connection.baseURL.absoluteString), topic \"\(config.topic)\", key name \(config.connection.keyName)")
    }

    func shutdown() async {
        closed.withLock { $0 = true }
        // Give held leases back at once so other consumers need not wait for the locks to end.
        for id in leases.removeAll() {
            _ = try? await send("PUT", lockURL: id)
        }
    }

    // MARK: addresses

    var base: URL { config.connection.baseURL }

    func url(_ path: String, query: String? = nil) -> URL {
        let s = base.absoluteString + path + (query.map { "?" + $0 } ?? "")
        return URL(string: s) ?? base
    }

    var topicPath: String { config.topic }
    func subscriptionPath(_ sb: String) -> String { "\(config.topic)/subscriptions/\(sb)" }

    // MARK: requests

    /// Sends one request with a fresh (cached) SAS token and the throttling rule: a 429 is
    /// retried after `Retry-After`, up to `max_throttle_retries` times, then `throttled`.
    func send(_ method: String, _ url: URL, body: Data? = nil, contentType: String? = nil,
              headers: [String: String] = [:]) async throws -> HTTPReply {
        let tokens = self.tokens
        return try await http.send({
            var r = URLRequest(url: url)
            r.httpMethod = method
            r.setValue(tokens.header(), forHTTPHeaderField: "Authorization")
            if let contentType { r.setValue(contentType, forHTTPHeaderField: "Content-Type") }
            for (k, v) in headers { r.setValue(v, forHTTPHeaderField: k) }
            if method != "GET" { r.httpBody = body ?? Data() }
            return r
        }, policy: policy)
    }

    /// A request on a lock URL (a delivery id), used exactly as the service gave it.
    func send(_ method: String, lockURL: String) async throws -> HTTPReply {
        guard let u = URL(string: lockURL) else { throw WireError(.invalidArgument, "\"\(lockURL)\" is not a delivery id") }
        return try await send(method, u)
    }

    /// The error for an unexpected reply, by Service Bus's status codes: 401/403 `unauthenticated`,
    /// 404/410 `not_found`, 429 `throttled`, 400/413 `invalid_argument`, 409 `conflict`, 5xx
    /// `unavailable`. The text names the request (never its token) and Service Bus's `<Detail>`.
    func failure(_ reply: HTTPReply, _ method: String, _ url: URL) -> WireError {
        let detail = AtomXML.value("Detail", in: reply.bodyText(limit: 2000)[...]) ?? reply.bodyText(limit: 300)
        let what = "Service Bus: \(method) \(AzureHTTP.where(URLRequest(url: url))) answered HTTP \(reply.status)"
        let text = detail.isEmpty ? what : "\(what): \(detail)"
        switch reply.status {
        case 401, 403:
            return WireError(.unauthenticated, "\(text) (check SharedAccessKeyName, SharedAccessKey and the policy's Send/Listen/Manage rights)")
        case 404, 410: return WireError(.notFound, text)
        case 429: return WireError(.throttled, text)
        case 400, 413: return WireError(.invalidArgument, text)
        case 409: return WireError(.conflict, text)
        case 500...: return WireError(.unavailable, text)
        default: return WireError(.internal, text)
        }
    }

    /// Sends and requires one of `ok`.
    @discardableResult
    func expect(_ ok: Set<Int>, _ method: String, _ url: URL, body: Data? = nil, contentType: String? = nil,
                headers: [String: String] = [:]) async throws -> HTTPReply {
        let reply = try await send(method, url, body: body, contentType: contentType, headers: headers)
        guard ok.contains(reply.status) else { throw failure(reply, method, url) }
        return reply
    }

    // MARK: topic

    /// Creates the topic on first use if it does not exist (duplicate detection on when
    /// `dedup_window_seconds` > 0). Needs the Manage right only when the topic is missing.
    func ensureTopic() async throws {
        if topicReady.withLock({ $0 }) { return }
        let u = url(topicPath, query: Self.managementVersion)
        let reply = try await send("GET", u)
        switch reply.status {
        case 200 where !AtomXML.entries(reply.bodyText(limit: 1_000_000)).isEmpty:
            break
        case 200, 404:
            // GET of a missing entity answers an empty feed (200) on Service Bus, 404 on some gateways.
            let created = try await send("PUT", u, body: AtomXML.topic(dedupWindowSeconds: config.dedupWindowSeconds),
                                         contentType: "application/atom+xml;type=entry;charset=utf-8")
            guard created.status == 201 || created.status == 200 || created.status == 409 else { throw failure(created, "PUT", u) }
            context.log(.info, "created topic \"\(config.topic)\"")
        default:
            throw failure(reply, "GET", u)
        }
        topicReady.withLock { $0 = true }
    }

    func health() async -> HealthReport {
        let start = ContinuousClock.now
        do {
            try await ensureTopic()
            let subs = try await listSubscriptions(fresh: true)
            let d = ContinuousClock.now - start
            let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
            return HealthReport(status: .healthy, latencyMs: ms, details: [
                "endpoint": .string(base.absoluteString), "topic": .string(config.topic),
                "durability": "full",
                "durability_note": "Service Bus stores a message (replicated) before it answers 201 to the send",
                "pending": .int(subs.reduce(0) { $0 + $1.pending }), "subscriptions": .int(subs.count),
            ])
        } catch {
            return HealthReport(status: .unhealthy, latencyMs: 0, error: "\(error)")
        }
    }

    static func noSubscription(_ name: String) -> WireError {
        WireError(.notFound, "subscription \"\(name)\" does not exist")
    }

    func count(_ update: (inout BusStats) -> Void) { counters.withLock { update(&$0) } }
}

@_cdecl("lt_plugin_entry")
public func lt_plugin_entry(_ host: UnsafePointer<lt_host_v1>) -> UnsafePointer<lt_plugin_v1>? {
    PluginExport.entry(host: host, id: "servicebus-eventbus", version: "1.0.0") { try ServiceBusEventBus(context: $0) }
}
