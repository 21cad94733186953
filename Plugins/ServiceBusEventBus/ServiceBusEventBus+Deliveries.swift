import AzureSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LightningPluginKit
import LightningProtocol
import Synchronization

extension ServiceBusEventBus {
    /// One message taken with peek-lock.
    struct Locked {
        let location: String
        let deliveryCount: Int
        let lockedUntil: Date?
        let sequence: Int64?
        let enqueued: Date?
        let properties: [String: JSONValue]
        let headers: [String: String]
        let body: Data
    }

    /// `POST {entity}/messages/head?timeout=N`: 201 = a locked message, 204 = none within N s.
    func peekLock(_ entityPath: String, timeoutSeconds: Int) async throws -> Locked? {
        let u = url(entityPath + "/messages/head", query: "timeout=\(timeoutSeconds)")
        let reply = try await send("POST", u)
        switch reply.status {
        case 204: return nil
        case 200, 201:
            guard let location = reply[header: "location"], !location.isEmpty else {
                throw WireError(.internal, "Service Bus: POST \(AzureHTTP.where(URLRequest(url: u))) answered \(reply.status) without a Location header")
            }
            let props = reply[header: "brokerproperties"].flatMap { try? Wire.decode([String: JSONValue].self, from: Data($0.utf8), what: "BrokerProperties") } ?? [:]
            return Locked(location: location, deliveryCount: props["DeliveryCount"]?.intValue ?? 1,
                          lockedUntil: props["LockedUntilUtc"]?.stringValue.flatMap(HTTPDate.parse),
                          sequence: props["SequenceNumber"]?.intValue.map(Int64.init),
                          enqueued: props["EnqueuedTimeUtc"]?.stringValue.flatMap(HTTPDate.parse),
                          properties: props, headers: reply.headers, body: reply.body)
        default:
            throw failure(reply, "POST", u)
        }
    }

    func receive(_ r: ReceiveRequest) async throws -> ReceiveResult {
        guard (1...1000).contains(r.max) else { throw WireError(.invalidArgument, "field \"max\": expected an integer from 1 to 1000, got \(r.max)") }
        guard (0...300_000).contains(r.waitMs) else { throw WireError(.invalidArgument, "field \"wait_ms\": expected an integer from 0 to 300000, got \(r.waitMs)") }
        guard (1...3_600_000).contains(r.leaseMs) else { throw WireError(.invalidArgument, "field \"lease_ms\": expected an integer from 1 to 3600000, got \(r.leaseMs)") }
        let record = try await subscriptionRecord(r.subscription)
        let path = subscriptionPath(record.sbName)
        let deadline = Date().addingTimeInterval(Double(r.waitMs) / 1000)
        var out: [Delivery] = []
        while out.count < r.max {
            let remaining = deadline.timeIntervalSinceNow
            let timeout = out.isEmpty && remaining > 0 ? min(60, Int(remaining.rounded(.up))) : 0
            guard let m = try await peekLock(path, timeoutSeconds: timeout) else {
                if out.isEmpty, deadline.timeIntervalSinceNow > 0, !closed.withLock({ $0 }) { continue }
                break
            }
            guard let event = try? Wire.decode(Event.self, from: m.body, what: "message body") else {
                // Not an event this bus sent: leave it to the broker (dead-lettered after MaxDeliveryCount).
                context.log(.warning, "subscription \"\(r.subscription)\": message \(m.sequence.map(String.init) ?? "?") is not an event; abandoned")
                _ = try? await send("PUT", lockURL: m.location)
                continue
            }
            if event.isExpired() {
                _ = try? await send("DELETE", lockURL: m.location)
                count { $0.expired += 1 }
                continue
            }
            let targeted = m.headers["lt_target"] != nil
            if !targeted, !record.subscription.accepts(event) {
                // The broker matched the Label rule; the filter (or a pattern it cannot express) did not hold.
                _ = try? await send("DELETE", lockURL: m.location)
                continue
            }
            let now = Date()
            let lockDuration = record.lockDuration ?? TimeInterval(config.lockDurationSeconds)
            let lockedUntil = min(m.lockedUntil ?? now.addingTimeInterval(lockDuration), now.addingTimeInterval(lockDuration))
            let lease = LeaseTable.Lease(subscription: r.subscription, attempt: max(1, m.deliveryCount),
                                         maxAttempts: record.subscription.effectiveMaxAttempts,
                                         deadline: now.addingTimeInterval(Double(r.leaseMs) / 1000),
                                         lockedUntil: lockedUntil, lockDuration: lockDuration)
            leases.insert(m.location, lease)
            schedule(m.location)
            out.append(Delivery(deliveryId: m.location, attempt: lease.attempt, event: event))
        }
        count { $0.delivered += out.count }
        return ReceiveResult(deliveries: out)
    }

    /// Checks that `id` is a lock URL of `subscription` on this bus (so a token is never sent
    /// elsewhere).
    func checkDeliveryId(_ id: String, _ sbName: String, field: String) throws {
        let prefix = base.absoluteString + subscriptionPath(sbName) + "/messages/"
        // Entity names are case-insensitive in Service Bus; the Location may spell them otherwise.
        guard id.lowercased().hasPrefix(prefix.lowercased()), URL(string: id) != nil else {
            throw WireError(.invalidArgument, "field \"\(field)\": \"\(id)\" is not a delivery id of this subscription (expected a lock URL starting \(prefix))")
        }
    }

    func ack(_ r: AckRequest) async throws -> AckResult {
        let sb = ServiceBusNames.subscription(r.subscription)
        for (i, id) in r.deliveryIds.enumerated() { try checkDeliveryId(id, sb, field: "delivery_ids[\(i)]") }
        var settled = 0
        for id in r.deliveryIds {
            if let l = leases.get(id), l.nacked { continue }
            let reply = try await send("DELETE", lockURL: id)
            switch reply.status {
            case 200, 204:
                leases.remove(id)
                settled += 1
            case 404, 410:
                leases.remove(id)
            default:
                throw failure(reply, "DELETE", URL(string: id) ?? base)
            }
        }
        count { $0.acked += settled }
        return AckResult(settled: settled)
    }

    func nack(_ r: NackRequest) async throws -> NackResult {
        let sb = ServiceBusNames.subscription(r.subscription)
        try checkDeliveryId(r.deliveryId, sb, field: "delivery_id")
        if r.retry == false {
            throw WireError(.unsupported, "nack with \"retry\": false: Service Bus's REST interface has no dead-letter operation for a locked message (it is AMQP-only); nack with retry, and the broker dead-letters the message after max_attempts deliveries")
        }
        guard let lease = leases.get(r.deliveryId), !lease.nacked else {
            // Not held here (another daemon's lease, or one that ended): give it back if it still is locked.
            let reply = try await send("PUT", lockURL: r.deliveryId)
            switch reply.status {
            case 200, 204:
                count { $0.retried += 1 }
                return NackResult(outcome: .retrying, retryAt: Timestamp.now())
            case 404, 410: return NackResult(outcome: .unknown)
            default: throw failure(reply, "PUT", URL(string: r.deliveryId) ?? base)
            }
        }
        if lease.attempt >= lease.maxAttempts {
            leases.remove(r.deliveryId)
            let reply = try await send("PUT", lockURL: r.deliveryId)
            switch reply.status {
            case 200, 204:
                count { $0.deadLettered += 1 }
                return NackResult(outcome: .deadLettered)
            case 404, 410: return NackResult(outcome: .unknown)
            default: throw failure(reply, "PUT", URL(string: r.deliveryId) ?? base)
            }
        }
        let record = try? await subscriptionRecord(lease.subscription)
        let delayMs = (record?.subscription ?? Subscription(name: lease.subscription, patterns: ["*"])).retryDelayMs(afterAttempt: lease.attempt)
        let retryAt = Date().addingTimeInterval(Double(delayMs) / 1000)
        guard leases.update(r.deliveryId, { $0.nacked = true; $0.deadline = retryAt }) != nil else { return NackResult(outcome: .unknown) }
        count { $0.retried += 1 }
        schedule(r.deliveryId)
        return NackResult(outcome: .retrying, retryAt: Timestamp(retryAt))
    }

    // MARK: lease timers

    /// Arms the lease's timer for its next check (renew or abandon).
    func schedule(_ id: String) {
        guard let lease = leases.get(id) else { return }
        let delay = max(0, LeaseTable.nextCheck(lease).timeIntervalSinceNow)
        let generation = lease.generation
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(delay * 1000))) { [weak self] in
            // The timer needs async HTTP: a task per check, holding the instance only weakly.
            Task { await self?.check(id, generation: generation) }
        }
    }

    /// At a lease's check: past its deadline, abandon the lock (a failed attempt; dead-lettered
    /// by the broker when it was the last); otherwise renew the lock and check again later.
    func check(_ id: String, generation: UInt64) async {
        guard !closed.withLock({ $0 }), let lease = leases.get(id), lease.generation == generation else { return }
        if Date() >= lease.deadline {
            guard leases.remove(id) != nil else { return }
            let reply = try? await send("PUT", lockURL: id)
            if !lease.nacked, reply?.status == 200 || reply?.status == 204 {
                count {
                    $0.retried += 1
                    if lease.attempt >= lease.maxAttempts { $0.deadLettered += 1 }
                }
            }
            return
        }
        do {
            let reply = try await send("POST", lockURL: id)
            guard reply.status == 200 || reply.status == 204 else {
                context.log(.warning, "renewing the lock of a delivery of \"\(lease.subscription)\" failed: HTTP \(reply.status); it will be delivered again")
                leases.remove(id)
                return
            }
            let until = Date().addingTimeInterval(lease.lockDuration)
            _ = leases.update(id) { $0.lockedUntil = until }
            schedule(id)
        } catch {
            context.log(.warning, "renewing the lock of a delivery of \"\(lease.subscription)\" failed: \(error)")
            // Try again shortly while the lock may still hold.
            _ = leases.update(id) { $0.lockedUntil = min($0.lockedUntil, Date().addingTimeInterval(2 + $0.lockDuration / 4)) }
            schedule(id)
        }
    }
}
