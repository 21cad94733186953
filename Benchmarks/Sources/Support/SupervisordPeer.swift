import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// supervisord 4.x (pip install supervisor) supervising one program with autorestart, for the
/// `restart` and `memory` peers. Its children are found through /proc.
final class SupervisordPeer: @unchecked Sendable {
    // Used by one benchmark, sequentially.
    let proc: Proc
    let version: String

    static var available: Bool { BenchContext.pythonHas("supervisor.supervisord") }

    /// Starts supervisord in the foreground with `programs` copies of `command`.
    init(ctx: BenchContext, command: String, programs: Int = 1) throws {
        guard let py = BenchContext.python3 else { throw BenchError("python3 not found") }
        let dir = try ctx.scratch("supervisord")
        var conf = """
            [supervisord]
            nodaemon=true
            logfile=\(dir.path)/supervisord.log
            pidfile=\(dir.path)/supervisord.pid
            childlogdir=\(dir.path)
            loglevel=warn

            """
        for i in 0..<programs {
            conf += """

                [program:child\(i)]
                command=\(command)
                autostart=true
                autorestart=true
                startsecs=0
                startretries=100000
                stdout_logfile=NONE
                stderr_logfile=NONE
                stopsignal=KILL

                """
        }
        let file = dir.appendingPathComponent("supervisord.conf")
        try conf.write(to: file, atomically: true, encoding: .utf8)
        version = (try? Proc.run(py, ["-c", "import importlib.metadata as m; print(m.version('supervisor'))"]))
            .map { $0.output.trimmingCharacters(in: .whitespacesAndNewlines) } ?? "?"
        proc = try Proc.spawn(py, ["-m", "supervisor.supervisord", "-c", file.path], stdout: .null, stderr: .file(dir.path + "/stderr.log"))
    }

    var children: [pid_t] { Proc.children(of: proc.pid) }

    /// Waits (polling /proc) until supervisord runs `count` children; returns them.
    func waitChildren(_ count: Int, timeout: Duration = .seconds(20)) throws -> [pid_t] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let c = children
            if c.count >= count { return c }
            usleep(1000)
        }
        throw BenchError("supervisord did not start \(count) children within \(timeout)")
    }

    /// kill -9 of `pid`, then polls every 100 µs until a child with another pid exists.
    func killAndTimeRestart(_ pid: pid_t, timeout: Duration = .seconds(20)) throws -> Duration {
        let t0 = ContinuousClock.now
        kill(pid, SIGKILL)
        while ContinuousClock.now - t0 < timeout {
            if children.contains(where: { $0 != pid }) { return ContinuousClock.now - t0 }
            usleep(100)
        }
        throw BenchError("supervisord did not restart the program within \(timeout)")
    }

    func stop() async { await proc.stop(grace: .seconds(5)) }
}
