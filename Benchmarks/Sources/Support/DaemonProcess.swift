import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The real `lightning` binary, as Tests/IntegrationTests/Support/TestDaemon.swift starts it:
/// `serve --port 0 --pin` on a fresh data folder with copies of the repository's manifests.
final class DaemonProcess: @unchecked Sendable {
    // Owned by one benchmark, used sequentially.
    let proc: Proc
    let port: Int
    let root: URL
    var pid: pid_t { proc.pid }

    private init(proc: Proc, port: Int, root: URL) { self.proc = proc; self.port = port; self.root = root }

    /// Starts a daemon and waits for its "listening on" line.
    /// - Parameters:
    ///   - manifests: which repository manifests to copy (agents and functions never are).
    ///   - extraManifests: more manifest files (name → JSON text).
    ///   - config: written to a config file passed with `--config`.
    ///   - environment: added to this process's environment for the daemon (e.g. `LIGHTNING_CLUSTER`).
    static func start(ctx: BenchContext, manifests: @escaping (String) -> Bool = { _ in true },
                      extraManifests: [String: String] = [:], config: String? = nil,
                      environment: [String: String] = [:]) async throws -> DaemonProcess {
        let lightning = try ctx.requireProduct("lightning")
        let root = try ctx.scratch("daemon")
        let mdir = root.appendingPathComponent("manifests")
        try FileManager.default.createDirectory(at: mdir, withIntermediateDirectories: true)
        let repo = ctx.repoRoot.appendingPathComponent("manifests")
        for name in try FileManager.default.contentsOfDirectory(atPath: repo.path).sorted() where name.hasSuffix(".json") && manifests(name) {
            let text = try String(contentsOf: repo.appendingPathComponent(name), encoding: .utf8)
            if text.contains("\"process\"") { continue }
            try text.write(to: mdir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        for (name, text) in extraManifests { try text.write(to: mdir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        var args = ["serve", "--port", "0", "--pin", "--data-dir", root.appendingPathComponent("data").path, "--manifests", mdir.path,
                    "--plugin-dir", ctx.products.path, "--log-level", "warning"]
        if let config {
            let f = root.appendingPathComponent("lightning.json")
            try config.write(to: f, atomically: true, encoding: .utf8)
            args += ["--config", f.path]
        }
        let log = root.appendingPathComponent("daemon.log").path
        let env = environment.isEmpty ? nil : ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let proc = try Proc.spawn(lightning, args, environment: env, stdout: .pipe, stderr: .file(log))
        // The unix socket's line may come first: read until the TCP listener's (or EOF).
        let line = await onThread("bench.daemon-start") { () -> String? in
            var last: String?
            while let l = proc.readLineString() {
                last = l
                if l.contains("listening on") { return l }
            }
            return last
        }
        guard let line, line.contains("listening on"), let port = line.split(separator: ":").last.flatMap({ Int($0) }) else {
            await proc.stop(grace: .seconds(2))
            let tail = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").suffix(2000)
            throw BenchError("the daemon did not start (stdout: \(line ?? "EOF")); its log:\n\(tail)")
        }
        // With authentication on (the default) the first start wrote the admin token; every
        // connection to this port sends it. With `auth: false` there is none to send.
        let tokenFile = root.appendingPathComponent("data/admin.token")
        if FileManager.default.fileExists(atPath: tokenFile.path) {
            let token = try String(contentsOf: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            DaemonTokens.register(port: port, token: token)
        }
        return DaemonProcess(proc: proc, port: port, root: root)
    }

    /// Starts a daemon (as `start`), runs `body` with it, and stops it whether `body` returns or throws.
    static func using<T>(ctx: BenchContext, manifests: @escaping (String) -> Bool = { _ in true },
                         _ body: (DaemonProcess) async throws -> T) async throws -> T {
        let daemon = try await start(ctx: ctx, manifests: manifests)
        do {
            let result = try await body(daemon)
            await daemon.stop()
            return result
        } catch {
            await daemon.stop()
            throw error
        }
    }

    /// One request on a fresh connection (for control calls, not load).
    func request(_ method: String, _ path: String, body: String? = nil) async throws -> HTTPConnection.Response {
        let port = self.port
        let r = await onThread("bench.http") { () -> Result<HTTPConnection.Response, BenchError> in
            do {
                let c = try HTTPConnection(port: port)
                return .success(try c.request(method, path, body: body.map { Array($0.utf8) }))
            } catch { return .failure(error as? BenchError ?? BenchError("\(error)")) }
        }
        return try r.get()
    }

    func json(_ path: String) async throws -> Any {
        let r = try await request("GET", path)
        return try JSONSerialization.jsonObject(with: Data(r.body))
    }

    var logTail: String { String(((try? String(contentsOfFile: root.appendingPathComponent("daemon.log").path, encoding: .utf8)) ?? "").suffix(2000)) }

    func stop() async { await proc.stop(grace: .seconds(10)) }
}
