/// The calls in flight on a connection, and its close: a call is admitted unless the connection
/// is closing; `closeAndDrain` refuses new calls and waits until the admitted ones finished (the
/// ABI's rule before `destroy`, and a plugin host's before its stop).
final class CallDrain: Sendable {
    private struct State: Sendable {
        var inFlight = 0
        var closing = false
    }

    private let state = Watched(State())

    /// Admits a call; false once the connection is closing.
    func enter() -> Bool {
        state.update { s in
            if s.closing { return false }
            s.inFlight += 1
            return true
        }
    }

    /// An admitted call finished.
    func leave() { state.update { $0.inFlight -= 1 } }

    /// Refuses new calls and waits for those in flight. Returns true for the first caller (who
    /// then finishes the close), false when the connection was closing already.
    func closeAndDrain() async -> Bool {
        let first = state.update { s -> Bool in
            defer { s.closing = true }
            return !s.closing
        }
        guard first else { return false }
        await state.waitIgnoringCancellation { $0.inFlight == 0 }
        return true
    }

    var inFlight: Int { state.read { $0.inFlight } }
}
