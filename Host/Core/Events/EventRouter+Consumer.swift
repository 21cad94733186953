import CoreMetrics
import Foundation
import LightningProtocol
import Logging

extension EventRouter {
    /// The loop of one driver: lease a batch, handle each concurrently, settle each.
    func consume(_ name: String) async {
        let sub = Self.subscriptionName(name)
        var failures = 0
        while !Task.isCancelled {
            guard let driver = state.withLock({ $0.drivers[name] }) else { return }
            let batch: [Delivery]
            // Deliveries are settled on the bus that leased them, even if the slot was swapped
            // meanwhile (docs/hot-swap.md): an ack must reach the journal that holds the lease.
            guard let conn = bus.current?.connection else {
                try? await Task.sleep(for: .milliseconds(200))
                continue
            }
            let asked = ContinuousClock.now
            do {
                batch = try await conn.call(
                    Method.receive,
                    ReceiveRequest(subscription: sub, max: min(1000, driver.maxConcurrency ?? settings.concurrency), waitMs: 1000,
                                   leaseMs: settings.leaseMs),
                    as: ReceiveResult.self
                ).deliveries
                failures = 0
            } catch {
                failures += 1
                if failures == 1 || failures % 50 == 0 {
                    logger.warning("cannot receive from the bus: \(error)", metadata: ["lt.driver": "\(name)"])
                }
                if error is CancellationError { return }
                try? await Task.sleep(for: .milliseconds(min(2000, 50 * failures)))
                continue
            }
            if batch.isEmpty {
                // A bus that answers an empty long poll at once (one that ignores `wait_ms`)
                // must not turn this loop into a spin that holds a thread of the pool.
                if ContinuousClock.now - asked < .milliseconds(5) { try? await Task.sleep(for: .milliseconds(20)) }
                continue
            }
            // The batch's acks go out in rounds beside its deliveries (AckBatcher), all on the
            // bus that leased them; the next lease waits for the last round.
            let acks = AckBatcher()
            await withDiscardingTaskGroup { group in
                group.addTask { await acks.run { await self.acknowledge($0, driver: driver, subscription: sub, bus: conn) } }
                await withDiscardingTaskGroup { deliveries in
                    for d in batch { deliveries.addTask { await self.deliver(d, to: driver, subscription: sub, bus: conn, acks: acks) } }
                }
                acks.finish()
            }
        }
    }

    /// Acknowledges one round of handled deliveries in one call, and counts them as routed.
    /// A failed call fails each of them as a failed ack always did (nack, error event): they
    /// are redelivered, at least once.
    func acknowledge(_ round: [AckBatcher.Handled], driver: any DriverEndpoint, subscription: String, bus: any ProviderConnection) async {
        do {
            _ = try await bus.call(Method.ack, AckRequest(subscription: subscription, deliveryIds: round.map(\.delivery.deliveryId)), as: AckResult.self)
        } catch {
            for h in round { await fail(h.delivery, driver: driver, subscription: subscription, hops: h.hops, error: error, bus: bus) }
            return
        }
        state.withLock { s in
            s.stats.routed += round.count
            s.stats.drivers[driver.name, default: DriverStats()].handled += round.count
            for h in round { s.latency.record(h.ms) }
        }
        metrics.routed.increment(by: round.count)
        metrics.driverHandled(driver.name).increment(by: round.count)
        for h in round { metrics.routeDuration.recordNanoseconds(Int64(h.ms * 1_000_000)) }
    }

    /// Handles one delivery and settles it: after its outputs are durable it goes to `acks`
    /// (acknowledged in the batch's next round); a failure is nacked here.
    func deliver(_ d: Delivery, to driver: any DriverEndpoint, subscription: String, bus leasedFrom: any ProviderConnection,
                 acks: AckBatcher) async {
        let hops = d.event.metadata[EventMetadataKey.hops]?.intValue ?? 0
        // (The live feed shows the cause before anything this delivery produces: FeedOrder.)
        let start = ContinuousClock.now
        state.withLock { s in
            s.inflight[driver.name, default: [:]][d.event.id] = hops
            let now = s.inflight[driver.name]?.count ?? 0
            s.stats.drivers[driver.name, default: DriverStats()].inFlight = now
            s.stats.drivers[driver.name, default: DriverStats()].maxInFlight = max(now, s.stats.drivers[driver.name]?.maxInFlight ?? 0)
        }
        defer {
            state.withLock { s in
                _ = s.inflight[driver.name]?.removeValue(forKey: d.event.id)
                s.stats.drivers[driver.name, default: DriverStats()].inFlight = s.inflight[driver.name]?.count ?? 0
            }
        }
        // A poison event (docs/reliability.md#crash-containment): it was inside this driver when
        // the daemon died; dead-letter it instead of handing it over again.
        if let reason = crashGuard?.deadLetterReason(plugin: driver.name, event: d.event.id) {
            let outcome = await fail(d, driver: driver, subscription: subscription, hops: hops, error: WireError(.internal, reason),
                                     bus: leasedFrom, retry: false)
            // Forgotten only once it is a dead letter: a failed nack brings it back here, not to the driver.
            if outcome == .deadLettered { crashGuard?.forget(plugin: driver.name, event: d.event.id) }
            return
        }
        do {
            let outputs = try await handle(d.event, by: driver)
            let ms = Self.millis(since: start)
            let prepared = outputs.map { prepare($0, input: d.event, hops: hops + 1, by: driver.name) }
            if hops + 1 > settings.hopLimit, !prepared.isEmpty {
                logger.warning("dropped \(prepared.count) event(s): hop limit \(settings.hopLimit) reached",
                               metadata: ["lt.driver": "\(driver.name)", "lt.event": "\(d.event.id)", "lt.correlation": "\(d.event.correlationId ?? d.event.id)"])
                state.withLock { $0.stats.droppedHopLimit += prepared.count }
                metrics.droppedHopLimit.increment(by: prepared.count)
            } else if !prepared.isEmpty {
                _ = try await publish(prepared)
                state.withLock { $0.stats.emitted += prepared.count }
                metrics.emitted.increment(by: prepared.count)
            }
            acks.add(AckBatcher.Handled(delivery: d, hops: hops, ms: ms))
        } catch {
            await fail(d, driver: driver, subscription: subscription, hops: hops, error: error, bus: leasedFrom)
        }
    }

    /// Calls the driver; an in-process plugin's call runs inside a crash marker.
    private func handle(_ event: Event, by driver: any DriverEndpoint) async throws -> [Event] {
        guard let guardian = crashGuard, let p = driver as? PluginDriver, p.inProcess else { return try await driver.handle(event) }
        let slot = guardian.enterDelivery(plugin: p.name, sha256: p.sha256, event: event.id)
        defer { guardian.leave(slot) }
        let outputs = try await p.handle(event)
        guardian.handled(plugin: p.name, event: event.id)
        return outputs
    }

    /// Counts a failed delivery, nacks it and publishes its `error` event.
    /// - Returns: the nack's outcome (`unknown` when the nack failed).
    @discardableResult
    private func fail(_ d: Delivery, driver: any DriverEndpoint, subscription: String, hops: Int, error: any Error,
                      bus leasedFrom: any ProviderConnection, retry: Bool? = nil) async -> NackResult.Outcome {
        let message = (error as? WireError)?.message ?? "\(error)"
        state.withLock { s in
            s.stats.failed += 1
            s.stats.drivers[driver.name, default: DriverStats()].failed += 1
            s.stats.drivers[driver.name]?.lastError = message
            s.stats.drivers[driver.name]?.lastErrorAt = .now()
        }
        metrics.failed.increment()
        metrics.driverFailed(driver.name).increment()
        logger.warning("driver failed on event: \(message)",
                       metadata: ["lt.driver": "\(driver.name)", "lt.event": "\(d.event.id)", "attempt": "\(d.attempt)"])
        var outcome = NackResult.Outcome.unknown
        do {
            outcome = try await leasedFrom.call(Method.nack, NackRequest(subscription: subscription, deliveryId: d.deliveryId, error: message, retry: retry),
                                         as: NackResult.self).outcome
        } catch {
            logger.error("cannot nack delivery (it will be redelivered when its lease expires): \(error)", metadata: ["lt.driver": "\(driver.name)"])
        }
        // Never report the failure of an error event as another error event: that is a loop.
        guard d.event.type != "error", hops + 1 <= settings.hopLimit else { return outcome }
        let errorEvent = prepare(
            Event(type: "error", source: "router", data: [
                "driver": .string(driver.name), "event_id": .string(d.event.id), "event_type": .string(d.event.type),
                "message": .string(message), "attempt": .int(d.attempt), "outcome": .string(outcome.rawValue),
            ], priority: .high, userId: d.event.userId),
            input: d.event, hops: hops + 1, by: "router")
        do { _ = try await publish([errorEvent]) } catch {
            logger.error("cannot publish error event: \(error)", metadata: ["lt.driver": "\(driver.name)"])
        }
        return outcome
    }

    /// Sets routing metadata on an emitted event.
    func prepare(_ e: Event, input: Event, hops: Int, by emitter: String) -> Event {
        var out = e
        out.correlationId = input.id
        out.metadata[EventMetadataKey.hops] = .int(hops)
        out.metadata[EventMetadataKey.emittedBy] = .string(emitter)
        if out.userId == nil { out.userId = input.userId }
        return out
    }

    static func millis(since start: ContinuousClock.Instant) -> Double {
        (ContinuousClock.now - start).milliseconds
    }
}
