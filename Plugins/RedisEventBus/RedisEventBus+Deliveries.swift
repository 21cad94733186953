import Foundation
import BusSupport
import LightningProtocol

extension RedisEventBus {
    /// Leases ready deliveries, long-polling up to `wait_ms`: a receive that finds nothing parks
    /// (a suspended task, no thread) until its subscription gets work in any daemon (wake
    /// channel), the next lease expiry or retry of the subscription is due, or the deadline.
    func receive(_ r: ReceiveRequest) async throws -> ReceiveResult {
        guard (0...300_000).contains(r.waitMs) else {
            throw WireError(.invalidArgument, "field \"wait_ms\": expected an integer from 0 to 300000, got \(r.waitMs)")
        }
        if !(1...1000).contains(r.max) || !(1...3_600_000).contains(r.leaseMs) {
            try await requireSubscription(r.subscription)
            guard (1...1000).contains(r.max) else {
                throw WireError(.invalidArgument, "field \"max\": expected an integer from 1 to 1000, got \(r.max)")
            }
            throw WireError(.invalidArgument, "field \"lease_ms\": expected an integer from 1 to 3600000, got \(r.leaseMs)")
        }
        let deadline = RedisSocket.nowMs() + Int64(r.waitMs)
        while true {
            let seen = waiters.generation(r.subscription)
            let (deliveries, nextDue) = try await lease(r)
            let now = RedisSocket.nowMs()
            if !deliveries.isEmpty || now >= deadline || waiters.isClosed || Task.isCancelled {
                return ReceiveResult(deliveries: deliveries)
            }
            let wait = nextDue.map { min(max($0, 1), deadline - now) } ?? (deadline - now)
            await waiters.wait(r.subscription, seen: seen, delayMs: wait)
        }
    }

    /// One run of the lease script: the deliveries, and the ms until the subscription's next
    /// lease expiry or retry (nil when none is pending).
    private func lease(_ r: ReceiveRequest) async throws -> ([Delivery], Int64?) {
        let reply = try await redis.run(BusScripts.lease, [r.subscription, config.consumer, owner, String(r.max), String(r.leaseMs)])
        guard let parts = reply.array, let status = parts.first?.string else { throw Self.unexpected("lease", reply) }
        if status == "nosub" { throw Self.noSubscription(r.subscription) }
        guard status == "ok", parts.count == 3, let rows = parts[1].array, let delay = parts[2].int else {
            throw Self.unexpected("lease", reply)
        }
        let deliveries = try rows.map { row -> Delivery in
            guard let f = row.array, f.count == 3, let id = f[0].string, let attempt = f[1].int, let body = f[2].string else {
                throw Self.unexpected("lease", row)
            }
            return Delivery(deliveryId: id, attempt: Int(attempt), event: try Self.decodeEvent(body))
        }
        return (deliveries, delay < 0 ? nil : delay)
    }

    /// Settles leased deliveries; ids whose lease was lost (expired and re-granted) don't count.
    func ack(_ r: AckRequest) async throws -> AckResult {
        var args = [r.subscription]
        for id in r.deliveryIds {
            guard let d = DeliveryId(id) else {
                try await requireSubscription(r.subscription)
                throw WireError(.invalidArgument, "field \"delivery_ids\": \"\(id)\" is not a delivery id from bus.receive")
            }
            args += d.scriptArgs
        }
        let reply = try await redis.run(BusScripts.ack, args)
        guard let parts = reply.array, let status = parts.first?.string else { throw Self.unexpected("ack", reply) }
        if status == "nosub" { throw Self.noSubscription(r.subscription) }
        guard status == "ok", parts.count == 2, let n = parts[1].int else { throw Self.unexpected("ack", reply) }
        return AckResult(settled: Int(n))
    }

    /// A failed delivery: retried after the subscription's backoff, or dead-lettered when its
    /// attempts are used up or `retry` is false.
    func nack(_ r: NackRequest) async throws -> NackResult {
        guard let d = DeliveryId(r.deliveryId) else {
            try await requireSubscription(r.subscription)
            throw WireError(.invalidArgument, "field \"delivery_id\": \"\(r.deliveryId)\" is not a delivery id from bus.receive")
        }
        let error = String(r.error.prefix(4096))
        let reply = try await redis.run(BusScripts.nack, [r.subscription] + d.scriptArgs + [error, r.retry == false ? "0" : "1"])
        let parts = reply.array ?? []
        switch parts.first?.string {
        case "nosub": throw Self.noSubscription(r.subscription)
        case "unknown": return NackResult(outcome: .unknown)
        case "dead": return NackResult(outcome: .deadLettered)
        case "retry":
            guard parts.count == 2, let at = parts[1].int else { throw Self.unexpected("nack", reply) }
            waiters.notify([r.subscription])  // parked receivers learn the new retry time
            return NackResult(outcome: .retrying, retryAt: Timestamp(millis: at))
        default: throw Self.unexpected("nack", reply)
        }
    }

    static func decodeEvent(_ body: String) throws -> Event {
        try Wire.decode(Event.self, from: Data(body.utf8), what: "journaled event")
    }
}

extension RedisEventBus {
    /// `bus.owner`: the name this instance's leases carry (`<consumer>/<incarnation>`).
    func leaseOwner() async throws -> BusOwner { BusOwner(owner: owner) }

    /// `bus.release_owner`: makes the deliveries leased by `r.owner` (a gone daemon's instance)
    /// due now; the next lease claims them as expired leases (`BusScripts.releaseOwner`).
    func releaseOwner(_ r: ReleaseOwnerRequest) async throws -> CountResult {
        guard !r.owner.isEmpty, r.owner.utf8.count <= 300, !r.owner.contains("|") else {
            throw WireError(.invalidArgument, "field \"owner\": expected an owner name from bus.owner (1 to 300 bytes, no \"|\"), got \"\(r.owner.prefix(300))\"")
        }
        let reply = try await redis.run(BusScripts.releaseOwner, [r.owner])
        guard let n = reply.int else { throw Self.unexpected("release_owner", reply) }
        if n > 0 { waiters.notifyAll() }  // parked receivers in this daemon lease them now
        return CountResult(count: Int(n))
    }
}
