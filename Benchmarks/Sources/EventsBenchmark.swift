import Foundation

/// `events`: end to end against the real daemon binary — HTTP `POST /v1/events` → durable
/// journal (fsync) → router → echo driver → `echo.reply` published durably — with a load
/// generator in this process; then the in-process bus alone (EventsBenchmark+Bus.swift).
struct EventsBenchmark: Benchmark {
    let name = "events"
    let summary = "HTTP ingest → durable bus → router → echo driver → reply, and the bus alone"

    func run(_ ctx: BenchContext) async throws -> [Figure] {
        var figures = try await daemonFigures(ctx)
        figures += try await accessControlPeer(ctx, ingest: figures.first { $0.name.hasPrefix("ingest, single events") }?.value)
        figures += try await httpFloor(ctx, ingest: figures.first { $0.name.hasPrefix("ingest, single events") }?.value)
        figures += try await BusBench.figures(ctx)
        return figures
    }

    /// The single-event ingest again on a daemon with authentication off (`auth: false`), in the
    /// same run: what the access control (bearer token, scope check, rate limits) costs per event.
    func accessControlPeer(_ ctx: BenchContext, ingest withAuth: Double?) async throws -> [Figure] {
        let daemon = try await DaemonProcess.start(ctx: ctx, config: #"{"auth": false}"#)
        let loadTime = ctx.duration(.seconds(3), quick: .milliseconds(700))
        _ = await LoadGenerator.run(port: daemon.port, connections: 1, requestsPerConnection: ctx.scale(200, quick: 20)) { c, i in (Array(Self.event(c, i).utf8), 1) }
        let cpu0 = Proc.cpuSeconds(of: daemon.pid) ?? 0
        let single = await LoadGenerator.run(port: daemon.port, connections: 16, duration: loadTime) { c, i in (Array(Self.event(c, i).utf8), 1) }
        let cpu = (Proc.cpuSeconds(of: daemon.pid) ?? 0) - cpu0
        await daemon.stop()
        let rateOff = rate(single.events, single.elapsed)
        return [Figure(name, "ingest, single events, 16 connections, authentication off (auth: false)", unit: "events/s", value: rateOff,
                       references: withAuth.map { [.peer("the same with authentication on (above)", $0)] } ?? [],
                       note: [single.errors > 0 ? "\(single.errors) errors, first: \(single.firstError ?? "")" : nil,
                              String(format: "daemon CPU %.0f µs per event", cpu * 1e6 / Double(max(1, single.events)))].compactMap { $0 }.joined(separator: "; "))]
    }

    /// The HTTP server's own share of a single-event `POST`: the same requests, 16 connections,
    /// against `lt-http-floor` (a bare Hummingbird 2 server on the daemon's package versions that
    /// only reads the body and answers 202), with that process's CPU per request.
    func httpFloor(_ ctx: BenchContext, ingest: Double?) async throws -> [Figure] {
        let path = try ctx.requireProduct("lt-http-floor")
        let proc = try Proc.spawn(path, ["0"], stdout: .pipe, stderr: .file("/dev/null"))
        let line = await onThread("bench.http-floor-start") { proc.readLineString() }
        guard let line, line.contains("listening on"), let port = line.split(separator: ":").last.flatMap({ Int($0) }) else {
            await proc.stop(grace: .seconds(1))
            throw BenchError("lt-http-floor did not start (stdout: \(line ?? "EOF"))")
        }
        let loadTime = ctx.duration(.seconds(3), quick: .milliseconds(700))
        _ = await LoadGenerator.run(port: port, path: "/", connections: 1, requestsPerConnection: ctx.scale(200, quick: 20)) { c, i in (Array(Self.event(c, i).utf8), 1) }
        let cpu0 = Proc.cpuSeconds(of: proc.pid) ?? 0
        let r = await LoadGenerator.run(port: port, path: "/", connections: 16, duration: loadTime) { c, i in (Array(Self.event(c, i).utf8), 1) }
        let cpu = (Proc.cpuSeconds(of: proc.pid) ?? 0) - cpu0
        await proc.stop(grace: .seconds(2))
        let rate = rate(r.requests, r.elapsed)
        return [Figure(name, "HTTP alone: the same single-event POSTs to a bare Hummingbird server, 16 connections", unit: "requests/s", value: rate,
                       references: ingest.map { [.peer("the daemon's ingest of the same requests (above)", $0)] } ?? [],
                       note: [r.errors > 0 ? "\(r.errors) errors, first: \(r.firstError ?? "")" : nil,
                              String(format: "server CPU %.0f µs per request: the HTTP stack's floor under every single-event POST (Benchmarks/HTTPFloor)",
                                     cpu * 1e6 / Double(max(1, r.requests)))].compactMap { $0 }.joined(separator: "; "))]
    }

    /// A ~200-byte `echo.request` stamped with its send time.
    static func event(_ c: Int, _ i: Int) -> String {
        "{\"type\":\"echo.request\",\"source\":\"bench\",\"data\":{\"t0\":\(BenchClock.nowNs()),\"conn\":\(c),\"seq\":\(i),"
            + "\"text\":\"hello from the lightning-bench load generator, about two hundred bytes\"}}"
    }

    func daemonFigures(_ ctx: BenchContext) async throws -> [Figure] {
        try await DaemonProcess.using(ctx: ctx) { try await daemonFigures(ctx, $0) }
    }

    private func daemonFigures(_ ctx: BenchContext, _ daemon: DaemonProcess) async throws -> [Figure] {
        let b = name
        let port = daemon.port
        let loadTime = ctx.duration(.seconds(3), quick: .milliseconds(700))
        let singleConns = 16, batchConns = 4, batch = 100
        var figures: [Figure] = []

        /// Waits until the router has handled every request and its reply (2 deliveries each).
        func drain(_ accepted: Int, timeout: Duration) async throws -> Duration? {
            let clock = ContinuousClock()
            let t0 = clock.now
            while clock.now - t0 < timeout {
                let stats = try await daemon.json("/v1/router/stats") as? [String: Any]
                let emitted = stats?["emitted"] as? Int ?? 0
                let routed = stats?["routed"] as? Int ?? 0
                if emitted >= accepted && routed >= 2 * accepted { return clock.now - t0 }
                try await Task.sleep(for: .milliseconds(10))
            }
            return nil
        }
        var accepted = 0

        // A. One connection, one event at a time, reply watcher on: unloaded latencies.
        let watcher = try ReplyWatcher(port: port)
        let seqN = ctx.scale(2_000, quick: 100)
        let warm = await LoadGenerator.run(port: port, connections: 1, requestsPerConnection: max(20, seqN / 10)) { c, i in (Array(Self.event(c, i).utf8), 1) }
        accepted += warm.events
        let aFrom = BenchClock.nowNs()
        let seq = await LoadGenerator.run(port: port, connections: 1, requestsPerConnection: seqN) { c, i in (Array(Self.event(c, i).utf8), 1) }
        let aTo = BenchClock.nowNs()
        accepted += seq.events
        _ = try await drain(accepted, timeout: .seconds(30))
        let e2eUnloaded = watcher.latencies(sentFrom: aFrom, to: aTo)
        figures.append(.latency(b, "POST one event → 202 (durable), 1 connection", seq.ack, ms: true,
                                note: seq.errors > 0 ? "\(seq.errors) errors, first: \(seq.firstError ?? "")" : nil))
        figures.append(.latency(b, "POST → echo.reply durable (end to end), 1 connection", e2eUnloaded, ms: true,
                                references: [.floor("POST → 202 of the same requests", seq.ack.median / 1e6, p99: seq.ack.p99 / 1e6)],
                                note: "seen on GET /v1/events/stream; \(e2eUnloaded.count) of \(seq.events) replies"))

        // B. Single events, many connections, watcher off.
        await watcher.stop()
        let cpu0 = Proc.cpuSeconds(of: daemon.pid) ?? 0, usage0 = Usage.now()
        let single = await LoadGenerator.run(port: port, connections: singleConns, duration: loadTime) { c, i in (Array(Self.event(c, i).utf8), 1) }
        accepted += single.events
        let singleIngestCPU = (Proc.cpuSeconds(of: daemon.pid) ?? 0) - cpu0
        let singleLoadCPU = (Usage.now().cpuMicros - usage0.cpuMicros) / 1e6
        let singleDrain = try await drain(accepted, timeout: .seconds(120))
        let singleTotalCPU = (Proc.cpuSeconds(of: daemon.pid) ?? 0) - cpu0
        let singleE2E = singleDrain.map { rate(single.events, single.elapsed + $0) }

        // C. Batches of 100 events, fewer connections.
        let cpu1 = Proc.cpuSeconds(of: daemon.pid) ?? 0
        // A fixed number of batches: the router drains far slower than batches are ingested.
        let batched = await LoadGenerator.run(port: port, connections: batchConns, requestsPerConnection: ctx.scale(15, quick: 3)) { c, i in
            let events = (0..<batch).map { Self.event(c, i * batch + $0) }.joined(separator: ",")
            return (Array("{\"events\":[\(events)]}".utf8), batch)
        }
        accepted += batched.events
        let batchDrain = try await drain(accepted, timeout: .seconds(120))
        let batchTotalCPU = (Proc.cpuSeconds(of: daemon.pid) ?? 0) - cpu1
        let batchE2E = batchDrain.map { rate(batched.events, batched.elapsed + $0) }

        // C2. A large backlog: many batches posted as fast as they are taken, then drained. The
        // rate at which the router works off a backlog must not fall as the backlog grows (each
        // lease once sorted every pending delivery: docs/benchmarks.md, 2026-12-07 20:00).
        let backlogBatches = ctx.scale(75, quick: 5)
        let backlog = await LoadGenerator.run(port: port, connections: batchConns, requestsPerConnection: backlogBatches) { c, i in
            let events = (0..<batch).map { Self.event(c, 1_000_000 + i * batch + $0) }.joined(separator: ",")
            return (Array("{\"events\":[\(events)]}".utf8), batch)
        }
        accepted += backlog.events
        let backlogDrain = try await drain(accepted, timeout: .seconds(180))
        let backlogE2E = backlogDrain.map { rate(backlog.events, backlog.elapsed + $0) }

        // D. Single events under load with the watcher on: end-to-end latency under load.
        let watcher2 = try ReplyWatcher(port: port)
        let dFrom = BenchClock.nowNs()
        let loaded = await LoadGenerator.run(port: port, connections: singleConns, duration: loadTime * 2 / 3) { c, i in (Array(Self.event(c, i).utf8), 1) }
        let dTo = BenchClock.nowNs()
        accepted += loaded.events
        _ = try await drain(accepted, timeout: .seconds(120))
        let e2eLoaded = watcher2.latencies(sentFrom: dFrom, to: dTo)
        await watcher2.stop()
        let rss = Proc.memory(of: daemon.pid)

        func errors(_ r: LoadGenerator.Result) -> String? { r.errors > 0 ? "\(r.errors) errors, first: \(r.firstError ?? "")" : nil }
        func cpuNote(_ seconds: Double, _ events: Int) -> String {
            String(format: "daemon CPU %.0f µs per event", seconds * 1e6 / Double(max(1, events)))
        }
        let singleNote = [errors(single),
                          cpuNote(singleIngestCPU, single.events) + String(format: " while ingesting (%.0f%% of all CPUs); the load generator in this process used %.0f%%",
                                                                            100 * singleIngestCPU / single.elapsed.seconds / Double(Affinity.cpuCount),
                                                                            100 * singleLoadCPU / single.elapsed.seconds / Double(Affinity.cpuCount))]
            .compactMap { $0 }.joined(separator: "; ")
        let ingestGoal = Goal.atLeast(20_000, "≥ 20k events/s durable")
        figures.append(Figure(b, "ingest, single events, \(singleConns) connections (202 = durable)", unit: "events/s",
                              value: rate(single.events, single.elapsed), goal: ingestGoal, note: singleNote))
        figures.append(.latency(b, "POST one event → 202 under that load, \(singleConns) connections", single.ack, ms: true,
                                goal: .atMost(5, "p99 ≤ 5 ms", p99: true)))
        figures.append(Figure(b, "end to end, single events, \(singleConns) connections (until every reply is durable)", unit: "events/s",
                              value: singleE2E, references: [.floor("ingest rate of the same run", rate(single.events, single.elapsed))],
                              goal: ingestGoal,
                              note: (singleDrain.map { "the router needed \(String(format: "%.2f", $0.seconds)) s after the load stopped to finish the backlog" }
                                ?? "the router did not finish the backlog within 120 s") + "; " + cpuNote(singleTotalCPU, single.events) + " end to end"))
        figures.append(Figure(b, "ingest, batches of \(batch), \(batchConns) connections", unit: "events/s",
                              value: rate(batched.events, batched.elapsed), goal: ingestGoal, note: errors(batched)))
        figures.append(.latency(b, "POST \(batch) events → 202, \(batchConns) connections", batched.ack, ms: true))
        figures.append(Figure(b, "end to end, batches of \(batch), \(batchConns) connections", unit: "events/s",
                              value: batchE2E, references: [.floor("ingest rate of the same run", rate(batched.events, batched.elapsed))],
                              goal: ingestGoal,
                              note: (batchDrain.map { "the router needed \(String(format: "%.2f", $0.seconds)) s after the load stopped to finish the backlog" }
                                ?? "the router did not finish the backlog within 120 s") + "; " + cpuNote(batchTotalCPU, batched.events) + " end to end"))
        figures.append(Figure(b, "end to end, a backlog of \(backlog.events) events (batches of \(batch), posted before it drains)", unit: "events/s",
                              value: backlogE2E, references: [.floor("the smaller batch run above (\(batched.events) events)", batchE2E)],
                              note: (backlogDrain.map { "ingested in \(String(format: "%.2f", backlog.elapsed.seconds)) s; the router needed \(String(format: "%.2f", $0.seconds)) s more to answer every event" }
                                ?? "the router did not finish the backlog within 180 s") + (errors(backlog).map { "; " + $0 } ?? "")))
        figures.append(.latency(b, "POST → echo.reply durable under load, \(singleConns) connections", e2eLoaded, ms: true,
                                references: [.floor("POST → 202 of the same requests", loaded.ack.median / 1e6, p99: loaded.ack.p99 / 1e6)],
                                goal: .atMost(5, "p99 ≤ 5 ms", p99: true),
                                note: "ingest \(Report.number(rate(loaded.events, loaded.elapsed))) events/s during this phase, with the stream watcher on; \(e2eLoaded.count) replies seen"))
        if let rss {
            figures.append(Figure(b, "daemon peak RSS (VmHWM) after the load", unit: "MB", value: Double(rss.hwmKiB) / 1024,
                                  note: "\(rss.threads) threads"))
        }
        return figures
    }
}
