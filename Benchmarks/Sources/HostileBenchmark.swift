import Foundation
import LightningTestSupport

/// `hostile`: `GET /health` latency while the daemon's front door is under each attack of the
/// hostile-input battery (issue 17 item 8, issue 18 item 5; docs/reliability.md), and whether
/// each attack got its documented answer.
///
/// ```
///  daemon (header_timeout_ms 2000, a token limited to 20 req/s)
///    quiet: /health probes only ─▶ baseline row
///    for each attack: attack threads ─┬─ for D seconds ─▶ answers by status + error code
///                     probe thread ───┘                 ─▶ p50 / p99 / max / failed
/// ```
///
/// The attacks and the prober are `HostileBattery` (Tests/Support), shared with
/// `DaemonHostileInputTests`, which asserts the answers; here the latencies are reported, never
/// asserted. A figure is `missed` when its attack did not get the documented answer or a probe
/// failed.
struct HostileBenchmark: Benchmark {
    let name = "hostile"
    let summary = "/health p50/p99/max during each hostile-input attack (nested JSON, bad UTF-8, huge headers, 1,100 idle, 429 flood, 413, slowloris)"

    static let headerTimeoutMs = 2000

    func run(_ ctx: BenchContext) async throws -> [Figure] {
        let daemon = try await DaemonProcess.start(ctx: ctx, manifests: { ["sqlite-storage.json", "local-eventbus.json"].contains($0) },
                                                   config: #"{"http": {"header_timeout_ms": \#(Self.headerTimeoutMs)}}"#)
        do {
            let figures = try await measure(ctx, daemon)
            await daemon.stop()
            return figures
        } catch {
            await daemon.stop()
            throw error
        }
    }

    private func measure(_ ctx: BenchContext, _ daemon: DaemonProcess) async throws -> [Figure] {
        let created = try await daemon.request("POST", "/v1/tokens", body: #"{"scopes": ["events:write"], "rate_limit": {"per_second": 20, "burst": 20}}"#)
        guard (200...201).contains(created.status),
              let secret = (try? JSONSerialization.jsonObject(with: Data(created.body)) as? [String: Any])?["secret"] as? String else {
            throw BenchError("creating the rate-limited token: HTTP \(created.status) \(created.text)")
        }
        let admin = try String(contentsOf: daemon.root.appendingPathComponent("data/admin.token"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let target = HostileBattery.Target(port: daemon.port, adminToken: admin, limitedToken: secret, headerTimeoutMs: Self.headerTimeoutMs)
        let duration = ctx.duration(.seconds(10), quick: .seconds(5))

        var rows: [(String, String, HostileBattery.HealthProbes, HostileBattery.AttackOutcome?)] = []
        let quiet = await HostileBattery.probe(port: daemon.port, duration: duration)
        rows.append(("none (quiet baseline)", "—", quiet, nil))
        for attack in HostileBattery.attacks {
            let (outcome, probes) = await HostileBattery.run(attack, target: target, duration: duration)
            rows.append((attack.name, attack.expected, probes, outcome))
        }
        printTable(rows, duration: duration)

        let ms = { (d: Duration) in d.nanoseconds / 1e6 }
        let baseline = Reference.floor("/health, no attack", ms(quiet.p50), p99: ms(quiet.p99))
        return rows.map { row in
            let (load, expected, p, outcome) = row
            var note = "max \(String(format: "%.1f", ms(p.worst))) ms, failed \(p.failures)/\(p.total)"
            if let outcome { note += "; attack got \(outcome) (documented: \(expected))" }
            var f = Figure(name, "/health during: \(load)", unit: "ms", value: p.latencies.isEmpty ? nil : ms(p.p50), p99: ms(p.p99),
                           samples: p.total, references: outcome == nil ? [] : [baseline], note: note)
            if p.failures > 0 || outcome?.asDocumented == false { f.status = .missed }
            return f
        }
    }

    private func printTable(_ rows: [(String, String, HostileBattery.HealthProbes, HostileBattery.AttackOutcome?)], duration: Duration) {
        let ms = { (d: Duration) in String(format: "%.2f", d.nanoseconds / 1e6) }
        var out = "\nhostile: GET /health (a new connection each, 10 ms apart) during each attack of \(duration):\n"
        out += "| attack | p50 ms | p99 ms | max ms | failed | answers the attack got | documented |\n|---|---|---|---|---|---|---|\n"
        for (load, expected, p, outcome) in rows {
            let verdict = outcome.map { $0.asDocumented ? "\(expected): yes" : "\(expected): NO" } ?? "—"
            out += "| \(load) | \(ms(p.p50)) | \(ms(p.p99)) | \(ms(p.worst)) | \(p.failures)/\(p.total) | \(outcome?.description ?? "—") | \(verdict) |\n"
        }
        FileHandle.standardError.write(Data(out.utf8))
    }
}
