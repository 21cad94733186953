import Foundation
import AzureSupport
import BusSupport
import LightningProtocol

/// The Service Bus bus's configuration (manifests/servicebus-eventbus.json,
/// docs/servicebus-eventbus.md#configuration). Every problem names the field; none shows a key.
struct ServiceBusConfig: Sendable {
    var connection: ServiceBusConnection
    /// The one topic every event is sent to.
    var topic: String
    /// 0 = no duplicate detection; else the topic's DuplicateDetectionHistoryTimeWindow
    /// (at least 20 s, Service Bus's minimum) and this instance's own window.
    var dedupWindowSeconds: Int
    var defaultTTLSeconds: Int?
    /// Each subscription's LockDuration (5 to 300 s): how long one peek-lock holds a message
    /// before this instance renews it.
    var lockDurationSeconds: Int
    /// Lifetime of each SAS token (refreshed before it ends).
    var tokenLifetimeSeconds: Int
    var maxThrottleRetries: Int
    var requestTimeoutSeconds: Int

    static let defaultTopic = "lightning-events"

    init(_ config: JSONValue) throws {
        let reader = ConfigReader(config)
        guard let text = try reader.string("connection_string"), !text.isEmpty else {
            throw WireError(.invalidArgument, "config field \"connection_string\": required (Endpoint=sb://<namespace>.servicebus.windows.net/;SharedAccessKeyName=…;SharedAccessKey=…)")
        }
        connection = try ServiceBusConnection(text, endpointOverride: try reader.string("endpoint").flatMap { $0.isEmpty ? nil : $0 },
                                              what: "config field \"connection_string\"")
        topic = try reader.string("topic") ?? connection.entityPath ?? Self.defaultTopic
        guard Self.isEntityName(topic, max: 260) else {
            throw WireError(.invalidArgument, "config field \"topic\": expected 1 to 260 characters of letters, digits, '.', '-' or '_', got \"\(topic)\"")
        }
        dedupWindowSeconds = try reader.int("dedup_window_seconds", min: 0) ?? 300
        defaultTTLSeconds = try reader.int("default_ttl_seconds", min: 1)
        lockDurationSeconds = try reader.int("lock_duration_seconds", min: 5, max: 300) ?? 60
        tokenLifetimeSeconds = try reader.int("token_ttl_seconds", min: 1, max: 7 * 24 * 3600) ?? 3600
        maxThrottleRetries = try reader.int("max_throttle_retries", min: 0, max: 20) ?? 5
        requestTimeoutSeconds = try reader.int("request_timeout_seconds", min: 5, max: 600) ?? 90
    }

    /// Service Bus entity names as this plugin writes them: letters, digits, `.`, `-`, `_`.
    static func isEntityName(_ s: String, max: Int) -> Bool {
        !s.isEmpty && s.utf8.count <= max && s.utf8.allSatisfy { b in
            (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 45 || b == 46 || b == 95
        }
    }
}
