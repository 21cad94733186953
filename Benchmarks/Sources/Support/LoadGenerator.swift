import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A closed-loop HTTP load generator: N threads, each with its own keep-alive connection,
/// sending one request after the other until a deadline or a request count.
enum LoadGenerator {
    struct Result: Sendable {
        var ack = Samples()
        var requests = 0
        var events = 0
        var errors = 0
        var firstError: String?
        var elapsed: Duration = .zero
        /// Paced runs only: (scheduled send time since the start, latency from that time), ns.
        var timeline: [(at: Double, latency: Double)] = []
    }

    /// - Parameters:
    ///   - body: the request body and the number of events it carries, for connection `c`, request `i`.
    ///   - rate: paced (open-loop) requests per second over all connections; each latency is then
    ///     measured from the request's scheduled time, so a stall shows in full (no coordinated omission).
    static func run(port: Int, path: String = "/v1/events", connections: Int, duration: Duration? = nil, requestsPerConnection: Int? = nil,
                    rate: Double? = nil, body: @escaping @Sendable (_ c: Int, _ i: Int) -> (bytes: [UInt8], events: Int)) async -> Result {
        let total = Guarded(Result())
        let group = DispatchGroup()
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = duration.map { start + $0 }
        for c in 0..<connections {
            group.enter()
            let t = Thread {
                var local = Result()
                defer {
                    total.withLock { t in
                        t.ack.merge(local.ack); t.requests += local.requests; t.events += local.events; t.errors += local.errors
                        if t.firstError == nil { t.firstError = local.firstError }
                        t.timeline += local.timeline
                    }
                    group.leave()
                }
                let conn: HTTPConnection
                do { conn = try HTTPConnection(port: port) } catch {
                    local.errors += 1; local.firstError = "\(error)"; return
                }
                var i = 0
                while true {
                    if let deadline, clock.now >= deadline { break }
                    if let n = requestsPerConnection, i >= n { break }
                    let (bytes, events) = body(c, i)
                    var t0 = clock.now
                    if let rate {
                        // Connection c sends at start + (i + c/connections) × connections/rate.
                        let interval = Double(connections) / rate
                        let at = start + .nanoseconds(Int64((Double(i) + Double(c) / Double(connections)) * interval * 1e9))
                        if let deadline, at >= deadline { break }
                        let wait = at - clock.now
                        if wait > .zero { usleep(UInt32(max(1, wait.nanoseconds / 1000))) }
                        t0 = at
                    }
                    i += 1
                    do {
                        let r = try conn.request("POST", path, body: bytes)
                        let latency = clock.now - t0
                        local.ack.add(latency)
                        if rate != nil { local.timeline.append(((t0 - start).nanoseconds, latency.nanoseconds)) }
                        local.requests += 1
                        if (200..<300).contains(r.status) { local.events += events } else {
                            local.errors += 1
                            if local.firstError == nil { local.firstError = "HTTP \(r.status): \(r.text.prefix(300))" }
                        }
                    } catch {
                        local.errors += 1
                        if local.firstError == nil { local.firstError = "\(error)" }
                        break
                    }
                }
            }
            t.name = "bench.load-\(c)"
            t.stackSize = 1 << 20
            t.start()
        }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in group.notify(queue: .global()) { c.resume() } }
        var r = total.value
        r.elapsed = clock.now - start
        return r
    }
}

/// Watches `GET /v1/events/stream?type=echo.reply` on a thread of its own and records, for each
/// reply, the time from the `t0` its request carried (BenchClock ns) to the reply's arrival.
final class ReplyWatcher: @unchecked Sendable {
    // `conn` is read by the watcher thread and shut down from another: HTTPConnection allows that.
    private let conn: HTTPConnection
    private let samples = Guarded<[(sent: Int64, latency: Int64)]>([])
    private let done = DispatchSemaphore(value: 0)

    init(port: Int) throws {
        conn = try HTTPConnection(port: port)
        try conn.send("GET", "/v1/events/stream?type=echo.reply&heartbeat_ms=1000", body: nil)
        let (status, _) = try conn.readHead()
        guard status == 200 else { throw BenchError("event stream: HTTP \(status)") }
        let t = Thread { [self] in
            defer { done.signal() }
            while let chunk = try? conn.readChunk() {
                let now = BenchClock.nowNs()
                let found = Self.stamps(in: chunk)
                if !found.isEmpty { samples.withLock { s in for t0 in found { s.append((t0, now - t0)) } } }
            }
        }
        t.name = "bench.sse"
        t.start()
    }

    /// Replies seen whose request was sent in [from, to) (BenchClock ns).
    func latencies(sentFrom from: Int64, to: Int64) -> Samples {
        Samples(samples.value.filter { $0.sent >= from && $0.sent < to }.map { Double($0.latency) })
    }

    var count: Int { samples.withLock { $0.count } }

    func stop() async {
        conn.shutdown()
        let d = done
        await onThread("bench.sse-stop") { d.wait() }
    }

    /// Values of every `"t0":<digits>` in the bytes.
    static func stamps(in bytes: [UInt8]) -> [Int64] {
        let key: [UInt8] = Array("\"t0\":".utf8)
        var out: [Int64] = []
        var i = 0
        while i + key.count < bytes.count {
            if bytes[i] == key[0] && Array(bytes[i..<(i + key.count)]) == key {
                var j = i + key.count, v: Int64 = 0
                while j < bytes.count, bytes[j] >= 48, bytes[j] <= 57 { v = v * 10 + Int64(bytes[j] - 48); j += 1 }
                out.append(v)
                i = j
            } else { i += 1 }
        }
        return out
    }
}
