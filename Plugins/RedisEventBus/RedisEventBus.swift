public import CLightningABI
import Foundation
import LightningPluginKit
import BusSupport
import LightningProtocol
import Synchronization

/// The Redis event bus: the event-bus contract on Redis Streams, shared by every daemon that
/// points at the same Redis URL and key prefix (docs/redis-eventbus.md).
///
/// ```
/// publish ─▶ publish.lua: journal XADD <p>events, dedup, fan-out XADD <p>q:<rank>:<sub> │ orphan
///                 │ PUBLISH <p>wake <sub>                      (acknowledged once Redis answered)
///                 ▼
/// WakeListener (thread) ─▶ Waiters ─▶ parked receive ─▶ lease.lua: timers due + XREADGROUP '>'
///                                                          │ deliveries (rank-entry:token)
///                              ack.lua (XACK+XDEL) ◀───────┤
///                              nack.lua (timer │ dead) ◀───┘
/// ```
///
/// Every daemon is one consumer of each subscription's consumer groups, so a subscription's
/// deliveries are shared between daemons (competing consumers), each delivery leased by one at a
/// time. Durability is Redis's: with `appendonly yes` and `appendfsync always` an acknowledged
/// publish survives a crash of Redis too (see `health`). No Swift concurrency thread ever blocks
/// on a socket: I/O runs on the pool's dispatch queues and the wake listener's thread.
final class RedisEventBus: EventBusPlugin {
    let config: RedisBusConfig
    let redis: ScriptRunner
    let waiters = Waiters()
    let subscriptionCache = SubscriptionCache()
    let listener: WakeListener
    /// This instance's leases are recorded as `<consumer>/<incarnation>`.
    let owner: String
    let context: PluginContext
    /// When the journal was last trimmed to `retention_seconds` (ms since 1970).
    let lastPrune = Mutex<Int64>(0)

    var pool: RedisPool { redis.pool }
    var url: String { config.endpoint.displayURL }

    /// Connects, loads the scripts, and takes back the leases an earlier run of this daemon held.
    /// - Throws: `invalid_argument` for a bad config; `unavailable` naming the URL when Redis cannot be reached.
    init(context: PluginContext) throws {
        let config = try RedisBusConfig(context.config)
        self.config = config
        self.context = context
        let pool = RedisPool(endpoint: config.endpoint, size: config.poolSize)
        self.redis = ScriptRunner(pool: pool, prefix: config.keyPrefix)
        self.owner = "\(config.consumer)/\(String(UInt64.random(in: 1...UInt64.max), radix: 16))"
        let waiters = self.waiters
        self.listener = WakeListener(endpoint: config.endpoint, channel: config.keyPrefix + "wake") { name in
            if let name { waiters.notify([name]) } else { waiters.notifyAll() }
        }
        do {
            try redis.load()
            let released = try redis.runSync(BusScripts.release, ["stale", config.consumer, owner]).int ?? 0
            if released > 0 {
                context.log(.info, "took back \(released) lease(s) held by an earlier run of consumer \(config.consumer)")
            }
            let durability = try Durability.read(pool: pool)
            if durability.level != "full" {
                context.log(.warning, "redis \(url): \(durability.note)")
            }
        } catch {
            pool.close()
            throw error
        }
        listener.start()
        context.log(.info, "redis \(url), key prefix \"\(config.keyPrefix)\", consumer \(config.consumer)")
    }

    func shutdown() async {
        waiters.close()
        listener.stop()
        // Give this instance's leases back at once (not counted as attempts), so other daemons
        // need not wait for them to expire. Best effort: Redis may be gone.
        _ = try? await redis.run(BusScripts.release, ["mine", config.consumer, owner])
        pool.close()
    }

    func health() async -> HealthReport {
        let start = ContinuousClock.now
        do {
            let pong = try await pool.send([["PING"]])[0]
            let d = ContinuousClock.now - start
            let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
            guard pong.string == "PONG" else {
                return HealthReport(status: .unhealthy, latencyMs: ms, error: "redis \(url): PING answered \(pong)")
            }
            let stats = try await stats()
            let subs = try await subscriptions().subscriptions.count
            let durability = (try? await Durability.read(pool: pool)) ?? Durability(appendonly: "unknown", appendfsync: "unknown")
            return HealthReport(status: .healthy, latencyMs: ms, details: [
                "url": .string(url), "key_prefix": .string(config.keyPrefix), "consumer": .string(config.consumer),
                "durability": .string(durability.level), "durability_note": .string(durability.note),
                "appendonly": .string(durability.appendonly), "appendfsync": .string(durability.appendfsync),
                "pending": .int(stats.pending), "subscriptions": .int(subs),
            ])
        } catch {
            return HealthReport(status: .unhealthy, latencyMs: 0, error: "\(error)")
        }
    }

    /// `not_found` unless `name` is a subscription (read from Redis, not the cache).
    func requireSubscription(_ name: String) async throws {
        let exists = try await pool.send([["HEXISTS", config.keyPrefix + "subs", name]])[0]
        if let e = exists.errorMessage { throw WireError(.unavailable, "redis \(url): \(e)") }
        if exists.int != 1 { throw Self.noSubscription(name) }
    }

    static func noSubscription(_ name: String) -> WireError {
        WireError(.notFound, "subscription \"\(name)\" does not exist")
    }

    static func unexpected(_ what: String, _ reply: RedisValue) -> WireError {
        WireError(.internal, "redis \(what): unexpected reply \(String(describing: reply).prefix(300))")
    }
}

@_cdecl("lt_plugin_entry")
public func lt_plugin_entry(_ host: UnsafePointer<lt_host_v1>) -> UnsafePointer<lt_plugin_v1>? {
    PluginExport.entry(host: host, id: "redis-eventbus", version: "1.0.0") { try RedisEventBus(context: $0) }
}
