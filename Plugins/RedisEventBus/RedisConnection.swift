/// One logged-in connection to Redis: pipelined request/reply over a `RedisSocket`.
///
/// ```
/// roundTrip([cmd1, cmd2, cmd3]) ─▶ one write of the three commands
///                               ◀─ three replies, in order (errors are values)
/// ```
///
/// Threading: not thread-safe. A pooled connection is confined to its slot's serial queue; the
/// notifier's connection to its own thread. A failed call leaves the connection unusable: the
/// owner closes it and connects again.
final class RedisConnection {
    /// Why a call failed: the connection is gone (or was never made), so the command may or may
    /// not have run.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private let socket: RedisSocket
    let endpoint: RedisEndpoint
    private var buffer: [UInt8] = []
    private var index = 0

    /// Connects, authenticates (`AUTH`) and selects the database (`SELECT`).
    /// - Throws: `Failure` with the socket error or the server's refusal.
    init(_ endpoint: RedisEndpoint) throws(Failure) {
        self.endpoint = endpoint
        do {
            socket = try RedisSocket.connect(host: endpoint.host, port: endpoint.port, timeoutMs: endpoint.connectTimeoutMs)
        } catch {
            throw Failure(description: error.description)
        }
        var hello: [[String]] = []
        if let p = endpoint.password {
            hello.append(endpoint.username.map { ["AUTH", $0, p] } ?? ["AUTH", p])
        }
        if endpoint.database != 0 { hello.append(["SELECT", String(endpoint.database)]) }
        guard !hello.isEmpty else { return }
        let replies = try roundTrip(hello)
        for (cmd, reply) in zip(hello, replies) {
            if let e = reply.errorMessage {
                socket.close()
                throw Failure(description: "\(cmd[0]) refused: \(e)")
            }
        }
    }

    /// Sends `commands` in one write and reads one reply per command, within the command timeout.
    func roundTrip(_ commands: [[String]]) throws(Failure) -> [RedisValue] {
        let deadline = RedisSocket.nowMs() + Int64(endpoint.commandTimeoutMs)
        var out: [UInt8] = []
        for c in commands { RESP.encode(c, into: &out) }
        do {
            try socket.write(out, deadline: deadline)
        } catch {
            throw Failure(description: error.description)
        }
        var replies: [RedisValue] = []
        replies.reserveCapacity(commands.count)
        while replies.count < commands.count {
            guard let v = try readReply(deadline: deadline) else {
                throw Failure(description: "no reply within \(endpoint.commandTimeoutMs) ms")
            }
            replies.append(v)
        }
        return replies
    }

    /// Writes `commands` without waiting for replies (for `SUBSCRIBE`, whose answers are read as messages).
    func sendOnly(_ commands: [[String]]) throws(Failure) {
        var out: [UInt8] = []
        for c in commands { RESP.encode(c, into: &out) }
        do {
            try socket.write(out, deadline: RedisSocket.nowMs() + Int64(endpoint.commandTimeoutMs))
        } catch {
            throw Failure(description: error.description)
        }
    }

    /// The next reply, or nil when `deadline` (monotonic ms; nil = none) passed before it was complete.
    /// Bytes of a partial reply stay buffered for the next call.
    func readReply(deadline: Int64?) throws(Failure) -> RedisValue? {
        while true {
            do {
                if index < buffer.count, let v = try RESP.parse(buffer, &index) {
                    if index > 65_536 || index == buffer.count {
                        buffer.removeFirst(index)
                        index = 0
                    }
                    return v
                }
            } catch {
                throw Failure(description: "protocol error: \(error.description)")
            }
            do {
                guard try socket.read(into: &buffer, deadline: deadline) else { return nil }
            } catch {
                throw Failure(description: error.description)
            }
        }
    }

    /// True when the server closed this idle connection or sent something unasked.
    var isStale: Bool { index < buffer.count || socket.isStale }

    /// Makes a thread blocked in `readReply` fail promptly; safe from any thread.
    func interrupt() { socket.interrupt() }

    func close() { socket.close() }
}
