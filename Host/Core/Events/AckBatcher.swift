import LightningProtocol

/// The acknowledgements of one leased batch, sent in rounds: a delivery whose outputs are
/// durable hands itself over with `add` and is done; `run` sends everything that has gathered
/// in one `bus.ack`, and while that call is in flight the next round gathers. Concurrent
/// deliveries so share ack calls, as their writes share the journal's group commit.
///
/// ```
///  deliver ─▶ outputs durable ─▶ add ─┐        ┌─ round 1: bus.ack [a, b, c] ─┐
///  deliver ─▶ outputs durable ─▶ add ─┼─ wake ─┤                              ├─ …
///  deliver ─▶ outputs durable ─▶ add ─┘        └─ round 2: bus.ack [d]  ◀─────┘
/// ```
/// An ack is still sent only after the delivery's outputs are durable (at least once holds);
/// a failed round is handled per delivery by its sender.
final class AckBatcher: Sendable {
    /// A handled delivery waiting for its ack.
    struct Handled: Sendable {
        let delivery: Delivery
        let hops: Int
        /// How long the driver took (ms), recorded once the ack is sent.
        let ms: Double
    }

    /// Guarded by `Locked`'s lock: appended by deliveries, taken whole by `run`.
    private let waiting = Locked<[Handled]>([])
    private let wake: AsyncStream<Void>
    private let wakeUp: AsyncStream<Void>.Continuation

    init() {
        // Newest-1: wake-ups while a round is in flight fold into one.
        (wake, wakeUp) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues `handled` for the next round; never waits.
    func add(_ handled: Handled) {
        waiting.withLock { $0.append(handled) }
        wakeUp.yield()
    }

    /// No more deliveries: `run` sends what is waiting and returns.
    func finish() { wakeUp.finish() }

    /// Sends rounds with `send` until `finish`, then the rest.
    func run(_ send: ([Handled]) async -> Void) async {
        for await _ in wake { await sendWaiting(send) }
        await sendWaiting(send)
    }

    private func sendWaiting(_ send: ([Handled]) async -> Void) async {
        let round = waiting.withLock { w -> [Handled] in
            defer { w.removeAll(keepingCapacity: true) }
            return w
        }
        if !round.isEmpty { await send(round) }
    }
}
