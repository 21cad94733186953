import NIOCore

/// When one HTTP connection has waited too long, without I/O (the handler feeds it events and
/// arms one timer at `deadline`).
///
/// ```
///   idle ──first byte──▶ readingHead ──head──▶ readingBody ──end──▶ responding ──response end──▶ idle
///   (idle_timeout since    (header_timeout since   (body_timeout since     (no deadline: a handler
///    the last activity)     the head's first byte)  the last body read)     or a stream is working)
/// ```
///
/// A response written before the body was read (a 401 to a large upload) leaves the connection
/// in `readingBody` until the body ends, as the body is drained.
struct ConnectionDeadline {
    enum Phase: Equatable { case idle, readingHead, readingBody, responding }
    /// Which wait ran out.
    enum Expiry: Equatable { case idle, header, body }

    let idleTimeout: TimeAmount
    let headerTimeout: TimeAmount
    let bodyTimeout: TimeAmount

    /// Requests whose head arrived and whose response has not ended.
    private(set) var inFlight = 0
    private(set) var readingBody = false
    /// When the first byte of a head not yet decoded arrived.
    private(set) var headStartedAt: NIODeadline?
    private(set) var lastActivity: NIODeadline

    init(limits: HTTPLimits, now: NIODeadline) {
        idleTimeout = .milliseconds(Int64(limits.idleTimeoutMs))
        headerTimeout = .milliseconds(Int64(limits.headerTimeoutMs))
        bodyTimeout = .milliseconds(Int64(limits.bodyTimeoutMs))
        lastActivity = now
    }

    var phase: Phase {
        if readingBody { return .readingBody }
        if inFlight > 0 { return .responding }
        return headStartedAt == nil ? .idle : .readingHead
    }

    /// True while the next bytes belong to a new request's head (nothing else is being read or answered).
    var awaitingHead: Bool { !readingBody && inFlight == 0 }

    /// Raw bytes arrived (before HTTP decoding). The first bytes after an idle wait start a head.
    mutating func bytesArrived(at now: NIODeadline) {
        lastActivity = now
        if awaitingHead && headStartedAt == nil { headStartedAt = now }
    }

    mutating func headReceived(at now: NIODeadline) {
        inFlight += 1
        readingBody = true
        headStartedAt = nil
        lastActivity = now
    }

    mutating func bodyReceived(at now: NIODeadline) { lastActivity = now }

    mutating func endReceived(at now: NIODeadline) {
        readingBody = false
        lastActivity = now
    }

    mutating func responseEnded(at now: NIODeadline) {
        inFlight = max(0, inFlight - 1)
        lastActivity = now
    }

    /// The next instant this connection must have progressed by, and which wait that is; nil
    /// while a response is being produced.
    var deadline: (at: NIODeadline, expiry: Expiry)? {
        switch phase {
        case .idle: return (lastActivity + idleTimeout, .idle)
        case .readingHead: return ((headStartedAt ?? lastActivity) + headerTimeout, .header)
        case .readingBody: return (lastActivity + bodyTimeout, .body)
        case .responding: return nil
        }
    }

    /// The wait that ran out by `now`, if any (the timer may fire early after events moved the deadline).
    func expired(at now: NIODeadline) -> Expiry? {
        guard let d = deadline, now >= d.at else { return nil }
        return d.expiry
    }
}
