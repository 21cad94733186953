/// How many connections one TCP listener may hold, from the configured `http.max_connections`
/// and the file-descriptor limit: every connection is a descriptor, and the daemon needs others
/// for children's pipes, plugin files, its databases and the unix socket (the reserve).
/// A pure function: `FrontDoorTests` checks each case.
public struct ConnectionBudget: Sendable, Equatable {
    /// Connections the listener holds at most.
    public var cap: Int
    /// Why the configured value was lowered, for the start-up log; nil when it was not.
    public var lowered: String?

    /// The cap when `http.max_connections` is not set (and the descriptors allow it).
    public static let defaultCap = 4096

    /// Descriptors kept back from TCP connections: a quarter of the limit, at least 256.
    public static func reserve(fdLimit: UInt64) -> Int { max(256, Int(min(fdLimit, 1 << 30) / 4)) }

    /// - Parameters:
    ///   - configured: `http.max_connections`, or nil for the default.
    ///   - fdLimit: the soft `RLIMIT_NOFILE` after the daemon raised it.
    public static func resolve(configured: Int?, fdLimit: UInt64) -> ConnectionBudget {
        let limit = Int(min(fdLimit, 1 << 30))
        let reserve = reserve(fdLimit: fdLimit)
        // A tiny limit (below the reserve) still gets some connections: half of it.
        let usable = limit > reserve + 16 ? limit - reserve : max(1, limit / 2)
        let wanted = configured ?? defaultCap
        guard wanted > usable else { return ConnectionBudget(cap: wanted, lowered: nil) }
        let what = configured == nil ? "default \(defaultCap)" : "\(wanted) (http.max_connections)"
        return ConnectionBudget(cap: usable, lowered:
            "connection cap \(what) lowered to \(usable): the file-descriptor limit \(limit) leaves \(usable) after a reserve of \(min(reserve, limit - usable)) for children's pipes, plugins and the unix socket")
    }
}
