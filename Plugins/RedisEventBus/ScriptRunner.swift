import LightningProtocol
import Synchronization

/// Runs `BusScripts` on the pool: `EVALSHA` with the key prefix as first argument, falling back
/// to `EVAL` (which caches the script again) when the server answers `NOSCRIPT` (a restarted
/// Redis, or `SCRIPT FLUSH`).
final class ScriptRunner: Sendable {
    let pool: RedisPool
    let prefix: String
    private let shas = Mutex<[String: String]>([:])

    init(pool: RedisPool, prefix: String) {
        self.pool = pool
        self.prefix = prefix
    }

    /// Loads every script (`SCRIPT LOAD`) and remembers their SHA1 digests. Called once by
    /// `create`, so an unreachable server fails the instance there.
    /// - Throws: `unavailable` naming the server.
    func load() throws {
        let replies = try pool.sendSync(BusScripts.all.map { ["SCRIPT", "LOAD", $0.body] })
        var out: [String: String] = [:]
        for (script, reply) in zip(BusScripts.all, replies) {
            guard let sha = reply.string, reply.errorMessage == nil else {
                throw WireError(.unavailable, "redis \(pool.endpoint.displayURL): cannot load script \(script.name): \(reply.errorMessage ?? "\(reply)")")
            }
            out[script.name] = sha
        }
        shas.withLock { $0 = out }
    }

    /// Runs one script with `args` (after the prefix) and returns its reply.
    func run(_ script: Script, _ args: [String]) async throws -> RedisValue {
        try await runAll([(script, args)])[0]
    }

    /// Runs the scripts pipelined on one connection, in order; each is atomic on its own.
    /// - Throws: `unavailable` when the connection failed or Redis refused a script (its message included).
    func runAll(_ calls: [(Script, [String])]) async throws -> [RedisValue] {
        let known = shas.withLock { $0 }
        var replies = try await pool.send(calls.map { script, args in
            if let sha = known[script.name] { return ["EVALSHA", sha, "0", prefix] + args }
            return ["EVAL", script.body, "0", prefix] + args
        })
        let missing = replies.indices.filter { replies[$0].errorMessage?.hasPrefix("NOSCRIPT") == true }
        if !missing.isEmpty {
            let again = try await pool.send(missing.map { ["EVAL", calls[$0].0.body, "0", prefix] + calls[$0].1 })
            for (i, r) in zip(missing, again) { replies[i] = r }
        }
        for (i, r) in replies.enumerated() {
            if let e = r.errorMessage {
                throw WireError(.unavailable, "redis \(pool.endpoint.displayURL): script \(calls[i].0.name) failed: \(e)")
            }
        }
        return replies
    }

    /// The blocking form of `run`, for `create`.
    func runSync(_ script: Script, _ args: [String]) throws -> RedisValue {
        let sha = shas.withLock { $0[script.name] }
        let cmd = sha.map { ["EVALSHA", $0, "0", prefix] + args } ?? ["EVAL", script.body, "0", prefix] + args
        let reply = try pool.sendSync([cmd])[0]
        if let e = reply.errorMessage {
            throw WireError(.unavailable, "redis \(pool.endpoint.displayURL): script \(script.name) failed: \(e)")
        }
        return reply
    }
}
