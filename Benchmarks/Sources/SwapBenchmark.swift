import Foundation

/// `swap`: provider hot swap, make-before-break (docs/hot-swap.md), against the real daemon:
/// the event bus moved to a fresh journal in the middle of a steady, paced load of single
/// events (the pause clients see, and whether every request still gets its reply), then the
/// storage provider moved with `copy` of a container of documents.
struct SwapBenchmark: Benchmark {
    let name = "swap"
    let summary = "provider hot swap under a steady load (pause, lost events, copy)"

    func run(_ ctx: BenchContext) async throws -> [Figure] {
        try await DaemonProcess.using(ctx: ctx) { try await figures(ctx, $0) }
    }

    private func figures(_ ctx: BenchContext, _ daemon: DaemonProcess) async throws -> [Figure] {
        let b = name
        // Half of what the router sustains end to end here (see `events`), so no backlog builds
        // up and the pause is the swap's own.
        let rate = ctx.quick ? 200.0 : 500.0
        let loadTime = ctx.duration(.seconds(5), quick: .milliseconds(1500))
        let swapAt = ctx.duration(.seconds(2), quick: .milliseconds(600))
        let port = daemon.port

        func stats() async throws -> (emitted: Int, routed: Int) {
            let s = try await daemon.json("/v1/router/stats") as? [String: Any]
            return (s?["emitted"] as? Int ?? 0, s?["routed"] as? Int ?? 0)
        }
        let before = try await stats()

        let clock = ContinuousClock()
        let t0 = clock.now
        async let load = LoadGenerator.run(port: port, connections: 4, duration: loadTime, rate: rate) { c, i in
            (Array(EventsBenchmark.event(c, i).utf8), 1)
        }
        try await Task.sleep(until: t0 + swapAt, clock: clock)
        let s0 = clock.now - t0
        let swap = try await daemon.request("PUT", "/v1/providers/eventbus",
                                            body: #"{"plugin": "local-eventbus", "config": {"path": "eventbus-2.sqlite"}, "probation_ms": 1000}"#)
        let s1 = clock.now - t0
        let result = await load
        guard swap.status == 200, let report = try? JSONSerialization.jsonObject(with: Data(swap.body)) as? [String: Any] else {
            return [.failed(b, "event bus swap under load", "PUT /v1/providers/eventbus: HTTP \(swap.status) \(swap.text.prefix(400))")]
        }
        // Every accepted request must get its reply: wait for the router to catch up.
        var after = try await stats()
        let deadline = clock.now + .seconds(60)
        while after.emitted - before.emitted < result.events && clock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            after = try await stats()
        }
        let lost = max(0, result.events - (after.emitted - before.emitted))

        let steady = Samples(result.timeline.filter { $0.at >= 0.3e9 && $0.at < s0.nanoseconds }.map(\.latency))
        let window = Samples(result.timeline.filter { $0.at >= s0.nanoseconds && $0.at <= s1.nanoseconds + 0.2e9 }.map(\.latency))
        let worst = window.ns.max() ?? 0
        func ms(_ key: String) -> Double? { (report[key] as? NSNumber)?.doubleValue }
        let steadyRef = Reference.floor("POST → 202 p99 before the swap, same run", steady.p99 / 1e6)
        var figures: [Figure] = [
            Figure(b, "event bus swap at \(Int(rate)) events/s: worst POST → 202 during the swap", unit: "ms", value: worst / 1e6,
                   p99: window.p99 / 1e6, samples: window.count, references: [steadyRef],
                   note: "latency from each request's scheduled send time (paced load, 4 connections); \(window.count) requests fell in the swap window; errors: \(result.errors)\(result.firstError.map { ", first: \($0)" } ?? "")"),
            Figure(b, "event bus swap: PUT /v1/providers/eventbus answered after", unit: "ms", value: (s1 - s0).nanoseconds / 1e6,
                   note: "report: prepare \(ms("prepare_ms").map { Report.number($0) } ?? "?") ms, switch \(ms("switch_ms").map { Report.number($0) } ?? "?") ms, total \(ms("total_ms").map { Report.number($0) } ?? "?") ms"),
            Figure(b, "event bus swap: switch (slot rebind), from the swap report", unit: "µs", value: ms("switch_ms").map { $0 * 1000 }),
            Figure(b, "event bus swap: requests accepted but never answered", unit: "events", value: Double(lost),
                   goal: .atMost(0, "none lost"),
                   note: "\(result.events) accepted during the load; replies counted by the router's emitted counter"),
        ]

        figures += await crossImplementationFigures(ctx, daemon, stats: stats)

        // Storage with copy: a container of documents moved to a new database file.
        let docs = ctx.scale(2_000, quick: 100)
        _ = try await daemon.request("PUT", "/v1/storage/containers/swapbench", body: "{}")
        let port2 = port
        let created = await LoadGenerator.run(port: port2, path: "/v1/storage/containers/swapbench/documents", connections: 4,
                                              requestsPerConnection: docs / 4) { c, i in
            (Array(#"{"id": "d-\#(c)-\#(i)", "data": {"n": \#(i), "text": "a document to copy on swap"}}"#.utf8), 1)
        }
        let c0 = clock.now
        let storageSwap = try await daemon.request("PUT", "/v1/providers/storage",
                                                   body: #"{"plugin": "sqlite-storage", "config": {"path": "storage-2.sqlite"}, "copy": true, "probation_ms": 0}"#)
        let copyTime = clock.now - c0
        if storageSwap.status == 200, let r = try? JSONSerialization.jsonObject(with: Data(storageSwap.body)) as? [String: Any] {
            let copied = (r["copied"] as? [String: Any])?["documents"] as? Int
            figures.append(Figure(b, "storage swap with copy of \(copied ?? 0) documents", unit: "ms", value: copyTime.nanoseconds / 1e6,
                                  references: [.floor("writing them over the REST API, 4 connections, this run", created.elapsed.nanoseconds / 1e6)],
                                  note: "\(created.errors) errors writing them; report total \((r["total_ms"] as? NSNumber).map { Report.number($0.doubleValue) } ?? "?") ms, verified \((r["copied"] as? [String: Any])?["verified"] as? Bool ?? false)"))
        } else {
            figures.append(.failed(b, "storage swap with copy", "PUT /v1/providers/storage: HTTP \(storageSwap.status) \(storageSwap.text.prefix(400))"))
        }
        return figures
    }

    /// The bus moved between its two implementations and back (SQLite journal → Redis Streams →
    /// SQLite journal) under 2000 events/s offered in batches of 10: the worst publish latency
    /// around the swaps, each swap's duration, and events accepted but never answered.
    private func crossImplementationFigures(_ ctx: BenchContext, _ daemon: DaemonProcess,
                                            stats: () async throws -> (emitted: Int, routed: Int)) async -> [Figure] {
        let b = name
        let redis: RedisProcess
        do { redis = try await RedisProcess.start() } catch {
            return [.failed(b, "event bus swap local → redis → local", "\(error)")]
        }
        defer { Task { await redis.stop() } }
        let rate = 200.0  // requests/s of 10 events: 2000 events/s offered
        let loadTime = ctx.duration(.seconds(10), quick: .seconds(2))
        let clock = ContinuousClock()
        do {
            let before = try await stats()
            let t0 = clock.now
            async let load = LoadGenerator.run(port: daemon.port, connections: 4, duration: loadTime, rate: rate) { c, i in
                (Array(("[" + (0..<10).map { k in EventsBenchmark.event(c, i * 10 + k) }.joined(separator: ",") + "]").utf8), 10)
            }
            var windows: [(Duration, Duration)] = []
            var reports: [String] = []
            for (at, body) in [(0.3, #"{"plugin": "redis-eventbus", "config": {"url": "\#(redis.url)", "key_prefix": "bench:"}, "probation_ms": 500}"#),
                               (0.6, #"{"plugin": "local-eventbus", "config": {"path": "eventbus-back.sqlite"}, "probation_ms": 500}"#)] {
                try await Task.sleep(until: t0 + loadTime * at, clock: clock)
                let s0 = clock.now - t0
                let r = try await daemon.request("PUT", "/v1/providers/eventbus", body: body)
                let s1 = clock.now - t0
                guard r.status == 200 else { _ = await load; return [.failed(b, "event bus swap local → redis → local", "HTTP \(r.status) \(r.text.prefix(300))")] }
                windows.append((s0, s1))
                let j = (try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]) ?? [:]
                reports.append("\((j["to"] as? String) ?? "?"): total \((j["total_ms"] as? NSNumber).map { Report.number($0.doubleValue) } ?? "?") ms, forwarded \((j["forwarded"] as? NSNumber)?.intValue ?? 0)")
            }
            let result = await load
            var after = try await stats()
            let deadline = clock.now + .seconds(180)
            while after.emitted - before.emitted < result.events && clock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                after = try await stats()
            }
            let drained = clock.now - t0
            let lost = max(0, result.events - (after.emitted - before.emitted))
            let inWindows = result.timeline.filter { p in windows.contains { p.at >= $0.0.nanoseconds && p.at <= $0.1.nanoseconds + 0.2e9 } }
            let worst = inWindows.map(\.latency).max() ?? 0
            let all = Samples(result.timeline.map(\.latency))
            return [
                Figure(b, "bus swap local → redis → local at 2000 events/s offered: worst publish (10 events) around the swaps", unit: "ms",
                       value: worst / 1e6, p99: all.p99 / 1e6, samples: inWindows.count,
                       references: [.floor("publish p99 over the whole run", all.p99 / 1e6)],
                       note: "\(result.events) events in \(Report.number(loadTime.nanoseconds / 1e9)) s (\(Report.number(Double(result.events) / (loadTime.nanoseconds / 1e9))) events/s accepted); \(reports.joined(separator: "; ")); all replies after \(Report.number(drained.nanoseconds / 1e9)) s; errors: \(result.errors)\(result.firstError.map { ", first: \($0)" } ?? "")"),
                Figure(b, "bus swap local → redis → local: events accepted but never answered", unit: "events", value: Double(lost),
                       goal: .atMost(0, "none lost"), note: "replies counted by the router's emitted counter"),
            ]
        } catch {
            return [.failed(b, "event bus swap local → redis → local", "\(error)")]
        }
    }
}
