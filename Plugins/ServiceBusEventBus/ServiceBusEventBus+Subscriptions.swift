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
    static let atomType = "application/atom+xml;type=entry;charset=utf-8"

    /// Creates or updates the Service Bus subscription: LockDuration, MaxDeliveryCount =
    /// `max_attempts`, the SQL rule `$Default` on the Label for the patterns, and the contract
    /// subscription as UserMetadata (Service Bus keeps at most 1024 characters there).
    func subscribe(_ s: Subscription) async throws -> SubscriptionInfo {
        if let problem = s.validationError() { throw WireError(.invalidArgument, "subscription: \(problem)") }
        let metadata = String(decoding: try Wire.encode(s), as: UTF8.self)
        guard metadata.count <= 1024 else {
            throw WireError(.invalidArgument, "subscription: Service Bus keeps at most 1024 characters of UserMetadata, and this subscription's JSON has \(metadata.count): use fewer patterns or a smaller filter")
        }
        guard s.effectiveMaxAttempts <= 2000 else {
            throw WireError(.invalidArgument, "subscription: field \"max_attempts\": Service Bus's MaxDeliveryCount allows at most 2000, got \(s.effectiveMaxAttempts)")
        }
        try await ensureTopic()
        let sb = ServiceBusNames.subscription(s.name)
        let sql = ServiceBusNames.sqlFilter(patterns: s.patterns, subscription: sb)
        let u = url(subscriptionPath(sb), query: Self.managementVersion)
        let body = AtomXML.subscription(lockSeconds: config.lockDurationSeconds, maxDelivery: s.effectiveMaxAttempts, sql: sql, metadata: metadata)
        let created = try await send("PUT", u, body: body, contentType: Self.atomType)
        switch created.status {
        case 200, 201:
            break
        case 409:
            // It exists: update its description, then replace its rule (the default rule of an
            // existing subscription is not changed by the update).
            try await expect([200, 201], "PUT", u, body: body, contentType: Self.atomType, headers: ["If-Match": "*"])
            let ru = url(subscriptionPath(sb) + "/rules/$Default", query: Self.managementVersion)
            let replaced = try await send("PUT", ru, body: AtomXML.ruleEntry(sql), contentType: Self.atomType, headers: ["If-Match": "*"])
            if replaced.status == 404 {
                try await expect([200, 201], "PUT", ru, body: AtomXML.ruleEntry(sql), contentType: Self.atomType)
            } else if !(200...201).contains(replaced.status) {
                throw failure(replaced, "PUT", ru)
            }
        default:
            throw failure(created, "PUT", u)
        }
        invalidateCache()
        let record = try await subscriptionRecord(s.name, fresh: true)
        return SubscriptionInfo(subscription: s, pending: record.pending)
    }

    func unsubscribe(_ r: SubscriptionName) async throws -> DeleteResult {
        try await ensureTopic()
        let u = url(subscriptionPath(ServiceBusNames.subscription(r.subscription)), query: Self.managementVersion)
        let reply = try await send("DELETE", u)
        invalidateCache()
        switch reply.status {
        case 200, 204: return DeleteResult(deleted: true)
        case 404: return DeleteResult(deleted: false)
        default: throw failure(reply, "DELETE", u)
        }
    }

    func subscriptions() async throws -> SubscriptionList {
        try await ensureTopic()
        return SubscriptionList(subscriptions: try await listSubscriptions(fresh: true).map {
            SubscriptionInfo(subscription: $0.subscription, pending: $0.pending)
        })
    }

    func invalidateCache() {
        cache.withLock { $0 = SubscriptionCacheState() }
    }

    /// One contract subscription read back from Service Bus (cached for 2 s unless `fresh`).
    /// - Throws: `not_found` when it does not exist.
    func subscriptionRecord(_ name: String, fresh: Bool = false) async throws -> SubscriptionRecord {
        let now = Date()
        if !fresh, let (r, at) = cache.withLock({ $0.one[name] }), now.timeIntervalSince(at) < Self.cacheSeconds { return r }
        try await ensureTopic()
        let sb = ServiceBusNames.subscription(name)
        let u = url(subscriptionPath(sb), query: Self.managementVersion)
        let reply = try await send("GET", u)
        guard reply.status == 200 else {
            if reply.status == 404 { throw Self.noSubscription(name) }
            throw failure(reply, "GET", u)
        }
        guard let entry = AtomXML.entries(reply.bodyText(limit: 1_000_000)).first, let record = parse(entry, sbName: sb),
              record.subscription.name == name else {
            throw Self.noSubscription(name)
        }
        cache.withLock { $0.one[name] = (record, now) }
        return record
    }

    /// Every subscription of the topic that this bus made (those with our UserMetadata), by name.
    func listSubscriptions(fresh: Bool) async throws -> [SubscriptionRecord] {
        let now = Date()
        if !fresh, let list = cache.withLock({ c in now.timeIntervalSince(c.listAt) < Self.cacheSeconds ? c.list : nil }) { return list }
        var out: [SubscriptionRecord] = []
        var skip = 0
        while true {
            let u = url(topicPath + "/subscriptions", query: "\(Self.managementVersion)&$skip=\(skip)&$top=100")
            let reply = try await expect([200], "GET", u)
            let entries = AtomXML.entries(reply.bodyText(limit: 50_000_000))
            for e in entries {
                guard let title = AtomXML.value("title", in: e) else { continue }
                if let r = parse(e, sbName: title) { out.append(r) }
            }
            if entries.count < 100 { break }
            skip += entries.count
        }
        out.sort { $0.subscription.name < $1.subscription.name }
        cache.withLock { $0.list = out; $0.listAt = now }
        return out
    }

    /// A subscription entry: UserMetadata holds the contract subscription; pending is the
    /// ActiveMessageCount (ready and locked, not dead-lettered).
    func parse(_ entry: Substring, sbName: String) -> SubscriptionRecord? {
        guard let meta = AtomXML.value("UserMetadata", in: entry),
              let s = try? Wire.decode(Subscription.self, from: Data(meta.utf8), what: "UserMetadata") else { return nil }
        let pending = AtomXML.value("ActiveMessageCount", in: entry).flatMap { Int($0) }
            ?? AtomXML.value("MessageCount", in: entry).flatMap { Int($0) } ?? 0
        return SubscriptionRecord(sbName: sbName, subscription: s, pending: pending,
                                  lockDuration: AtomXML.value("LockDuration", in: entry).flatMap(Self.seconds))
    }

    /// An ISO 8601 duration as Service Bus writes them (`PT1M`, `PT30S`, `PT0.5S`, `P1DT2H`), in seconds.
    static func seconds(_ iso: String) -> TimeInterval? {
        var total: TimeInterval = 0
        var number = ""
        var inTime = false
        guard iso.hasPrefix("P") else { return nil }
        for c in iso.dropFirst() {
            switch c {
            case "T": inTime = true
            case "0"..."9", ".": number.append(c)
            case "D", "H", "M", "S":
                guard let v = Double(number) else { return nil }
                number = ""
                switch (c, inTime) {
                case ("D", false): total += v * 86_400
                case ("H", true): total += v * 3600
                case ("M", true): total += v * 60
                case ("S", true): total += v
                default: return nil
                }
            default: return nil
            }
        }
        return number.isEmpty ? total : nil
    }
}
