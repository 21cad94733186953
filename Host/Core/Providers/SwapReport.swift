/// What a provider swap did and how long each step took (docs/hot-swap.md).
public struct SwapReport: Codable, Sendable, Equatable {
    public var kind: String
    public var from: String?
    public var to: String
    /// Load + create + configure + health check of the new provider.
    public var prepareMs: Double
    /// Subscriptions recreated on a new event bus before traffic moved.
    public var subscriptions: Int?
    /// Storage copied before traffic moved (`copy`).
    public var copied: CopyReport?
    /// The atomic switch itself.
    public var switchMs: Double
    /// Deliveries pending on the old event bus, forwarded to the new one after the switch.
    public var forwarded: Int?
    /// Why forwarding stopped before the old bus was empty (nil when it finished). What was not
    /// forwarded stays on the old bus, which is kept open.
    public var forwardError: String?
    public var totalMs: Double
    /// Health checks of the new provider after the switch; a failure rolls back to the old one.
    public var probationMs: Int

    enum CodingKeys: String, CodingKey {
        case kind, from, to, subscriptions, copied, forwarded
        case prepareMs = "prepare_ms", switchMs = "switch_ms", totalMs = "total_ms", probationMs = "probation_ms"
        case forwardError = "forward_error"
    }
}

public struct CopyReport: Codable, Sendable, Equatable {
    public var containers: Int
    public var documents: Int
    /// Documents counted in the new provider afterwards, per container, matched the source.
    public var verified: Bool
    /// Documents and containers changed during the copy and brought over while writes went on.
    public var caughtUp: Int?
    /// Changes brought over while writes were held, just before the switch.
    public var finalDelta: Int?
    /// How long writes waited: only for the final delta and the switch, not for the copy.
    public var writesHeldMs: Double?

    enum CodingKeys: String, CodingKey {
        case containers, documents, verified
        case caughtUp = "caught_up", finalDelta = "final_delta", writesHeldMs = "writes_held_ms"
    }
}
