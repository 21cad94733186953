/// How durable an acknowledged publish is, from the server's AOF settings (`CONFIG GET`).
///
/// The bus acknowledges a publish once Redis answered the script. Redis with `appendfsync always`
/// writes and fsyncs the AOF before it answers (all commands of one event-loop turn share one
/// fsync: Redis's own group commit), so the event survives a crash of Redis or of the machine.
struct Durability: Sendable {
    var appendonly: String
    var appendfsync: String

    /// `full`, `everysec`, `no-fsync`, `snapshots-only`, or `unknown` (CONFIG refused, as some
    /// managed services do).
    var level: String {
        switch (appendonly, appendfsync) {
        case ("yes", "always"): return "full"
        case ("yes", "everysec"): return "everysec"
        case ("yes", "no"): return "no-fsync"
        case ("no", _): return "snapshots-only"
        default: return "unknown"
        }
    }

    var note: String {
        switch level {
        case "full": return "appendonly yes, appendfsync always: acknowledged events survive a crash of Redis or of its machine"
        case "everysec": return "appendfsync everysec: up to about 1 s of acknowledged events can be lost if Redis or its machine crashes; set appendfsync always for full durability"
        case "no-fsync": return "appendfsync no: acknowledged events not yet flushed by the OS can be lost if the machine crashes; set appendfsync always for full durability"
        case "snapshots-only": return "appendonly no: acknowledged events since the last RDB snapshot are lost if Redis crashes; set appendonly yes and appendfsync always for full durability"
        default: return "cannot read the AOF settings (CONFIG GET refused): durability depends on the server's configuration"
        }
    }

    static func read(pool: RedisPool) throws -> Durability {
        let r = try pool.sendSync([["CONFIG", "GET", "appendonly"], ["CONFIG", "GET", "appendfsync"]])
        return Durability(appendonly: value(r[0]), appendfsync: value(r[1]))
    }

    static func read(pool: RedisPool) async throws -> Durability {
        let r = try await pool.send([["CONFIG", "GET", "appendonly"], ["CONFIG", "GET", "appendfsync"]])
        return Durability(appendonly: value(r[0]), appendfsync: value(r[1]))
    }

    /// `CONFIG GET x` answers [x, value] (a map in RESP3, flattened the same way).
    private static func value(_ reply: RedisValue) -> String {
        guard let a = reply.array, a.count >= 2, let v = a[1].string else { return "unknown" }
        return v.lowercased()
    }
}
