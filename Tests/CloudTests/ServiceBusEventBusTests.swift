import AzureSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LightningTestSupport
import LightningProtocol
import Testing

/// The servicebus-eventbus plugin through the real loader against the loopback Service Bus
/// (`Tests/Fakes/servicebus_fake.py`), which recomputes every SAS signature. The contract as a
/// whole is run by `EventBusConformanceTests` (provider `servicebus-eventbus`); these tests pin
/// what is particular to Service Bus.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ServiceBusEventBusTests {
    @Test func publishReceiveAckThroughTheTopic() async throws {
        let fake = try await ServiceBusTestEnv.startFake()
        let bus = try ServiceBusTestEnv.open(fake)
        try await bus.subscribe("driver:echo-driver", ["echo.*"])
        let out = try await bus.publish([Event(id: "e1", type: "echo.request", data: ["text": "hi"], priority: .high),
                                         Event(id: "e2", type: "other.thing")])
        #expect(out.map(\.status) == [.accepted, .accepted])
        #expect(out.map(\.subscribers) == [1, 0])
        let got = try await bus.receive("driver:echo-driver", waitMs: 2000)
        #expect(got.map(\.event.id) == ["e1"])
        #expect(got.first?.attempt == 1)
        #expect(got.first?.event.data == ["text": "hi"])
        #expect(got.first?.event.priority == .high)
        // The delivery id is the lock URL Service Bus gave, used as is.
        #expect(got.first?.deliveryId.hasPrefix(fake.baseURL + "/") == true)
        #expect(got.first?.deliveryId.contains("/messages/") == true)
        #expect(try await bus.ack("driver:echo-driver", got) == 1)
        #expect(try await bus.ack("driver:echo-driver", got) == 0)
        #expect(try await bus.receive("driver:echo-driver").isEmpty)
        let stats = try await bus.stats()
        #expect(stats.published == 2 && stats.delivered == 1 && stats.acked == 1 && stats.orphaned == 1 && stats.pending == 0)
        // The wire: a batch send with BrokerProperties, a subscription with a Label rule, peek-lock, complete.
        let log = fake.log
        #expect(log.contains("POST /\(try #require(Self.topic(of: log)))/messages -> 201 (2 stored"))
        #expect(log.contains("/messages/head?timeout=") && log.contains("-> 201 (message 1, delivery 1)"))
        #expect(log.contains("completed 1"))
        await bus.close()
    }

    static func topic(of log: String) -> String? {
        log.split(separator: "\n").first { $0.contains("PUT /t-") }.flatMap { line in
            line.split(separator: " ").first { $0.hasPrefix("/t-") }.map { String($0.dropFirst().prefix(10)) }
        }
    }

    @Test func aNackedEventIsDeliveredAgainAfterTheBackoff() async throws {
        let fake = try await ServiceBusTestEnv.startFake()
        let bus = try ServiceBusTestEnv.open(fake)
        // A 6 s backoff: the check that nothing comes back early must finish inside it on a loaded machine.
        try await bus.subscribe("s", ["job.*"], maxAttempts: 3, backoffMs: 6000)
        try await bus.publish([Event(id: "j", type: "job.run")])
        let first = try #require(try await bus.receive("s", waitMs: 2000).first)
        let r = try await bus.nack("s", first, "try later")
        #expect(r.outcome == .retrying)
        // Held (locked) until the backoff passed, then abandoned: Service Bus counts the delivery.
        #expect(try await bus.receive("s").isEmpty)
        let again = try await bus.receive("s", waitMs: 20000)
        #expect(again.map(\.event.id) == ["j"])
        #expect(again.map(\.attempt) == [2])
        #expect(try await bus.ack("s", [first]) == 0)
        #expect(try await bus.ack("s", again) == 1)
        #expect(fake.log.contains("abandoned"))
        await bus.close()
    }

    @Test func anExpiredLeaseIsAbandonedAndRedelivered() async throws {
        let fake = try await ServiceBusTestEnv.startFake()
        let bus = try ServiceBusTestEnv.open(fake)
        try await bus.subscribe("s", ["*"], maxAttempts: 5)
        try await bus.publish([Event(id: "x", type: "a.b")])
        let first = try await bus.receive("s", waitMs: 2000, leaseMs: 50)
        let second = try await bus.receive("s", waitMs: 5000)
        #expect(first.map(\.attempt) == [1])
        #expect(second.map(\.attempt) == [2])
        #expect(try await bus.ack("s", first) == 0)
        #expect(try await bus.ack("s", second) == 1)
        await bus.close()
    }

    /// A closing instance abandons its locks at once: another consumer gets the message (DeliveryCount + 1).
    @Test func closingGivesHeldLocksBackToOtherConsumers() async throws {
        let fake = try await ServiceBusTestEnv.startFake()
        let topic = "t-\(UUID().uuidString.prefix(8).lowercased())"
        let a = try ServiceBusTestEnv.open(fake, topic: topic, extra: ["lock_duration_seconds": 5])
        try await a.subscribe("s", ["*"], maxAttempts: 5)
        try await a.publish([Event(id: "x", type: "a.b")])
        let first = try await a.receive("s", waitMs: 2000, leaseMs: 3_600_000)
        #expect(first.map(\.attempt) == [1])
        // Another daemon sees it only once this one stops renewing: closing gives it back at once.
        let b = try ServiceBusTestEnv.open(fake, topic: topic, extra: ["lock_duration_seconds": 5])
        #expect(try await b.receive("s").isEmpty)
        await a.close()
        let second = try await b.receive("s", waitMs: 5000)
        #expect(second.map(\.attempt) == [2])
        #expect(try await b.ack("s", second) == 1)
        await b.close()
    }

    @Test func aLeaseLongerThanTheLockDurationIsKeptByRenewingTheLock() async throws {
        let fake = try await ServiceBusTestEnv.startFake()
        let bus = try ServiceBusTestEnv.open(fake, extra: ["lock_duration_seconds": 5])
        try await bus.subscribe("s", ["*"])
        try await bus.publish([Event(id: "x", type: "a.b")])
        let held = try await bus.receive("s", waitMs: 2000, leaseMs: 60_000)
        try await Task.sleep(for: .seconds(7))
        // Past the 5 s lock: still ours, because the plugin renewed it.
        #expect(try await bus.receive("s").isEmpty)
        #expect(fake.log.contains("renewed"))
        #expect(try await bus.ack("s", held) == 1)
        await bus.close()
    }

    @Test func maxAttemptsIsTheMaxDeliveryCountAndDeadLettersCanBeReprocessed() async throws {
        let fake = try await ServiceBusTestEnv.startFake()
        let bus = try ServiceBusTestEnv.open(fake)
        try await bus.subscribe("driver:pay", ["pay.*"], maxAttempts: 2, backoffMs: 10)
        try await bus.publish([Event(id: "p1", type: "pay.requested")])
        var outcomes: [NackResult.Outcome] = []
        for attempt in 1...2 {
            let d = try #require(try await bus.receive("driver:pay", waitMs: 5000).first)
            #expect(d.attempt == attempt)
            outcomes.append(try await bus.nack("driver:pay", d, "boom \(attempt)").outcome)
        }
        #expect(outcomes == [.retrying, .deadLettered])
        #expect(try await bus.receive("driver:pay").isEmpty)
        let dead = try await bus.call(Method.deadLetters, ListRequest(subscription: "driver:pay"), as: DeadLetterList.self).deadLetters
        #expect(dead.map(\.event.id) == ["p1"])
        #expect(dead.first?.attempts == 2)
        #expect(dead.first?.subscription == "driver:pay")
        #expect(dead.first?.lastError.hasPrefix("MaxDeliveryCountExceeded") == true)
        #expect(fake.log.contains("$DeadLetterQueue/messages/head"))
        // Listing does not consume: the same dead letter is listed again.
        #expect(try await bus.call(Method.deadLetters, ListRequest(), as: DeadLetterList.self).deadLetters.map(\.id) == dead.map(\.id))
        #expect(try await bus.call(Method.deadLetterReprocess, ReprocessRequest(ids: dead.map(\.id)), as: CountResult.self).count == 1)
        let again = try await bus.receive("driver:pay", waitMs: 5000)
        #expect(again.map(\.event.id) == ["p1"])
        #expect(again.map(\.attempt) == [1])
        #expect(try await bus.ack("driver:pay", again) == 1)
        #expect(try await bus.call(Method.deadLetters, ListRequest(), as: DeadLetterList.self).deadLetters.isEmpty)
        await bus.close()
    }

    @Test func aReprocessedDeadLetterGoesOnlyToItsOwnSubscription() async throws {
        let fake = try await ServiceBusTestEnv.startFake()
        let bus = try ServiceBusTestEnv.open(fake)
        try await bus.subscribe("a", ["x.*"], maxAttempts: 1)
        try await bus.subscribe("b", ["x.*"])
        try await bus.publish([Event(id: "x1", type: "x.y")])
        let d = try #require(try await bus.receive("a", waitMs: 2000).first)
        #expect(try await bus.nack("a", d, "no").outcome == .deadLettered)
        #expect(try await bus.ack("b", try await bus.receive("b", waitMs: 2000)) == 1)
        let dead = try await bus.call(Method.deadLetters, ListRequest(subscription: "a"), as: DeadLetterList.self).deadLetters
        #expect(try await bus.call(Method.deadLetterReprocess, ReprocessRequest(ids: dead.map(\.id)), as: CountResult.self).count == 1)
        #expect(try await bus.receive("a", waitMs: 2000).map(\.event.id) == ["x1"])
        #expect(try await bus.receive("b").isEmpty)
        await bus.close()
    }

    /// Two daemons on one topic: the second publish of an idempotency key is not caught by the
    /// second daemon's own window, but Service Bus's duplicate detection (MessageId = the key) drops it.
    @Test func theIdempotencyKeyIsTheMessageIdSoTheBrokerDropsDuplicatesFromAnotherDaemon() async throws {
        let fake = try await ServiceBusTestEnv.startFake()
        let topic = "t-\(UUID().uuidString.prefix(8).lowercased())"
        let a = try ServiceBusTestEnv.open(fake, topic: topic)
        let b = try ServiceBusTestEnv.open(fake, topic: topic)
        try await a.subscribe("s", ["pay.*"])
        #expect(try await a.publish([Event(id: "first", type: "pay.requested", idempotencyKey: "order-42")]).map(\.status) == [.accepted])
        #expect(try await b.publish([Event(id: "second", type: "pay.requested", idempotencyKey: "order-42")]).map(\.status) == [.accepted])
        #expect(fake.log.contains("duplicate MessageId 'order-42'"))
        let got = try await a.receive("s", waitMs: 2000)
        #expect(got.map(\.event.id) == ["first"])
        #expect(try await a.ack("s", got) == 1)
        #expect(try await a.receive("s").isEmpty)
        await a.close()
        await b.close()
    }

    @Test func filtersTheBrokerCannotExpressAreAppliedWhenReceiving() async throws {
        let fake = try await ServiceBusTestEnv.startFake()
        let bus = try ServiceBusTestEnv.open(fake)
        try await bus.subscribe("oslo", ["order.*"], filter: EventFilter(data: ["city": "Oslo"]))
        let out = try await bus.publish([Event(id: "o1", type: "order.placed", data: ["city": "Bergen"]),
                                         Event(id: "o2", type: "order.placed", data: ["city": "Oslo"]),
                                         Event(id: "o3", type: "orders.placed", data: ["city": "Oslo"])])
        #expect(out.map(\.subscribers) == [0, 1, 0])
        // The rule on the Label let o1 through to the subscription; the plugin completed it unseen.
        #expect(try await bus.receive("oslo", waitMs: 2000).map(\.event.id) == ["o2"])
        #expect(fake.log.contains("completed 1"))
        #expect(try await bus.stats().pending == 1)
        await bus.close()
    }

    @Test func anEntityDeletedUnderTheBusIsGoneAndSaysSo() async throws {
        let fake = try await ServiceBusTestEnv.startFake()
        let topic = "t-\(UUID().uuidString.prefix(8).lowercased())"
        let bus = try ServiceBusTestEnv.open(fake, topic: topic)
        try await bus.subscribe("s", ["*"])
        #expect(try await bus.publish([Event(type: "a.b")]).map(\.status) == [.accepted])
        // Someone deletes the topic through the management API (as an operator might in the portal).
        var r = URLRequest(url: URL(string: "\(fake.baseURL)/\(topic)")!)
        r.httpMethod = "DELETE"
        r.setValue(SASToken.token(uri: fake.baseURL + "/", keyName: ServiceBusTestEnv.keyName, key: Secret(ServiceBusTestEnv.key),
                                  expiry: Int64(Date().timeIntervalSince1970) + 600), forHTTPHeaderField: "Authorization")
        let (_, response) = try await URLSession.shared.data(for: r)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        // Sending to it and receiving from its subscription now answer 410 Gone: not_found, saying which entity.
        let sent = await bus.expectError(Method.publish, PublishRequest(events: [Event(type: "a.b")]), .notFound)
        #expect(sent?.message.contains(topic) == true, "\(sent?.message ?? "-")")
        _ = await bus.expectError(Method.receive, ReceiveRequest(subscription: "s", max: 1, waitMs: 0), .notFound)
        #expect(fake.log.contains("-> 410"), "the fake never answered 410:\n\(fake.log.suffix(1500))")
        await bus.close()
    }

    @Test func aWrongKeyIsUnauthenticatedAndTheKeyNeverAppears() async throws {
        let fake = try await ServiceBusTestEnv.startFake()
        let wrongKey = "V3JvbmdLZXlXcm9uZ0tleQ=="
        let bus = try ServiceBusTestEnv.open(fake, key: wrongKey)
        let e = await bus.expectError(Method.publish, PublishRequest(events: [Event(type: "a.b")]), .unauthenticated)
        let message = e?.message ?? ""
        #expect(message.contains("HTTP 401"), "\(message)")
        #expect(message.contains("InvalidSignature"), "\(message)")
        #expect(!message.contains(wrongKey) && !message.contains(ServiceBusTestEnv.key), "\(message)")
        let subscribe = await bus.expectError(Method.subscribe, Subscription(name: "s", patterns: ["*"]), .unauthenticated)
        #expect(subscribe?.message.contains(wrongKey) == false)
        let h = try await bus.call(Method.health, Empty(), as: HealthReport.self)
        #expect(h.status == .unhealthy)
        #expect(h.error?.contains(wrongKey) == false)
        #expect(fake.log.contains("refused: InvalidSignature"))
        await bus.close()
    }

    @Test func aWrongKeyNameIsRefusedToo() async throws {
        let fake = try await ServiceBusTestEnv.startFake()
        let bus = try ServiceBusTestEnv.openRaw([
            "connection_string": .string(ServiceBusTestEnv.connectionString(keyName: "listen-only")),
            "endpoint": .string(fake.baseURL),
        ])
        await bus.expectError(Method.subscriptions, Empty(), .unauthenticated)
        await bus.close()
    }

    @Test func shortLivedTokensAreRefreshedBeforeTheyExpire() async throws {
        let fake = try await ServiceBusTestEnv.startFake()
        // Tokens live 8 s and are replaced 2 s before they end: after 9 s the first one is expired.
        let bus = try ServiceBusTestEnv.open(fake, extra: ["token_ttl_seconds": 8])
        try await bus.subscribe("s", ["*"])
        try await Task.sleep(for: .seconds(9))
        try await bus.publish([Event(id: "late", type: "a.b")])
        #expect(try await bus.receive("s", waitMs: 2000).map(\.event.id) == ["late"])
        #expect(!fake.log.contains("ExpiredToken"))
        await bus.close()
    }

    @Test func throttledRequestsAreRetriedAfterRetryAfterThenReportedThrottled() async throws {
        let fake = try await ServiceBusTestEnv.startFake()
        let bus = try ServiceBusTestEnv.open(fake, extra: ["max_throttle_retries": 2])
        try await bus.subscribe("s", ["*"])
        try await ServiceBusTestEnv.throttle(fake, count: 2, retryAfter: "0.2")
        #expect(try await bus.publish([Event(id: "t1", type: "a.b")]).map(\.status) == [.accepted])
        #expect(fake.log.components(separatedBy: "-> 429").count - 1 == 2)
        #expect(try await bus.receive("s", waitMs: 2000).map(\.event.id) == ["t1"])
        try await ServiceBusTestEnv.throttle(fake, count: 3, retryAfter: "0.1")
        let e = await bus.expectError(Method.publish, PublishRequest(events: [Event(type: "a.b")]), .throttled)
        #expect(e?.message.contains("Service Bus") == true)
        await bus.close()
    }

    @Test func whatTheRESTInterfaceCannotDoIsUnsupportedWithAReason() async throws {
        let fake = try await ServiceBusTestEnv.startFake()
        let bus = try ServiceBusTestEnv.open(fake)
        try await bus.subscribe("s", ["*"])
        var messages: [String?] = []
        messages.append(await bus.expectError(Method.history, HistoryRequest(), .unsupported)?.message)
        messages.append(await bus.expectError(Method.replay, ReplayRequest(from: Timestamp.now()), .unsupported)?.message)
        messages.append(await bus.expectError(Method.orphans, ListRequest(), .unsupported)?.message)
        messages.append(await bus.expectError(Method.orphansDrain, DrainRequest(), .unsupported)?.message)
        try await bus.publish([Event(type: "a.b")])
        let d = try #require(try await bus.receive("s", waitMs: 2000).first)
        messages.append(await bus.expectError(Method.nack, NackRequest(subscription: "s", deliveryId: d.deliveryId, error: "x", retry: false),
                                              .unsupported)?.message)
        for m in messages { #expect(m?.contains("Service Bus") == true, "\(m ?? "nil")") }
        // The refused nack left the lease alone.
        #expect(try await bus.ack("s", [d]) == 1)
        await bus.close()
    }

    /// A request to the fake signed by the test itself (another client of the same namespace).
    static func signed(_ fake: FakeServer, _ method: String, _ path: String, audience: String? = nil,
                       expiry: Int64 = Int64(Date().timeIntervalSince1970) + 600) async throws -> (Int, [AnyHashable: Any], String) {
        var r = URLRequest(url: URL(string: "\(fake.baseURL)/\(path)")!)
        r.httpMethod = method
        r.httpBody = method == "GET" ? nil : Data()
        r.setValue(SASToken.token(uri: audience ?? fake.baseURL + "/", keyName: ServiceBusTestEnv.keyName,
                                  key: Secret(ServiceBusTestEnv.key), expiry: expiry), forHTTPHeaderField: "Authorization")
        let (data, response) = try await URLSession.shared.data(for: r)
        let http = try #require(response as? HTTPURLResponse)
        return (http.statusCode, http.allHeaderFields, String(decoding: data, as: UTF8.self))
    }

    @Test func theFakeRefusesExpiredTokensAndTokensForAnotherAudience() async throws {
        let fake = try await ServiceBusTestEnv.startFake()
        let expired = try await Self.signed(fake, "GET", "t?api-version=2021-05", expiry: Int64(Date().timeIntervalSince1970) - 10)
        #expect(expired.0 == 401)
        #expect(expired.2.contains("<Code>401</Code>") && expired.2.contains("ExpiredToken"), "\(expired.2)")
        let foreign = try await Self.signed(fake, "GET", "t?api-version=2021-05", audience: "https://other.servicebus.windows.net/")
        #expect(foreign.0 == 401)
        #expect(foreign.2.contains("InvalidAudience"), "\(foreign.2)")
        // A correct token reaches the entity: 404 for a topic that does not exist.
        #expect(try await Self.signed(fake, "GET", "t?api-version=2021-05").0 == 404)
        #expect(fake.log.contains("refused: ExpiredToken"))
    }

    /// Another consumer peek-locks the message and neither settles nor renews it: once its
    /// LockDuration (5 s) ends, the broker hands it to the plugin with DeliveryCount 2.
    @Test func aLockThatRunsOutAtTheBrokerIsRedeliveredWithTheNextAttempt() async throws {
        let fake = try await ServiceBusTestEnv.startFake()
        let topic = "t-\(UUID().uuidString.prefix(8).lowercased())"
        let bus = try ServiceBusTestEnv.open(fake, topic: topic, extra: ["lock_duration_seconds": 5])
        try await bus.subscribe("s", ["*"], maxAttempts: 5)
        try await bus.publish([Event(id: "x", type: "a.b")])
        let taken = try await Self.signed(fake, "POST", "\(topic)/subscriptions/s/messages/head?timeout=5")
        #expect(taken.0 == 201)
        #expect(try await bus.receive("s").isEmpty)
        let later = try await bus.receive("s", waitMs: 15_000)
        #expect(later.map(\.event.id) == ["x"])
        #expect(later.map(\.attempt) == [2])
        #expect(fake.log.contains("lock of message 1 in s expired"))
        #expect(try await bus.ack("s", later) == 1)
        await bus.close()
    }

    @Test func configErrorsNameTheFieldAndNotTheKey() throws {
        let missing = #expect(throws: (any Error).self) { try ServiceBusTestEnv.openRaw([:]) }
        #expect("\(String(describing: missing))".contains("config field \"connection_string\": required"))
        let noName = #expect(throws: (any Error).self) {
            try ServiceBusTestEnv.openRaw(["connection_string": "Endpoint=sb://x.servicebus.windows.net/;SharedAccessKey=hunter2hunter2"])
        }
        let text = "\(String(describing: noName))"
        #expect(text.contains("missing SharedAccessKeyName="), "\(text)")
        #expect(!text.contains("hunter2"), "\(text)")
        let badTopic = #expect(throws: (any Error).self) {
            try ServiceBusTestEnv.openRaw(["connection_string": .string(ServiceBusTestEnv.connectionString()), "topic": "no spaces"])
        }
        #expect("\(String(describing: badTopic))".contains("config field \"topic\""))
        let badEndpoint = #expect(throws: (any Error).self) {
            try ServiceBusTestEnv.openRaw(["connection_string": .string(ServiceBusTestEnv.connectionString()), "endpoint": "ftp://x"])
        }
        #expect("\(String(describing: badEndpoint))".contains("config field \"endpoint\""))
    }

    @Test func anUnreachableNamespaceIsUnavailableNamingTheAddressOnly() async throws {
        let bus = try ServiceBusTestEnv.openRaw(["connection_string": .string(ServiceBusTestEnv.connectionString()),
                                                 "endpoint": "http://127.0.0.1:1", "request_timeout_seconds": 5])
        let e = await bus.expectError(Method.subscriptions, Empty(), .unavailable)
        #expect(e?.message.contains("127.0.0.1:1") == true, "\(e?.message ?? "")")
        #expect(e?.message.contains(ServiceBusTestEnv.key) == false)
        await bus.close()
    }
}
