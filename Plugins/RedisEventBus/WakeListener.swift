import Foundation
import Synchronization

/// Listens on the bus's wake channel (`<prefix>wake`, Redis Pub/Sub) on a dedicated thread and
/// connection, and reports each subscription name published there: work became ready for it,
/// maybe in another daemon sharing the Redis.
///
/// ```
/// publish/nack/reprocess script ──PUBLISH <p>wake <sub>──▶ this thread ──▶ onWake([sub])
/// ```
///
/// The blocking read never runs on a Swift concurrency thread. Pub/Sub forgets messages sent
/// while a subscriber is disconnected, so after every (re)connection `onWake(nil)` wakes every
/// parked receiver to look again. Reconnects back off from 50 ms to 2 s.
final class WakeListener: Sendable {
    private let endpoint: RedisEndpoint
    private let channel: String
    private let onWake: @Sendable (String?) -> Void
    private let state = Mutex(State())

    private struct State {
        var stopped = false
        /// The connection the thread is reading, so `stop` can interrupt it.
        var current: Interruptible?
    }

    /// Lets `stop` wake the listener's blocked read. `@unchecked Sendable`: `interrupt` only calls
    /// `shutdown(2)` on the socket, which is safe from any thread; the socket is closed by the
    /// listener thread only after it unregistered it under the lock.
    private struct Interruptible: @unchecked Sendable {
        let connection: RedisConnection
    }

    init(endpoint: RedisEndpoint, channel: String, onWake: @escaping @Sendable (String?) -> Void) {
        self.endpoint = endpoint
        self.channel = channel
        self.onWake = onWake
    }

    func start() {
        let t = Thread { [self] in run() }
        t.name = "lightning.redis-eventbus.wake"
        t.start()
    }

    /// Stops the thread (promptly: its blocked read is interrupted).
    func stop() {
        state.withLock { s in
            s.stopped = true
            s.current?.connection.interrupt()
        }
    }

    private var stopped: Bool { state.withLock { $0.stopped } }

    private func run() {
        var backoff: UInt32 = 0
        while !stopped {
            do {
                let conn = try RedisConnection(endpoint)
                let registered = state.withLock { s -> Bool in
                    if s.stopped { return false }
                    s.current = Interruptible(connection: conn)
                    return true
                }
                guard registered else { conn.close(); return }
                defer {
                    state.withLock { $0.current = nil }
                    conn.close()
                }
                try conn.sendOnly([["SUBSCRIBE", channel]])
                backoff = 0
                onWake(nil)
                while !stopped {
                    guard let v = try conn.readReply(deadline: RedisSocket.nowMs() + 1000) else { continue }
                    // ["message", channel, payload]; the subscribe confirmation is skipped.
                    if let parts = v.array, parts.count == 3, parts[0].string == "message", let name = parts[2].string {
                        onWake(name)
                    }
                }
            } catch {
                backoff = min(2000, max(50, backoff * 2))
                var slept: UInt32 = 0
                while slept < backoff && !stopped {
                    usleep(50_000)
                    slept += 50
                }
            }
        }
    }
}
