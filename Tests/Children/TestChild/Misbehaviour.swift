#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
@_spi(Testing) import LightningChildKit
import LightningProtocol

/// Modes that are the well-behaved child plus one deliberate fault.
enum Misbehaviour {
    /// Claims protocol 2.0 in the `initialize` result.
    static func version2() async {
        let child = WellBehaved.make()
        child.advertiseProtocolVersion("2.0")
        await child.run()
    }

    /// Exits with status 3 `ms` milliseconds after start, whatever it is doing.
    static func crashAfter(ms: Int) async {
        Thread.detachNewThread {
            usleep(UInt32(clamping: max(0, ms) * 1000))
            exit(3)
        }
        await WellBehaved.make().run()
    }

    /// Writes "this is not json" to stdout every 50 ms after `initialize`.
    static func garbage() async {
        let child = WellBehaved.make()
        child.onInitialize { _ in
            while !Task.isCancelled {
                guard child.writeRawLine(Data("this is not json".utf8)) else { return }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        await child.run()
    }

    /// As `well`, plus `count` non-JSON lines on stdout right after `initialize` (below the
    /// 10-in-a-row limit when count < 10).
    static func someGarbage(count: Int) async {
        let child = WellBehaved.make()
        child.onInitialize { _ in
            for n in 1...max(1, count) { _ = child.writeRawLine(Data("stray line \(n)".utf8)) }
        }
        await child.run()
    }

    /// Writes one 8 MiB line (a `log` notification with a huge message) after `initialize`.
    static func oversize() async {
        let child = WellBehaved.make()
        child.onInitialize { _ in
            var line = Data(#"{"jsonrpc":"2.0","method":"log","params":{"level":"info","message":""#.utf8)
            line.append(Data(repeating: UInt8(ascii: "x"), count: 8 << 20))
            line.append(Data(#""}}"#.utf8))
            child.writeRawLine(line)
        }
        await child.run()
    }

    /// Writes valid `log` notifications as fast as it can, forever, from its own thread.
    static func flood() async {
        let child = WellBehaved.make()
        child.onInitialize { ctx in
            Thread.detachNewThread {
                var n = 0
                while true {
                    n += 1
                    ctx.log(.info, "flood line \(n)")
                }
            }
        }
        await child.run()
    }

    /// Ignores SIGTERM, and stays alive after `exit` or stdin EOF.
    static func ignoreTerm() async -> Never {
        signal(SIGTERM, SIG_IGN)
        await WellBehaved.make().run()
        TestChildIO.stderr("lt-test-child: ignoring exit\n")
        TestChildIO.sleepForever()
    }

    /// Spawns `/bin/sleep 1000` (same process group), writes its pid to `pidfile`.
    static func grandchild(pidfile: String) async {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("1000"), nil]
        defer { argv.forEach { free($0) } }
        let rc = posix_spawn(&pid, "/bin/sleep", nil, nil, argv, environ)
        guard rc == 0 else {
            TestChildIO.stderr("lt-test-child: posix_spawn(/bin/sleep): \(String(cString: strerror(rc)))\n")
            exit(70)
        }
        do {
            try Data("\(pid)\n".utf8).write(to: URL(fileURLWithPath: pidfile))
        } catch {
            TestChildIO.stderr("lt-test-child: write \(pidfile): \(error)\n")
            exit(70)
        }
        await WellBehaved.make().run()
    }
}
