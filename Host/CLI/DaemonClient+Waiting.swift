import Foundation

extension DaemonClient {
    /// How long a waiting request may go without a byte from the daemon: a week, i.e. no
    /// practical limit (the operation ends the wait, or the user does with Ctrl-C). Pass it as
    /// `call(timeout:)` for a request the daemon answers only when a long operation ends (a
    /// provider swap with a copy).
    static let waitingTimeout: TimeInterval = 7 * 24 * 3600
}
