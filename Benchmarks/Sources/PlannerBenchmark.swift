import Foundation

/// `planner`: plan runs on the real daemon (SQLite storage, local journal bus, the in-process echo
/// driver), docs/planner.md. Step-to-step latency from a chain of echo steps, against the router's
/// own hop measured in the same run (an `echo.request` published through the API until its
/// `echo.reply` is stored: the same driver, the same bus, no planner); and concurrent runs per second.
///
/// Completion is observed by polling the API every millisecond, which adds up to a millisecond
/// to each observation, the floor's as well as the runs'.
struct PlannerBenchmark: Benchmark {
    let name = "planner"
    let summary = "plan step-to-step latency (echo chain) vs the router's own hop; concurrent runs per second"

    /// A plan of `steps` echo steps in a chain: `go` (manual) → s1 → e1 → s2 → … → e<steps>.
    static func chain(_ id: String, steps: Int) -> String {
        var events = [#"{"name": "go", "kind": "manual"}"#]
        var list: [String] = []
        for i in 1...steps {
            events.append(#"{"name": "e\#(i)"}"#)
            let on = i == 1 ? "go" : "e\(i - 1)"
            list.append(#"{"name": "s\#(i)", "on": ["\#(on)"], "action": "echo.request", "args": {"step": \#(i)}, "emits": ["e\#(i)"]}"#)
        }
        return #"{"name": "\#(id)", "graph_type": "acyclic", "events": [\#(events.joined(separator: ", "))], "steps": [\#(list.joined(separator: ", "))]}"#
    }

    func run(_ ctx: BenchContext) async throws -> [Figure] {
        try await DaemonProcess.using(ctx: ctx, manifests: { !$0.contains("agent") && !$0.contains("c-example") }) { try await measureAll($0, ctx) }
    }

    private func measureAll(_ d: DaemonProcess, _ ctx: BenchContext) async throws -> [Figure] {
        let b = name
        let clock = ContinuousClock()

        // The floor: one hop through the router and the echo driver.
        let hops = ctx.scale(200, quick: 10)
        var floor = Samples()
        for i in 0..<hops + 5 {
            let t0 = clock.now
            let r = try await d.request("POST", "/v1/events", body: #"{"type": "echo.request", "data": {"text": "hop"}}"#)
            // A reply's correlation id is its cause's id.
            guard r.status == 202, let o = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any],
                  let id = (o["results"] as? [[String: Any]])?.first?["id"] as? String else {
                throw BenchError("POST /v1/events: HTTP \(r.status) \(r.text)")
            }
            try await Self.until(d, deadline: .seconds(30)) {
                let h = try await d.json("/v1/events?correlation_id=\(id)&type=echo.reply") as? [String: Any]
                return !((h?["events"] as? [Any]) ?? []).isEmpty
            }
            if i >= 5 { floor.add(clock.now - t0) }
        }

        // Step to step: a chain of echo steps; each run's time divided by its steps.
        let steps = ctx.scale(20, quick: 5)
        let runs = ctx.scale(20, quick: 2)
        let put = try await d.request("PUT", "/v1/plans/chain", body: Self.chain("chain", steps: steps))
        guard put.status == 201 || put.status == 200 else { throw BenchError("PUT /v1/plans/chain: HTTP \(put.status) \(put.text)") }
        var perStep = Samples()
        for i in 0..<runs + 1 {
            let t0 = clock.now
            let id = try await Self.start(d, "chain")
            try await Self.until(d, deadline: .seconds(120)) { try await Self.status(d, id) != "running" }
            let elapsed = clock.now - t0
            guard try await Self.status(d, id) == "completed" else { throw BenchError("run \(id) did not complete: \(try await d.request("GET", "/v1/runs/\(id)").text)") }
            if i > 0 { perStep.add(nanoseconds: elapsed.nanoseconds / Double(steps)) }
        }

        // Concurrent runs: many 3-step runs started at once, until all completed.
        let width = ctx.scale(100, quick: 5)
        let put3 = try await d.request("PUT", "/v1/plans/short", body: Self.chain("short", steps: 3))
        guard put3.status == 201 || put3.status == 200 else { throw BenchError("PUT /v1/plans/short: HTTP \(put3.status) \(put3.text)") }
        let t0 = clock.now
        var ids: [String] = []
        for _ in 0..<width { ids.append(try await Self.start(d, "short")) }
        var pending = Set(ids)
        try await Self.until(d, deadline: .seconds(300)) {
            for id in pending where try await Self.status(d, id) != "running" { pending.remove(id) }
            return pending.isEmpty
        }
        let elapsed = clock.now - t0
        var failed = 0
        for id in ids where try await Self.status(d, id) != "completed" { failed += 1 }
        guard failed == 0 else { throw BenchError("\(failed) of \(width) concurrent runs did not complete") }

        return [
            .latency(b, "step to step, a chain of \(steps) echo steps (run time / steps)", perStep, ms: true,
                     references: [.floor("router hop: POST echo.request → echo.reply stored", floor.count > 0 ? floor.median / 1e6 : nil,
                                         p99: floor.count > 0 ? floor.p99 / 1e6 : nil)]),
            Figure(b, "concurrent runs: \(width) runs of 3 echo steps started at once, until all completed", unit: "runs/s",
                   value: Double(width) / elapsed.seconds, samples: width),
        ]
    }

    static func start(_ d: DaemonProcess, _ plan: String) async throws -> String {
        let r = try await d.request("POST", "/v1/plans/\(plan)/runs", body: #"{"data": {}}"#)
        guard r.status == 201 || r.status == 202 || r.status == 200,
              let o = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any], let id = o["run_id"] as? String else {
            throw BenchError("POST /v1/plans/\(plan)/runs: HTTP \(r.status) \(r.text)")
        }
        return id
    }

    static func status(_ d: DaemonProcess, _ run: String) async throws -> String {
        ((try await d.json("/v1/runs/\(run)")) as? [String: Any])?["status"] as? String ?? "?"
    }

    /// Polls `done` every millisecond until true; throws after `deadline`.
    static func until(_ d: DaemonProcess, deadline: Duration, _ done: () async throws -> Bool) async throws {
        let end = ContinuousClock.now + deadline
        while ContinuousClock.now < end {
            if try await done() { return }
            try await Task.sleep(for: .milliseconds(1))
        }
        throw BenchError("not done within \(deadline); daemon log:\n\(d.logTail)")
    }
}
