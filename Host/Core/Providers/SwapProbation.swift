import LightningProtocol
import Logging

/// The window after a swap in which the new provider is health-checked while the old one stays
/// open. A child task of `ProviderManager.run()`'s task group.
///
/// ```
///  every checkInterval (probation_ms/6, from 50 ms to 1 s): still current? ── no: superseded, stop (the newer swap owns `new`)
///                                    health(new) ── two failures in a row ──▶ manager.rollback
///  deadline ──▶ close old (or keep it open: a forward left deliveries on it)
///  cancelled (shutdown) ──▶ the new provider stays bound; close old
/// ```
///
/// The rollback goes through the manager's command loop and rebinds the old provider only if the
/// new binding (its generation) is still current: a swap or reload made during probation is
/// never undone.
struct SwapProbation: Sendable {
    let request: SwapRequest
    let slot: ProviderSlot
    let old: ProviderSlot.Binding
    let new: ProviderSlot.Binding
    let report: SwapReport
    /// The old bus still holds deliveries a forward did not move: keep it open.
    let keepOld: Bool
    /// Storage: the writes the new provider takes, for a copy back on rollback. Stopped when
    /// the probation ends.
    let changes: ChangeCapture?

    /// What a rollback did.
    struct Rollback: Sendable {
        var restored: ProviderSlot.Binding
        /// Storage: changes copied back from the new provider.
        var copiedBack: Int?
        var copyBackError: String?
    }

    /// How often the new provider is checked: six times per window, at least every second, at
    /// most every 50 ms (a long probation still notices a failure within about two seconds).
    static func checkInterval(_ probationMs: Int) -> Int { min(1000, max(50, probationMs / 6)) }

    func run(on manager: ProviderManager) async {
        let ms = request.probationMs
        let deadline = ContinuousClock.now + .milliseconds(ms)
        var failures = 0
        while ContinuousClock.now < deadline {
            do { try await Task.sleep(for: .milliseconds(Self.checkInterval(ms))) } catch { break }
            guard slot.current?.generation == new.generation else {
                manager.logger.info("probation of \(report.to) ended early: a later change replaced it")
                break
            }
            failures = await healthy(logger: manager.logger) ? 0 : failures + 1
            if failures >= 2 {
                await rollBack(on: manager)
                return
            }
        }
        await release(old, on: manager)
    }

    private func healthy(logger: Logger) async -> Bool {
        do { return try await new.connection.call(.health).status != .unhealthy } catch {
            logger.warning("probation: health check of \(report.to) failed: \(error)")
            return false
        }
    }

    private func rollBack(on manager: ProviderManager) async {
        guard let rollback = await manager.rollback(self) else {
            manager.logger.warning("probation: \(report.to) failed its health checks, but a later change replaced it: not rolled back")
            await release(old, on: manager)
            return
        }
        manager.logger.error("provider rolled back: \(report.to) failed its health checks after the swap; \(old.pluginId) serves again")
        var data: [String: JSONValue] = ["kind": .string(report.kind), "from": .string(report.to), "to": .string("\(old.pluginId)@\(old.version)")]
        if let n = rollback.copiedBack { data["copied_back"] = .int(n) }
        if let e = rollback.copyBackError {
            data["copy_back_error"] = .string(e)
            manager.logger.error("rollback: copying back the writes \(report.to) took during its probation failed: \(e); they stay in its data")
        }
        await request.bound(rollback.restored)
        await request.publish([Event(type: "provider.rolled_back", source: "daemon", data: .object(data))])
        await new.connection.close()
    }

    private func release(_ binding: ProviderSlot.Binding, on manager: ProviderManager) async {
        if let changes { slot.writes.stopCapture(changes) }
        if keepOld { await manager.retain(binding) } else { await binding.connection.close() }
    }
}
