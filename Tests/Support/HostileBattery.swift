public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The hostile-input battery of issue 17 (item 8) and issue 18 (item 5): attacks on the daemon's
/// HTTP front door, each run for a bounded time while a separate client probes `GET /health`.
///
/// ```
///  run(attack) ──▶ attack threads (blocking sockets, own threads) ─────────────▶ until deadline
///             └──▶ probe thread: GET /health, a new connection each, every 10 ms ─▶ until deadline
///  ──▶ (AttackOutcome: the answers the attack got, and whether they are the documented ones;
///       HealthProbes: latency of each probe, failures)
/// ```
///
/// Shared by `DaemonHostileInputTests` (asserts the answers and that `/health` answered 200
/// within a generous bound) and `lightning-bench --only hostile` (prints the latencies). All I/O
/// is blocking on threads of its own, never on the concurrency pool; every socket has a timeout.
public enum HostileBattery {
    /// Where the attacks go.
    public struct Target: Sendable {
        public var port: Int
        /// The daemon's admin token (unlimited).
        public var adminToken: String
        /// A token with a small rate limit, for the flood (`POST /v1/tokens` with `rate_limit`).
        public var limitedToken: String
        /// The daemon's `http.header_timeout_ms` (slowloris connections are answered 408 after it).
        public var headerTimeoutMs: Int
        public init(port: Int, adminToken: String, limitedToken: String, headerTimeoutMs: Int) {
            self.port = port; self.adminToken = adminToken; self.limitedToken = limitedToken; self.headerTimeoutMs = headerTimeoutMs
        }
    }

    /// One attack: what it sends and what the daemon documents as its answer.
    public struct Attack: Sendable {
        public let name: String
        /// The documented answer (docs/api.md, docs/reliability.md), as printed.
        public let expected: String
        /// Runs the attack until `deadline` on the calling thread (it may start threads of its own).
        let body: @Sendable (Target, ContinuousClock.Instant) -> AttackOutcome
    }

    /// What an attack got back.
    public struct AttackOutcome: Sendable, CustomStringConvertible {
        /// Answers by "STATUS code" (e.g. "400 invalid_argument"), or a word for no answer
        /// ("closed without an answer", "connect failed: …").
        public var answers: [String: Int] = [:]
        /// Whether every answer is a documented one and there was at least one (or, for attacks
        /// that expect no answer, what held: e.g. every idle connection accepted and kept).
        public var asDocumented = false
        /// A short account for the table and for failure messages.
        public var note = ""
        public init() {}
        mutating func count(_ key: String) { answers[key, default: 0] += 1 }
        public var description: String {
            let a = answers.sorted { $0.value > $1.value }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
            return note.isEmpty ? a : (a.isEmpty ? note : "\(a); \(note)")
        }
    }

    /// `/health` probes taken during one attack.
    public struct HealthProbes: Sendable {
        /// Latency of every probe that answered 200.
        public var latencies: [Duration] = []
        public var failures = 0
        public var firstFailure: String?
        /// The slowest probe, answered or not.
        public var worst: Duration = .zero
        public var total: Int { latencies.count + failures }

        public func quantile(_ q: Double) -> Duration {
            guard !latencies.isEmpty else { return .zero }
            let s = latencies.sorted()
            return s[min(s.count - 1, Int((q * Double(s.count - 1)).rounded()))]
        }
        public var p50: Duration { quantile(0.5) }
        public var p99: Duration { quantile(0.99) }
    }

    /// The attacks, in the order the table lists them.
    public static let attacks: [Attack] = [
        Attack(name: "deeply nested JSON (200 KiB of brackets)", expected: "400 invalid_argument", body: { nested($0, $1) }),
        Attack(name: "invalid UTF-8 bodies", expected: "400 invalid_argument", body: { invalidUTF8($0, $1) }),
        Attack(name: "huge headers (40 KiB head)", expected: "431 headers_too_large", body: { hugeHeaders($0, $1) }),
        Attack(name: "1,100 idle connections", expected: "all accepted and held", body: { idle($0, $1) }),
        Attack(name: "flood of small events from one rate-limited token", expected: "202, then 429 throttled with Retry-After", body: { flood($0, $1) }),
        Attack(name: "oversized bodies (Content-Length 8 MiB)", expected: "413 payload_too_large", body: { oversized($0, $1) }),
        Attack(name: "slowloris (200 heads sent byte by byte)", expected: "408 request_timeout", body: { slowloris($0, $1) }),
    ]

    /// Names of the attacks (`attacks[i].name`).
    public static var names: [String] { attacks.map(\.name) }

    /// Runs `attack` for `duration` while probing `/health`; the probes start with the attack and
    /// end with it. Blocking work runs on threads of its own.
    public static func run(_ attack: Attack?, target: Target, duration: Duration) async -> (AttackOutcome?, HealthProbes) {
        let deadline = ContinuousClock.now + duration
        async let probes = onThread("hostile.probe") { probeHealth(port: target.port, until: deadline) }
        let outcome: AttackOutcome? = if let attack { await onThread("hostile.attack") { attack.body(target, deadline) } } else { nil }
        return (outcome, await probes)
    }

    /// Probes `/health` for `duration` with no attack (a quiet baseline, or while something else
    /// loads the daemon).
    public static func probe(port: Int, duration: Duration) async -> HealthProbes {
        let deadline = ContinuousClock.now + duration
        return await onThread("hostile.probe") { probeHealth(port: port, until: deadline) }
    }

    /// Probes `/health` sequentially (a new connection each, 10 ms apart) until `deadline`.
    static func probeHealth(port: Int, until deadline: ContinuousClock.Instant) -> HealthProbes {
        var out = HealthProbes()
        while ContinuousClock.now < deadline {
            let t0 = ContinuousClock.now
            let r = exchange(port: port, Array("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8), timeout: 30)
            let took = ContinuousClock.now - t0
            out.worst = max(out.worst, took)
            if r.status == 200 { out.latencies.append(took) } else {
                out.failures += 1
                if out.firstFailure == nil { out.firstFailure = r.status.map { "HTTP \($0)" } ?? r.error ?? "no answer" }
            }
            usleep(10_000)  // a probe thread of its own, never the concurrency pool
        }
        return out
    }

    // MARK: The attacks

    /// `threads` workers each sending `request` on new connections until `deadline`, counting answers.
    static func repeated(threads: Int, until deadline: ContinuousClock.Instant, port: Int, _ request: @escaping @Sendable () -> [UInt8]) -> AttackOutcome {
        let results = Mutexed<AttackOutcome>(AttackOutcome())
        let group = DispatchGroup()
        for i in 0..<threads {
            group.enter()
            let t = Thread {
                while ContinuousClock.now < deadline {
                    let r = exchange(port: port, request(), timeout: 30)
                    results.with { $0.count(r.key) }
                }
                group.leave()
            }
            t.name = "hostile.worker\(i)"
            t.stackSize = 1 << 20
            t.start()
        }
        group.wait()  // on the attack's own thread
        return results.with { $0 }
    }

    static func judge(_ o: AttackOutcome, allowed: Set<String>) -> AttackOutcome {
        var o = o
        o.asDocumented = !o.answers.isEmpty && o.answers.keys.allSatisfy { allowed.contains($0) }
        return o
    }

    static func post(_ path: String, token: String, body: [UInt8], extra: String = "") -> [UInt8] {
        Array("POST \(path) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\(extra)Connection: close\r\n\r\n".utf8) + body
    }

    static func nested(_ t: Target, _ deadline: ContinuousClock.Instant) -> AttackOutcome {
        let depth = 100_000
        let body = Array(#"{"type": "hostile.deep", "data": "#.utf8) + [UInt8](repeating: 0x5B, count: depth) + [UInt8](repeating: 0x5D, count: depth) + [0x7D]
        let request = post("/v1/events", token: t.adminToken, body: body)
        return judge(repeated(threads: 2, until: deadline, port: t.port) { request }, allowed: ["400 invalid_argument"])
    }

    static func invalidUTF8(_ t: Target, _ deadline: ContinuousClock.Instant) -> AttackOutcome {
        let inString = Array(#"{"type": "hostile.utf8", "data": ""#.utf8) + [0xFF, 0xFE, 0xC3, 0x28, 0xED, 0xA0, 0x80] + Array(#""}"#.utf8)
        let bare: [UInt8] = [0xFF, 0xFE, 0xFD, 0x80, 0x80]
        let requests = [post("/v1/events", token: t.adminToken, body: inString), post("/v1/events", token: t.adminToken, body: bare)]
        let n = Mutexed(0)
        return judge(repeated(threads: 2, until: deadline, port: t.port) { requests[n.with { $0 += 1; return $0 } % 2] },
                     allowed: ["400 invalid_argument"])
    }

    static func hugeHeaders(_ t: Target, _ deadline: ContinuousClock.Instant) -> AttackOutcome {
        let pad = (0..<40).map { "X-Pad-\($0): \(String(repeating: "b", count: 1000))\r\n" }.joined()
        let request = Array("GET /health HTTP/1.1\r\nHost: x\r\n\(pad)\r\n".utf8)
        return judge(repeated(threads: 2, until: deadline, port: t.port) { request }, allowed: ["431 headers_too_large"])
    }

    static func oversized(_ t: Target, _ deadline: ContinuousClock.Instant) -> AttackOutcome {
        // The head announces 8 MiB (over the default 4 MiB) and 64 KiB of it follow at once.
        let head = Array("POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(t.adminToken)\r\nContent-Type: application/json\r\nContent-Length: \(8 << 20)\r\n\r\n".utf8)
        let request = head + [UInt8](repeating: 0x20, count: 64 << 10)
        return judge(repeated(threads: 2, until: deadline, port: t.port) { request }, allowed: ["413 payload_too_large"])
    }

    static func flood(_ t: Target, _ deadline: ContinuousClock.Instant) -> AttackOutcome {
        // Keep-alive connections, as a real flooder would; a new one when the daemon closes one.
        let results = Mutexed<AttackOutcome>(AttackOutcome())
        let retryAfterMissing = Mutexed(0)
        let group = DispatchGroup()
        let body = Array(#"{"type": "hostile.flood", "source": "flooder", "data": {"n": 1}}"#.utf8)
        let request = Array("POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(t.limitedToken)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body
        for i in 0..<4 {
            group.enter()
            let th = Thread {
                var conn: Socket?
                while ContinuousClock.now < deadline {
                    if conn == nil { conn = try? Socket(port: t.port, timeout: 30) }
                    guard let c = conn else { results.with { $0.count("connect failed") }; usleep(10_000); continue }
                    guard c.send(request), let r = c.readResponse() else { results.with { $0.count("closed without an answer") }; conn = nil; continue }
                    results.with { $0.count(r.key) }
                    if r.status == 429, r.headers["retry-after"].flatMap(Int.init) == nil { retryAfterMissing.with { $0 += 1 } }
                    if r.headers["connection"]?.lowercased() == "close" { conn = nil }
                }
                group.leave()
            }
            th.name = "hostile.flood\(i)"
            th.stackSize = 1 << 20
            th.start()
        }
        group.wait()
        var o = results.with { $0 }
        let missing = retryAfterMissing.with { $0 }
        o.asDocumented = (o.answers["429 throttled"] ?? 0) > 0 && missing == 0
            && o.answers.keys.allSatisfy { ["202", "429 throttled"].contains($0) }
        if missing > 0 { o.note = "\(missing) answers 429 without a Retry-After in whole seconds" }
        return o
    }

    static func idle(_ t: Target, _ deadline: ContinuousClock.Instant) -> AttackOutcome {
        raiseOwnDescriptorLimit()
        var o = AttackOutcome()
        var held: [Socket] = []
        var refused = 0
        for _ in 0..<1100 {
            if let s = try? Socket(port: t.port, timeout: 5) { held.append(s) } else { refused += 1 }
        }
        while ContinuousClock.now < deadline { usleep(50_000) }
        let closed = held.filter(\.isClosedByPeer).count
        o.answers["accepted"] = held.count
        if refused > 0 { o.answers["connect failed"] = refused }
        if closed > 0 { o.answers["closed by the daemon"] = closed }
        // Documented: accepted and held up to `http.max_connections` (4096 by default) until
        // `idle_timeout_ms` (60 s), so all 1,100 stay open for an attack shorter than that.
        o.asDocumented = held.count == 1100 && closed == 0
        o.note = "\(held.count - closed) of 1100 still open at the end"
        return o
    }

    static func slowloris(_ t: Target, _ deadline: ContinuousClock.Instant) -> AttackOutcome {
        raiseOwnDescriptorLimit()
        var o = AttackOutcome()
        let trickle = Array("X-Slow: \(String(repeating: "s", count: 4000))\r\n".utf8)
        // Each connection: a request line and Host at once, then one byte of a header every 100 ms.
        struct Slow { let socket: Socket; var sent = 0 }
        func open() -> Slow? {
            guard let s = try? Socket(port: t.port, timeout: 5) else { o.count("connect failed"); return nil }
            _ = s.send(Array("GET /health HTTP/1.1\r\nHost: x\r\n".utf8))
            return Slow(socket: s)
        }
        var conns = (0..<200).compactMap { _ in open() }
        let stopOpening = deadline - .milliseconds(t.headerTimeoutMs + 2000)
        while ContinuousClock.now < deadline {
            for i in conns.indices.reversed() {
                if conns[i].socket.isReadable {
                    if let r = conns[i].socket.readResponse() { o.count(r.key) } else { o.count("closed without an answer") }
                    conns.remove(at: i)
                    if ContinuousClock.now < stopOpening, let n = open() { conns.append(n) }
                    continue
                }
                if conns[i].sent < trickle.count, conns[i].socket.send([trickle[conns[i].sent]]) { conns[i].sent += 1 }
            }
            if conns.isEmpty { break }
            usleep(100_000)
        }
        o.asDocumented = (o.answers["408 request_timeout"] ?? 0) > 0 && o.answers.keys.allSatisfy { $0 == "408 request_timeout" }
        o.note = "\(conns.count) still trickling at the end"
        return o
    }

    // MARK: Sockets

    struct Answer {
        var status: Int?
        var code: String?
        var error: String?
        var headers: [String: String] = [:]
        /// "STATUS code", "STATUS", or what went wrong.
        var key: String {
            guard let status else { return error ?? "closed without an answer" }
            return code.map { "\(status) \($0)" } ?? "\(status)"
        }
    }

    /// Sends `request` on a new connection and reads the response (until close or its length).
    static func exchange(port: Int, _ request: [UInt8], timeout: Int) -> Answer {
        let s: Socket
        do { s = try Socket(port: port, timeout: timeout) } catch { return Answer(error: "connect failed") }
        _ = s.send(request)  // the daemon may answer and close before reading it all
        return s.readResponse() ?? Answer(error: "closed without an answer")
    }

    static func raiseOwnDescriptorLimit() {
        var r = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &r)
        if r.rlim_cur < r.rlim_max { r.rlim_cur = r.rlim_max; setrlimit(Int32(RLIMIT_NOFILE.rawValue), &r) }
    }

    /// A blocking TCP connection to 127.0.0.1 with send and receive timeouts.
    final class Socket: @unchecked Sendable {
        // Used by one thread at a time.
        let fd: Int32
        private var buffer: [UInt8] = []

        init(port: Int, timeout: Int) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
            var tv = timeval(tv_sec: timeout, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard rc == 0 else { let e = errno; close(fd); throw TestFailure("connect 127.0.0.1:\(port): errno \(e)") }
        }

        deinit { close(fd) }

        /// Sends all of `bytes`; false when the peer closed or the send timed out.
        func send(_ bytes: [UInt8]) -> Bool {
            var off = 0
            while off < bytes.count {
                let n = bytes[off...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                off += n
            }
            return true
        }

        var isReadable: Bool {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            return poll(&p, 1, 0) > 0
        }

        var isClosedByPeer: Bool {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 0) > 0 else { return false }
            var b: UInt8 = 0
            let n = recv(fd, &b, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
            return n == 0 || (n < 0 && errno == ECONNRESET)
        }

        private func fill() -> Bool {
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                buffer += chunk[0..<n]
                return true
            }
        }

        /// Reads one response (head, then a body of `Content-Length` or until close); nil when
        /// the connection closed (or timed out) before a status line.
        func readResponse() -> Answer? {
            let sep: [UInt8] = [13, 10, 13, 10]
            var headEnd: Int?
            while headEnd == nil {
                if buffer.count >= 4 { headEnd = (0...(buffer.count - 4)).first { buffer[$0..<($0 + 4)].elementsEqual(sep) } }
                if headEnd == nil, !fill() { break }
            }
            guard let end = headEnd else { return nil }
            let head = String(decoding: buffer[..<end], as: UTF8.self)
            buffer.removeFirst(end + 4)
            let lines = head.components(separatedBy: "\r\n")
            let parts = lines.first?.split(separator: " ") ?? []
            guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
            var headers: [String: String] = [:]
            for l in lines.dropFirst() {
                if let c = l.firstIndex(of: ":") { headers[l[..<c].lowercased()] = l[l.index(after: c)...].trimmingCharacters(in: .whitespaces) }
            }
            let length = headers["content-length"].flatMap(Int.init)
            if let length { while buffer.count < length, fill() {} } else { while fill() {} }
            let body = Array(buffer.prefix(length ?? buffer.count))
            buffer.removeFirst(min(buffer.count, body.count))
            var code: String?
            if status >= 400, let obj = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
               let err = obj["error"] as? [String: Any] { code = err["code"] as? String }
            return Answer(status: status, code: code, headers: headers)
        }
    }

    /// Runs `body` on a new thread of its own (blocking I/O) and returns its result.
    static func onThread<T: Sendable>(_ name: String, _ body: @escaping @Sendable () -> T) async -> T {
        await BlockingIO.onThread(name, body)
    }
}

/// A value behind one lock, for the battery's worker threads.
final class Mutexed<Value>: @unchecked Sendable {
    // Every access goes through `lock`.
    private let lock = NSLock()
    private var value: Value
    init(_ v: Value) { value = v }
    func with<R>(_ body: (inout Value) -> R) -> R { lock.lock(); defer { lock.unlock() }; return body(&value) }
}
