import AzureSupport
import BusSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LightningPluginKit
import LightningProtocol
import Synchronization

extension ServiceBusEventBus {
    /// A dead letter's id: `<service bus subscription>/<sequence number>`.
    static func deadLetterId(_ sb: String, _ sequence: Int64) -> String { "\(sb)/\(sequence)" }

    /// Reads `{subscription}/$DeadLetterQueue` with peek-lock (the REST interface has no
    /// browse), keeps what matches, then unlocks everything it took. While a list runs, the
    /// messages it holds are invisible to another list or reprocess.
    func deadLetters(_ r: ListRequest) async throws -> DeadLetterList {
        try BusRequests.validatePatterns(r.types, field: "types")
        let limit = try BusRequests.limit(r.limit)
        try await ensureTopic()
        let records: [SubscriptionRecord]
        if let name = r.subscription { records = [try await subscriptionRecord(name, fresh: true)] } else {
            records = try await listSubscriptions(fresh: true)
        }
        var out: [DeadLetter] = []
        for record in records {
            var taken: [Locked] = []
            do {
                while out.count < limit, taken.count < 10_000 {
                    guard let m = try await peekLock(subscriptionPath(record.sbName) + "/$DeadLetterQueue", timeoutSeconds: 0) else { break }
                    taken.append(m)
                    guard let letter = deadLetter(m, record) else { continue }
                    if let types = r.types, !EventPattern.matchesAny(types, letter.event.type) { continue }
                    if let s = r.since, letter.deadAt < s { continue }
                    if let b = r.before, letter.deadAt >= b { continue }
                    out.append(letter)
                }
            } catch {
                for m in taken { _ = try? await send("PUT", lockURL: m.location) }
                throw error
            }
            for m in taken { _ = try? await send("PUT", lockURL: m.location) }
        }
        return DeadLetterList(deadLetters: out)
    }

    func deadLetter(_ m: Locked, _ record: SubscriptionRecord) -> DeadLetter? {
        guard let seq = m.sequence, let event = try? Wire.decode(Event.self, from: m.body, what: "message body") else { return nil }
        let reason = Self.userProperty(m, "deadletterreason")
        let description = Self.userProperty(m, "deadlettererrordescription")
        let lastError = [reason, description].compactMap { $0 }.joined(separator: ": ")
        // Receiving from the dead-letter queue is itself a delivery, so DeliveryCount is not the
        // attempts: MaxDeliveryCountExceeded says "… after N delivery attempts."
        var attempts = m.deliveryCount
        if reason == "MaxDeliveryCountExceeded" {
            attempts = description.flatMap { d in d.split(separator: " ").compactMap { Int($0) }.first } ?? record.subscription.effectiveMaxAttempts
        }
        return DeadLetter(id: Self.deadLetterId(record.sbName, seq), subscription: record.subscription.name, event: event,
                          attempts: max(1, attempts),
                          lastError: lastError.isEmpty ? "dead-lettered by Service Bus" : lastError,
                          deadAt: Timestamp(m.enqueued ?? Date()))
    }

    /// A user property as Service Bus sends it (a header; strings are quoted).
    static func userProperty(_ m: Locked, _ name: String) -> String? {
        guard var v = m.headers[name] else { return nil }
        if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 { v = String(v.dropFirst().dropLast()) }
        return v
    }

    /// Sends each dead letter's event again to the topic, marked (`lt_target`) for its own
    /// subscription only, with a new MessageId (so duplicate detection lets it through), then
    /// completes the dead-lettered message. Attempts start over (a new message).
    func reprocess(_ r: ReprocessRequest) async throws -> CountResult {
        var wanted: [String: Set<Int64>] = [:]
        for (i, id) in r.ids.enumerated() {
            guard let slash = id.lastIndex(of: "/"), let seq = Int64(id[id.index(after: slash)...]) else {
                throw WireError(.invalidArgument, "field \"ids[\(i)]\": \"\(id)\" is not a dead-letter id (<subscription>/<sequence number>)")
            }
            wanted[String(id[..<slash]), default: []].insert(seq)
        }
        try await ensureTopic()
        var count = 0
        for (sb, seqs) in wanted {
            var left = seqs
            var others: [Locked] = []
            while !left.isEmpty, others.count < 10_000 {
                let m: Locked?
                do { m = try await peekLock(subscriptionPath(sb) + "/$DeadLetterQueue", timeoutSeconds: 0) } catch let e as WireError where e.code == .notFound { break }
                guard let m else { break }
                guard let seq = m.sequence, left.contains(seq) else { others.append(m); continue }
                left.remove(seq)
                guard let event = try? Wire.decode(Event.self, from: m.body, what: "message body") else { others.append(m); continue }
                var fresh = try self.message(event)
                var broker = fresh.brokerProperties
                broker["MessageId"] = .string(UUID().uuidString.lowercased())
                broker.removeValue(forKey: "TimeToLive")
                if let ttl = event.ttlSeconds {
                    broker["TimeToLive"] = .double(max(0.001, Double(event.timestamp.millis + Int64(ttl) * 1000 - Timestamp.now().millis) / 1000))
                }
                var user = fresh.userProperties
                user["lt_target"] = .string(sb)
                fresh = BatchMessage(body: fresh.body, brokerProperties: broker, userProperties: user)
                try await expect([200, 201], "POST", url(topicPath + "/messages"), body: try Wire.encode([fresh]),
                                 contentType: "application/vnd.microsoft.servicebus.json")
                _ = try? await send("DELETE", lockURL: m.location)
                count += 1
            }
            for m in others { _ = try? await send("PUT", lockURL: m.location) }
        }
        return CountResult(count: count)
    }
}
