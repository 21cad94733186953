import LightningProtocol
import Logging

extension ProviderManager {
    /// One swap, make-before-break (docs/hot-swap.md), run by the command loop:
    ///
    /// ```
    ///  prepare (old serves) ─▶ bus: copy subscriptions │ storage+copy: capture changes, copy,
    ///  catch up (writes go on) ─▶ hold writes, final delta
    ///  ─▶ switch (new generation) ─▶ release writes ─▶ bus: forward pending ─▶ report
    ///  ─▶ probation (returned; run in the manager's task group)
    /// ```
    ///
    /// Any failure before the switch closes the new instance and leaves the old one serving.
    func performSwap(_ r: SwapRequest) async throws -> (SwapReport, SwapProbation?) {
        let t0 = ContinuousClock.now
        let slot = slot(r.kind)
        let old = slot.current
        if r.copy, r.kind != .storage { throw WireError(.invalidArgument, "copy is for storage only") }
        if r.copy, old == nil { throw WireError(.invalidArgument, "copy: no current storage provider to copy from") }
        // The swap leaves the queue: clients following it (`lightning providers swap`) say so.
        logger.info("swap started", metadata: ["kind": "\(r.kind.rawValue)", "from": "\(old.map { "\($0.pluginId)@\($0.version)" } ?? "-")"])
        // Published (a durable write) while the new provider is prepared, and awaited before
        // anything else is published: `provider.swap.started` still comes first.
        async let started: Void = r.publish([Event(type: "provider.swap.started", source: "daemon", data: [
            "kind": .string(r.kind.rawValue), "from": old.map { JSONValue.string("\($0.pluginId)@\($0.version)") } ?? .null, "copy": .bool(r.copy)])])

        // 1. Prepare the new provider while the old one serves.
        let prepared: ProviderSlot.Binding
        do { prepared = try await r.prepare(old) } catch {
            await started
            throw error
        }
        await started
        var report = SwapReport(kind: r.kind.rawValue, from: old.map { "\($0.pluginId)@\($0.version)" }, to: "\(prepared.pluginId)@\(prepared.version)",
                                prepareMs: (ContinuousClock.now - t0).milliseconds, switchMs: 0, totalMs: 0, probationMs: r.probationMs)
        var hold: WriteHold?
        var heldAt: ContinuousClock.Instant?
        // Storage: what writes change, from the copy (if any) through the probation, so that a
        // rollback can copy back what the new provider took.
        var capture: ChangeCapture?
        do {
            if r.kind == .eventbus, let old {
                report.subscriptions = try await BusForwardMigration.copySubscriptions(from: old.connection, to: prepared.connection)
            }
            if r.copy, let old {
                report.copied = try await copyStorage(from: old, to: prepared, slot: slot, publish: r.publish,
                                                      capture: &capture, hold: &hold, heldAt: &heldAt)
            } else if r.kind == .storage, old != nil {
                // Writes pause while the running ones finish, then the switch: every write the new
                // provider takes is captured.
                let h = await slot.writes.hold()
                hold = h
                capture = slot.writes.beginCapture(holding: h)
            }
        } catch {
            if let capture { slot.writes.stopCapture(capture) }
            hold?.release()
            await prepared.connection.close()
            throw WireError(.unavailable, "swap refused, \(old?.pluginId ?? "nothing") keeps serving: preparing \(prepared.pluginId) failed: \((error as? WireError)?.message ?? "\(error)")")
        }

        // 2. Switch.
        let ts = ContinuousClock.now
        let new = bindNew(prepared, to: r.kind).new
        report.switchMs = (ContinuousClock.now - ts).milliseconds
        hold?.release()
        if let heldAt { report.copied?.writesHeldMs = (ContinuousClock.now - heldAt).milliseconds }
        await r.bound(new)

        // 3. After: forward what the old bus still holds.
        var keepOld = false
        if r.kind == .eventbus, let old {
            var forward = BusForwardMigration(old: old.connection, new: new.connection)
            forward.maxWait = r.forwardMaxWait
            let outcome = await forward.forward()
            report.forwarded = outcome.forwarded
            if let failure = outcome.failure {
                report.forwardError = failure
                keepOld = true
                logger.error("swap: forwarding from \(old.connection.label) stopped after \(outcome.forwarded) deliveries: \(failure); the rest stays on the old bus, which stays open")
                await r.publish([Event(type: "provider.forward.failed", source: "daemon", data: [
                    "kind": .string(r.kind.rawValue), "from": .string(report.from ?? "-"), "to": .string(report.to),
                    "forwarded": .int(outcome.forwarded), "error": .string(failure)])])
            }
        }
        report.totalMs = (ContinuousClock.now - t0).milliseconds
        logger.notice("provider swapped", metadata: ["kind": "\(r.kind.rawValue)", "from": "\(report.from ?? "-")", "to": "\(report.to)",
                                                    "total_ms": "\(report.totalMs)"])
        await r.publish([Event(type: "provider.swapped", source: "daemon", data: (try? Wire.decode(JSONValue.self, from: Wire.encode(report))) ?? .null)])

        // 4. Probation: the old provider stays open; a failing new one is rolled back.
        guard let old else {
            if let capture { slot.writes.stopCapture(capture) }
            return (report, nil)
        }
        return (report, SwapProbation(request: r, slot: slot, old: old, new: new, report: report, keepOld: keepOld, changes: capture))
    }

    /// The copy of a `copy` swap. Writes go on during it; what they change is captured and
    /// brought over after it. Writes wait only for the last changes and the switch (reads go on
    /// throughout): nothing written to the old provider can be left behind. Returns with writes
    /// held (`hold`, this swap's own) and the capture still on.
    private func copyStorage(from old: ProviderSlot.Binding, to new: ProviderSlot.Binding, slot: ProviderSlot,
                             publish: @escaping @Sendable ([Event]) async -> Void, capture: inout ChangeCapture?,
                             hold: inout WriteHold?, heldAt: inout ContinuousClock.Instant?) async throws -> CopyReport {
        let migration = StorageCopyMigration(old: old.connection, new: new.connection)
        let changes = await slot.writes.startCapture()
        capture = changes
        var copied = try await migration.run { p in await self.copyProgress(p, publish: publish) }
        copied.caughtUp = try await catchUp(migration, changes)
        hold = await slot.writes.hold()
        heldAt = ContinuousClock.now
        copied.finalDelta = try await migration.apply(changes.take())
        return copied
    }

    /// Brings over what writes changed during the copy, in rounds while they go on, until a round
    /// is small (≤ 100 changes) or after 5 rounds: what is left is the final delta, applied with
    /// writes held. Returns how many changes were applied.
    private func catchUp(_ migration: StorageCopyMigration, _ changes: ChangeCapture) async throws -> Int {
        var applied = 0
        for _ in 0..<5 {
            let round = changes.take()
            applied += try await migration.apply(round)
            if round.count <= 100 { break }
        }
        return applied
    }

    /// Progress of a storage copy, after every page: a log line and a `provider.copy.progress` event.
    private func copyProgress(_ p: StorageCopyMigration.Progress, publish: @Sendable ([Event]) async -> Void) async {
        logger.info("copy: container \(p.container) (\(p.index)/\(p.containers)): \(p.documents) documents\(p.containerDone ? ", done" : "")")
        await publish([Event(type: "provider.copy.progress", source: "daemon", data: [
            "kind": "storage", "container": .string(p.container), "container_index": .int(p.index), "containers": .int(p.containers),
            "documents": .int(p.documents), "total_documents": .int(p.totalDocuments), "container_done": .bool(p.containerDone)])])
    }
}
