import Foundation

/// A minimal MCP client over stdio for the peer measurements: spawns the MCP Python SDK echo
/// server (Benchmarks/peers/mcp_echo_server.py), does the `initialize` handshake, then sends
/// requests one line at a time with blocking I/O on the calling thread (the cheapest client
/// possible, so the peer is not slowed by our side).
final class MCPPeer: @unchecked Sendable {
    // Used by one benchmark, sequentially.
    let proc: Proc
    private var nextId = 1

    static var available: Bool { BenchContext.pythonHas("mcp") }

    init(ctx: BenchContext, pinned: Bool) throws {
        guard let py = BenchContext.python3 else { throw BenchError("python3 not found") }
        let script = ctx.repoRoot.appendingPathComponent("Benchmarks/peers/mcp_echo_server.py").path
        let (cmd, args) = pinned && BenchContext.taskset != nil ? (BenchContext.taskset!, ["-c", "0", py, script]) : (py, [script])
        proc = try Proc.spawn(cmd, args, stdinPipe: true, stdout: .pipe, stderr: .null)
        try request("initialize", #"{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"lightning-bench","version":"1"}}"#)
        proc.writeLine(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
    }

    /// One request; returns when its response arrived.
    func request(_ method: String, _ params: String? = nil) throws {
        let id = nextId
        nextId += 1
        let p = params.map { ",\"params\":\($0)" } ?? ""
        guard proc.writeLine("{\"jsonrpc\":\"2.0\",\"id\":\(id),\"method\":\"\(method)\"\(p)}") else { throw BenchError("MCP server closed its stdin") }
        try awaitResponse(id)
    }

    func ping() throws { try request("ping") }
    func echo() throws { try request("tools/call", #"{"name":"echo","arguments":{"text":"hello"}}"#) }

    private func awaitResponse(_ id: Int) throws {
        let a = "\"id\":\(id),", b = "\"id\":\(id)}"
        while let line = proc.readLineString() {
            if line.contains(a) || line.contains(b) {
                if line.contains("\"error\"") && !line.contains("\"result\"") { throw BenchError("MCP error: \(line.prefix(300))") }
                return
            }
        }
        throw BenchError("MCP server closed its stdout")
    }

    /// `count` echo tool calls with `window` in flight; returns the elapsed time.
    func pipelinedEcho(count: Int, window: Int) throws -> Duration {
        let clock = ContinuousClock()
        let t0 = clock.now
        var sent = 0, received = 0
        func send() {
            let id = nextId
            nextId += 1
            proc.writeLine("{\"jsonrpc\":\"2.0\",\"id\":\(id),\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"hello\"}}}")
            sent += 1
        }
        while sent < min(window, count) { send() }
        while received < count {
            guard let line = proc.readLineString() else { throw BenchError("MCP server closed its stdout") }
            guard line.contains("\"id\":") else { continue }
            received += 1
            if sent < count { send() }
        }
        return clock.now - t0
    }

    func stop() async {
        proc.closeStdin()
        if await proc.wait(timeout: .seconds(3)) == nil { await proc.stop(grace: .seconds(1)) }
    }
}
