import Dispatch
import Foundation
import LightningProtocol
import Synchronization

/// Connections to one Redis server, each confined to its own serial dispatch queue.
///
/// ```
/// send([cmds]) ─▶ least busy slot ─▶ its queue: (re)connect if needed, write, read replies
///      ▲                                   │
///      └──────── continuation ◀────────────┘
/// ```
///
/// Socket I/O runs on the slots' dispatch queues, never on a thread of the Swift concurrency
/// pool: a caller awaits a continuation. A slot whose connection dropped fails the call in flight
/// with `unavailable` (the command may or may not have run: nothing is re-sent) and reconnects on
/// its next call; after a failed reconnect it refuses calls at once for a backoff that doubles from
/// 50 ms to 2 s, so a dead server costs callers no connect timeout each.
final class RedisPool: Sendable {
    let endpoint: RedisEndpoint
    private let slots: [Slot]

    init(endpoint: RedisEndpoint, size: Int) {
        self.endpoint = endpoint
        self.slots = (0..<max(1, size)).map { Slot(endpoint: endpoint, index: $0) }
    }

    /// Sends `commands` pipelined on one connection and returns their replies in order.
    /// - Throws: `unavailable` naming the server when the connection failed.
    func send(_ commands: [[String]]) async throws -> [RedisValue] {
        let slot = pick()
        defer { slot.load.subtract(1, ordering: .relaxed) }
        return try await withCheckedThrowingContinuation { (c: CheckedContinuation<[RedisValue], any Error>) in
            slot.queue.async { c.resume(with: Result { try slot.roundTrip(commands) }) }
        }
    }

    /// The blocking form of `send`, for the instance's synchronous `create`.
    func sendSync(_ commands: [[String]]) throws -> [RedisValue] {
        let slot = pick()
        defer { slot.load.subtract(1, ordering: .relaxed) }
        return try slot.queue.sync { try slot.roundTrip(commands) }
    }

    /// Closes every connection; later calls fail with `unavailable`.
    func close() {
        for s in slots { s.queue.async { s.shut() } }
    }

    private func pick() -> Slot {
        var best = slots[0]
        var bestLoad = Int.max
        for s in slots {
            let l = s.load.load(ordering: .relaxed)
            if l < bestLoad { best = s; bestLoad = l }
            if l == 0 { break }
        }
        best.load.add(1, ordering: .relaxed)
        return best
    }

    /// One connection and its reconnect state.
    ///
    /// `@unchecked Sendable`: the mutable fields are touched only on `queue` (checked by
    /// `dispatchPrecondition`); `load` is atomic.
    final class Slot: @unchecked Sendable {
        let queue: DispatchQueue
        let load = Atomic<Int>(0)
        private let endpoint: RedisEndpoint
        private var connection: RedisConnection?
        private var retryAt: Int64 = 0
        private var backoffMs: Int64 = 0
        private var lastError = ""
        private var closed = false

        init(endpoint: RedisEndpoint, index: Int) {
            self.endpoint = endpoint
            self.queue = DispatchQueue(label: "lightning.redis-eventbus.conn\(index)")
        }

        func roundTrip(_ commands: [[String]]) throws -> [RedisValue] {
            dispatchPrecondition(condition: .onQueue(queue))
            let conn = try connected()
            do {
                return try conn.roundTrip(commands)
            } catch {
                conn.close()
                connection = nil
                throw WireError(.unavailable, "redis \(endpoint.displayURL): \(error.description) (the connection was dropped; the command may or may not have run)")
            }
        }

        private func connected() throws -> RedisConnection {
            guard !closed else { throw WireError(.unavailable, "redis \(endpoint.displayURL): the event bus is shut down") }
            if let c = connection {
                if !c.isStale { return c }
                c.close()
                connection = nil
            }
            let now = RedisSocket.nowMs()
            if now < retryAt {
                throw WireError(.unavailable, "redis \(endpoint.displayURL): not connected (\(lastError); next attempt in \(retryAt - now) ms)")
            }
            do {
                let c = try RedisConnection(endpoint)
                connection = c
                backoffMs = 0
                return c
            } catch {
                lastError = error.description
                backoffMs = min(2000, max(50, backoffMs * 2))
                retryAt = now + backoffMs
                throw WireError(.unavailable, "redis \(endpoint.displayURL): \(error.description)")
            }
        }

        func shut() {
            dispatchPrecondition(condition: .onQueue(queue))
            closed = true
            connection?.close()
            connection = nil
        }
    }
}
