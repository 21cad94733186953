import DequeModule

/// Decides which concurrent publishes share one `bus.publish` call (a round). Pure: no I/O,
/// no clock, no locks; `PublishBatcher` keeps it under its lock and does what it answers.
///
/// ```
///  arrive ─▶ a round slot is free? ── yes ─▶ .send: this caller sends a round now
///                  │ no
///                  ▼
///             queued (FIFO) ◀── take(for:): a sender takes queued callers into its round
///                  │              (their events after its own, at most `maxEvents` in all)
///                  ▼
///  roundEnded ─▶ someone still queued? ── yes ─▶ that caller is promoted: it sends the next round
///                  │ no
///                  ▼
///             the slot is free again
/// ```
///
/// At most `maxInFlight` rounds are in flight: while one commits (the journal's fsync), the
/// next gathers. A caller never waits for a round that does not carry its events, and every
/// queued caller is either taken into a round or promoted to send one, so none is left behind.
struct PublishRounds<Waiter> {
    struct Caller {
        let events: Int
        let waiter: Waiter
    }

    let maxInFlight: Int
    /// The most events one round carries when it takes queued callers (a caller's own events
    /// always go in whole, however many: the bus accepts 10,000 per call, a request 1,000).
    let maxEvents: Int
    private(set) var inFlight = 0
    private(set) var queued: Deque<Caller> = []

    init(maxInFlight: Int = 2, maxEvents: Int = 1000) {
        precondition(maxInFlight >= 1 && maxEvents >= 1)
        self.maxInFlight = maxInFlight
        self.maxEvents = maxEvents
    }

    enum Arrival: Equatable {
        /// Send a round now (a slot is taken for it).
        case send
        /// Wait: the caller is queued, and is later taken into a round or promoted.
        case queued
    }

    /// A caller with `events` events arrives. A caller that finds a free slot sends at once,
    /// unless others are already queued: they were first, so it queues behind them.
    mutating func arrive(_ caller: Caller) -> Arrival {
        if inFlight < maxInFlight && queued.isEmpty {
            inFlight += 1
            return .send
        }
        queued.append(caller)
        return .queued
    }

    /// The queued callers that join the round of a sender with `own` events, oldest first, while
    /// the round stays within `maxEvents`.
    mutating func take(joining own: Int) -> [Caller] {
        var total = own
        var out: [Caller] = []
        while let next = queued.first, total + next.events <= maxEvents {
            total += next.events
            out.append(queued.removeFirst())
        }
        return out
    }

    /// A round ended (answered or failed). Returns the queued caller promoted to send the next
    /// round in the freed slot, or nil when nobody waits (the slot is free).
    mutating func roundEnded() -> Caller? {
        precondition(inFlight > 0, "a round ended that never started")
        if let next = queued.popFirst() { return next }
        inFlight -= 1
        return nil
    }
}
