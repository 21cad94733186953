/// Decides when a child's notifications are a flood (docs/protocol.md#limits): more than
/// `burst` in one second, or at least `sustained` a second for `seconds` one-second windows in a
/// row. A value without I/O or a clock of its own: the caller passes the time of each
/// notification (tests pass made-up instants).
struct FloodMeter: Sendable, Equatable {
    var burst = 2000
    var sustained = 500
    var seconds = 3

    private var windowStart: ContinuousClock.Instant?
    private var inWindow = 0
    /// Consecutive one-second windows with at least `sustained` notifications.
    private var busyWindows = 0

    init(burst: Int = 2000, sustained: Int = 500, seconds: Int = 3) {
        self.burst = burst; self.sustained = sustained; self.seconds = seconds
    }

    /// Counts one notification at `now`; returns why it is a flood, or nil.
    mutating func count(at now: ContinuousClock.Instant) -> String? {
        let start = windowStart ?? now
        if now - start > .seconds(1) {
            // A window counts as busy only if it ended within two seconds (no gap of silence).
            let busy = inWindow >= sustained && now - start < .seconds(2)
            busyWindows = busy ? busyWindows + 1 : 0
            windowStart = now
            inWindow = 0
        } else if windowStart == nil {
            windowStart = now
        }
        inWindow += 1
        if inWindow > burst { return "flooding stdout: more than \(burst) notifications in one second" }
        if busyWindows >= seconds {
            return "flooding stdout: at least \(sustained) notifications a second for \(seconds) seconds in a row"
        }
        return nil
    }
}
