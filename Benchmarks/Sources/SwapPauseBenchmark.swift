import Foundation

/// `swap-pause`: the longest write pause of a storage swap with `copy`, against data size
/// (docs/hot-swap.md, step 3). For each size a fresh daemon gets a container of N documents,
/// then a paced writer (50 writes/s, 2 connections) writes new documents while the storage
/// moves to a new SQLite file with `copy`:
///
/// ```
///  seed N docs ─▶ writer at 50/s ───────────────────────────────────────────────▶
///                      PUT /v1/providers/storage {copy} ─▶ copy │ catch up │ hold: final delta, switch ─▶ report
///                      └──────────── swap window: worst write latency ────────────┘
/// ```
///
/// Each write's latency counts from its scheduled send time, so a held write shows in full. The
/// reference is the copy's own length in this run: until 2026-12-06 writes were held for the
/// whole copy, so that was the pause then. Goal (issue 11): ≤ 50 ms whatever the size.
struct SwapPauseBenchmark: Benchmark {
    let name = "swap-pause"
    let summary = "storage swap with copy: longest write pause against data size (goal ≤ 50 ms)"

    func run(_ ctx: BenchContext) async throws -> [Figure] {
        var figures: [Figure] = []
        for size in ctx.quick ? [100] : [1_000, 10_000] {
            let daemon = try await DaemonProcess.start(ctx: ctx)
            do {
                figures += try await measure(ctx, daemon, documents: size)
                await daemon.stop()
            } catch {
                await daemon.stop()
                throw error
            }
        }
        return figures
    }

    private func measure(_ ctx: BenchContext, _ daemon: DaemonProcess, documents n: Int) async throws -> [Figure] {
        let b = name
        let what = "storage swap with copy of \(n) documents"
        _ = try await daemon.request("PUT", "/v1/storage/containers/pause", body: "{}")
        let seeded = await LoadGenerator.run(port: daemon.port, path: "/v1/storage/containers/pause/documents", connections: 4,
                                             requestsPerConnection: n / 4) { c, i in
            (Array(#"{"id": "seed-\#(c)-\#(i)", "data": {"n": \#(i), "text": "a document to copy on swap"}}"#.utf8), 1)
        }
        guard seeded.errors == 0 else { return [.failed(b, what, "seeding: \(seeded.errors) errors, first: \(seeded.firstError ?? "?")")] }
        // A light paced writer (50 writes/s: the daemon is far from saturated, so a late write
        // is a pause, not a queue) in one-second runs until just after the swap has answered: the
        // final hold, at the swap's end, falls inside its timeline whatever the copy's length.
        let swapAt = ctx.duration(.seconds(1), quick: .milliseconds(300))
        let clock = ContinuousClock()
        let t0 = clock.now
        let swapped = Guarded<Duration?>(nil)
        let port = daemon.port
        let writer = Task { () -> LoadGenerator.Result in  // owned: awaited below, before the figures
            var all = LoadGenerator.Result()
            var chunk = 0
            while swapped.value.map({ clock.now - t0 < $0 + .milliseconds(500) }) ?? true {
                let offset = (clock.now - t0).nanoseconds
                let run = chunk
                let r = await LoadGenerator.run(port: port, path: "/v1/storage/containers/pause/documents", connections: 2,
                                                duration: .seconds(1), rate: 50) { c, i in
                    (Array(#"{"id": "w-\#(run)-\#(c)-\#(i)", "data": {"n": \#(i)}}"#.utf8), 1)
                }
                all.timeline += r.timeline.map { (offset + $0.at, $0.latency) }
                all.requests += r.requests; all.errors += r.errors
                all.firstError = all.firstError ?? r.firstError
                chunk += 1
            }
            return all
        }
        try await Task.sleep(until: t0 + swapAt, clock: clock)
        let s0 = clock.now - t0
        let swap = try await daemon.request("PUT", "/v1/providers/storage",
                                            body: #"{"plugin": "sqlite-storage", "config": {"path": "storage-pause.sqlite"}, "copy": true, "probation_ms": 0}"#)
        let s1 = clock.now - t0
        swapped.withLock { $0 = s1 }
        let writes = await writer.value
        guard swap.status == 200, let report = try? JSONSerialization.jsonObject(with: Data(swap.body)) as? [String: Any],
              let copied = report["copied"] as? [String: Any] else {
            return [.failed(b, what, "PUT /v1/providers/storage: HTTP \(swap.status) \(swap.text.prefix(400))")]
        }
        let before = Samples(writes.timeline.filter { $0.at >= 0.1e9 && $0.at < s0.nanoseconds }.map(\.latency))
        let window = Samples(writes.timeline.filter { $0.at >= s0.nanoseconds && $0.at <= s1.nanoseconds }.map(\.latency))
        let covered = (writes.timeline.map(\.at).max() ?? 0) > s1.nanoseconds
        func number(_ v: Any?) -> Double? { (v as? NSNumber)?.doubleValue }
        let swapMs = (s1 - s0).nanoseconds / 1e6
        let reference = Reference.floor("the swap's length, this run (writes were held for the whole copy until 2026-12-06)", swapMs)
        let detail = "report: caught up \(number(copied["caught_up"]).map { Report.number($0) } ?? "?") changes while writes went on, "
            + "final delta \(number(copied["final_delta"]).map { Report.number($0) } ?? "?"), total \(number(report["total_ms"]).map { Report.number($0) } ?? "?") ms; "
            + "\(window.count) writes fell in the swap window, \(writes.errors) errors\(writes.firstError.map { ", first: \($0)" } ?? "")"
            + (covered ? "" : "; the writer stopped before the swap ended (pause not fully observed)")
            + "; swap answered after \(Report.number(swapMs)) ms"
        return [
            Figure(b, "\(what): longest write pause (worst POST latency in the swap window)", unit: "ms", value: (window.ns.max() ?? 0) / 1e6,
                   p99: window.p99 / 1e6, samples: window.count,
                   references: [reference, .floor("worst write before the swap, same run (p99 \(Report.number(before.p99 / 1e6)) ms)", (before.ns.max() ?? 0) / 1e6)],
                   goal: .atMost(50, "≤ 50 ms whatever the size"), note: detail),
            Figure(b, "\(what): writes held (writes_held_ms of the report)", unit: "ms", value: number(copied["writes_held_ms"]),
                   goal: .atMost(50, "≤ 50 ms whatever the size"),
                   note: "from the hold to its release: the final delta and the switch"),
        ]
    }
}
