/// Whether a cluster node is alive, from the time of its last heartbeat (docs/cluster.md).
///
/// Pure: the caller reads the heartbeat records from shared storage and the clock; this only
/// decides. Heartbeat times are the writing node's wall clock, so they are compared with a
/// tolerance of whole missed intervals, never to the millisecond; a heartbeat from the future
/// (the writer's clock is ahead) counts as fresh.
public enum NodeLiveness: String, Sendable, Codable, Equatable {
    /// Heard from within `suspectAfter` intervals.
    case alive
    /// Missed at least `suspectAfter` heartbeats: slow, partitioned or about to be gone.
    case suspect
    /// Missed at least `goneAfter` heartbeats: treated as stopped.
    case gone
}

/// The thresholds of `NodeLiveness`, in heartbeat intervals.
public struct LivenessPolicy: Sendable, Equatable {
    /// How often each node writes its heartbeat.
    public var heartbeatInterval: Duration
    /// Missed intervals (age of the last heartbeat / interval) from which a node is suspect.
    public var suspectAfter: Int
    /// Missed intervals from which a node is gone; greater than `suspectAfter`.
    public var goneAfter: Int

    /// - Precondition: `heartbeatInterval > 0`, `1 ≤ suspectAfter < goneAfter`.
    public init(heartbeatInterval: Duration = .seconds(5), suspectAfter: Int = 2, goneAfter: Int = 6) {
        precondition(heartbeatInterval > .zero && suspectAfter >= 1 && goneAfter > suspectAfter,
                     "LivenessPolicy: expected interval > 0 and 1 ≤ suspectAfter < goneAfter")
        self.heartbeatInterval = heartbeatInterval
        self.suspectAfter = suspectAfter
        self.goneAfter = goneAfter
    }

    var intervalMillis: Int64 {
        let c = heartbeatInterval.components
        return max(1, c.seconds * 1000 + c.attoseconds / 1_000_000_000_000_000)
    }

    /// The liveness of a node whose last heartbeat was written at `lastHeartbeat` (ms since
    /// 1970, the writer's clock), seen at `now` (ms, the reader's clock).
    public func liveness(lastHeartbeat: Int64, now: Int64) -> NodeLiveness {
        let age = now - lastHeartbeat
        if age < Int64(suspectAfter) * intervalMillis { return .alive }
        if age < Int64(goneAfter) * intervalMillis { return .suspect }
        return .gone
    }
}
