/// Holds a storage slot's writes while a swap copies its data: new writes wait, the writes already
/// running finish, reads go on.
///
/// ```
///  write ──▶ enter() ── not held: count in, go ──▶ provider ──▶ leave()
///               └── held: wait for `released` ──┘
///  swap ──▶ hold() ── wait for `drained` (in-flight writes = 0) ──▶ copy ──▶ hold.release()
/// ```
///
/// Each `hold()` returns a `WriteHold` that belongs to the swap that asked for it: writes go again
/// only when every hold has been released, and a hold releases only itself, once (two swaps no
/// longer share one `held` flag, where the first release let the other's writes through).
/// Threading: any task; the state is a `Locked` value, waits are `OneShot` signals.
final class WriteGate: Sendable {
    private struct State {
        var holds = 0
        var inFlight = 0
        var released = OneShot()
        var drained = OneShot()
        /// Change captures on (a copy swap's; a storage swap's probation, for a copy back).
        var captures: [ChangeCapture] = []
    }
    private let state = Locked(State())

    init() {}

    /// Holds and in-flight writes, for tests and diagnostics.
    var snapshot: (holds: Int, inFlight: Int) { state.withLock { ($0.holds, $0.inFlight) } }

    /// Stops new writes and returns once the writes already running have finished. Every hold
    /// must be released (`WriteHold.release`), on every path.
    func hold() async -> WriteHold {
        let drained = state.withLock { s -> OneShot? in
            s.holds += 1
            if s.holds == 1 { s.released = OneShot(); s.drained = OneShot() }
            return s.inFlight == 0 ? nil : s.drained
        }
        if let drained { await drained.wait() }
        return WriteHold(gate: self)
    }

    fileprivate func release() {
        state.withLock { s in
            precondition(s.holds > 0, "WriteGate: release without a hold")
            s.holds -= 1
            if s.holds == 0 { s.released.fire() }
        }
    }

    /// Waits while any hold is in place, then counts this write in. A waiter woken by a release
    /// checks again (another hold may have begun meanwhile).
    /// - Returns: the change captures that are on: the caller records what it changed in each,
    ///   once its write has landed, before `leave()`.
    @discardableResult
    func enter() async -> [ChangeCapture] {
        while true {
            let (wait, captures) = state.withLock { s -> (OneShot?, [ChangeCapture]) in
                if s.holds > 0 { return (s.released, []) }
                s.inFlight += 1
                return (nil, s.captures)
            }
            guard let wait else { return captures }
            await wait.wait()
        }
    }

    /// Starts recording what every write changes. Writes pause only while the ones already
    /// running finish (a short hold), so every write that completes after this returns is
    /// recorded. Every capture must be stopped (`stopCapture`), on every path.
    func startCapture() async -> ChangeCapture {
        let hold = await hold()
        let capture = beginCapture(holding: hold)
        hold.release()
        return capture
    }

    /// Starts a capture while the caller holds writes (so no write is half in, half out of it).
    func beginCapture(holding _: WriteHold) -> ChangeCapture {
        let capture = ChangeCapture()
        state.withLock { $0.captures.append(capture) }
        return capture
    }

    /// Stops recording into `capture`. Idempotent.
    func stopCapture(_ capture: ChangeCapture) {
        state.withLock { s in s.captures.removeAll { $0 === capture } }
    }

    /// Counts a write out; the last one out while held wakes the hold.
    func leave() {
        state.withLock { s in
            s.inFlight -= 1
            if s.holds > 0, s.inFlight == 0 { s.drained.fire() }
        }
    }
}

/// One swap's hold on a `WriteGate`. `release()` lets go of this hold only, at most once.
final class WriteHold: Sendable {
    private let gate: WriteGate
    private let released = Locked(false)

    fileprivate init(gate: WriteGate) { self.gate = gate }

    /// Releases this hold (later calls do nothing). Writes go once no other hold remains.
    func release() {
        let first = released.withLock { r -> Bool in defer { r = true }; return !r }
        if first { gate.release() }
    }
}
