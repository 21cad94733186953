public import LightningProtocol

/// The live feed's ordering rule, without I/O: an event never reaches the feed before its cause
/// (the event whose id is its `correlation_id`) when that cause is still being published by this
/// daemon. The bus can hand an event to a driver before `publish` returns to its caller, so a
/// reply can be durable before its request is shown; the reply is held here, not the delivery
/// (the delivery path never waits for the feed).
///
/// ```
///  begin(ids) ─▶ publishing ─▶ settle(accepted:ids:) ─▶ [events to show now, causes first]
///                                 │ an accepted event whose cause is still publishing or held: held
///                                 └ a shown (or refused) event releases what it held, recursively
/// ```
struct FeedOrder: Sendable {
    /// Ids being published or held (not in the feed yet).
    private var pending: Set<String> = []
    /// Events held until the event with the key's id is shown (or refused).
    private var held: [String: [Event]] = [:]

    /// Events `ids` are about to be published.
    mutating func begin(_ ids: [String]) { pending.formUnion(ids) }

    /// The publish of `ids` ended; `accepted` (a subset, in order) are durable. Returns the events
    /// to show now, each after its cause.
    mutating func settle(accepted: [Event], ids: [String]) -> [Event] {
        var out: [Event] = []
        let acceptedIds = Set(accepted.map(\.id))
        for e in accepted {
            if let cause = e.correlationId, cause != e.id, pending.contains(cause) {
                held[cause, default: []].append(e)
            } else {
                show(e, into: &out)
            }
        }
        // Refused or failed: never shown, so what waited for them is shown now.
        for id in ids where !acceptedIds.contains(id) {
            pending.remove(id)
            for d in held.removeValue(forKey: id) ?? [] { show(d, into: &out) }
        }
        return out
    }

    private mutating func show(_ e: Event, into out: inout [Event]) {
        out.append(e)
        pending.remove(e.id)
        for d in held.removeValue(forKey: e.id) ?? [] { show(d, into: &out) }
    }

    /// Nothing pending or held (tests).
    var isEmpty: Bool { pending.isEmpty && held.isEmpty }
}
