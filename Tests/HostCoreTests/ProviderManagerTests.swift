import Foundation
@testable import HostCore
import LightningProtocol
import Logging
import Testing

/// `ProviderManager` with in-memory providers: serialized swaps, probation that rolls back only
/// its own binding, forwards that fail loudly. The probation windows are real time, kept short.
@Suite struct ProviderManagerTests {
    /// Runs `body` with a running manager; stops it afterwards.
    func withManager(_ body: (ProviderManager) async throws -> Void) async throws {
        let manager = ProviderManager(logger: Logger(label: "test.providers"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await manager.run() }
            defer { group.cancelAll() }
            try await body(manager)
        }
    }

    func binding(_ c: any ProviderConnection, _ id: String) -> ProviderSlot.Binding {
        ProviderSlot.Binding(connection: c, pluginId: id, version: "1.0.0", config: [:])
    }

    func request(_ kind: Manifest.ProviderKind, to c: any ProviderConnection, _ id: String, copy: Bool = false, probationMs: Int = 0,
                 events: Locked<[Event]>? = nil, before: @escaping @Sendable () async -> Void = {}) -> SwapRequest {
        let b = binding(c, id)
        return SwapRequest(kind: kind, copy: copy, probationMs: probationMs, prepare: { _ in await before(); return b },
                           publish: { e in events?.withLock { $0 += e } })
    }

    func eventually(_ what: String, timeout: Duration = .seconds(30), _ check: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !(await check()) {
            guard ContinuousClock.now < deadline else { Issue.record("timed out waiting for \(what)"); return }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    @Test func rollbackAfterAFailedProbationRestoresTheOldProviderAndLosesNothingAccepted() async throws {
        let a = FakeStorage("a", documents: ["people": ["p1", "p2"]])
        let b = FakeStorage("b")
        let events = Locked<[Event]>([])
        try await withManager { m in
            _ = try await m.bind(binding(a, "a"), to: .storage)
            let report = try await m.swap(request(.storage, to: b, "b", copy: true, probationMs: 60_000, events: events))
            #expect(report.copied?.documents == 2)
            #expect(m.storage.current?.pluginId == "b")
            // Writes the new provider accepts during its probation: a new document and a delete.
            _ = try await m.storage.call(.documentUpsert, WriteRequest(container: "people", document: Document(id: "p9", data: ["v": 9])))
            _ = try await m.storage.call(.documentDelete, DocumentKey(container: "people", id: "p1"))
            await b.setHealthy(false)
            try await eventually("rollback") { m.storage.current?.pluginId == "a" }
            // The old provider serves again with everything accepted, before and during the
            // probation (copied back), and takes writes.
            #expect(await a.ids("people") == ["p2", "p9"])
            #expect(await a.document("people", "p9")?.data == ["v": 9])
            _ = try await m.storage.call(.documentUpsert, WriteRequest(container: "people", document: Document(id: "p3", data: [:])))
            #expect(await a.ids("people") == ["p2", "p3", "p9"])
            try await eventually("new closed") { await b.closed }
            #expect(await !a.closed)
            #expect(events.value.contains { $0.type == "provider.rolled_back" && $0.data["to"] == "a@1.0.0" && $0.data["copied_back"] == 2 })
            #expect(m.storage.writes.snapshot.holds == 0)
        }
    }

    /// `provider.swap.started` is published while the new provider is prepared, and still first:
    /// before `provider.swapped`, and also when the prepare fails (then nothing follows it).
    @Test func swapStartedComesFirstAndAlsoWhenThePrepareFails() async throws {
        let a = FakeBus("a"), b = FakeBus("b")
        let events = Locked<[Event]>([])
        try await withManager { m in
            _ = try await m.bind(binding(a, "a"), to: .eventbus)
            _ = try await m.swap(request(.eventbus, to: b, "b", events: events))
            #expect(events.value.map(\.type) == ["provider.swap.started", "provider.swapped"])
            events.withLock { $0 = [] }
            let failing = SwapRequest(kind: .eventbus, copy: false, probationMs: 0,
                                      prepare: { _ in throw WireError(.unavailable, "swap refused, b keeps serving: no such library") },
                                      publish: { e in events.withLock { $0 += e } })
            await #expect(throws: WireError.self) { _ = try await m.swap(failing) }
            #expect(events.value.map(\.type) == ["provider.swap.started"])
            #expect(m.eventbus.current?.pluginId == "b")
        }
    }

    @Test func aSwapDuringAnotherSwapsProbationIsNotUndone() async throws {
        let a = FakeBus("a"), b = FakeBus("b"), c = FakeBus("c")
        let releaseC = OneShot()
        try await withManager { m in
            _ = try await m.bind(binding(a, "a"), to: .eventbus)
            _ = try await m.swap(request(.eventbus, to: b, "b", probationMs: 600))
            await b.setHealthy(false)
            // The second swap is under way (held in its prepare step) when b's probation fails
            // and asks for a rollback: the rollback waits its turn, then finds c bound.
            async let second = m.swap(request(.eventbus, to: c, "c", probationMs: 100, before: { await releaseC.wait() }))
            try await Task.sleep(for: .milliseconds(250))  // two failed checks of b (every 100 ms)
            releaseC.fire()
            let report = try await second
            #expect(report.from == "b@1.0.0" && report.to == "c@1.0.0")
            try await Task.sleep(for: .milliseconds(700))  // past b's window
            #expect(m.eventbus.current?.pluginId == "c", "the rollback of b undid the later swap to c")
            #expect(await a.closed)  // b's old provider, released once b's window ended without a rollback
            #expect(await b.closed)  // closed by c's probation
            #expect(await !c.closed)
        }
    }

    @Test func twoConcurrentCopySwapsAreSerialized() async throws {
        let log = Locked<[String]>([])
        let record: @Sendable (String) async -> Void = { line in
            log.withLock { $0.append(line) }
            await Task.yield()
        }
        let a = FakeStorage("a", documents: ["c": (0..<50).map { "d\($0)" }])
        let b = FakeStorage("b", onWrite: record), c = FakeStorage("c", onWrite: record)
        try await withManager { m in
            _ = try await m.bind(binding(a, "a"), to: .storage)
            async let first = m.swap(request(.storage, to: b, "b", copy: true, before: { await record("prepare b") }))
            async let second = m.swap(request(.storage, to: c, "c", copy: true, before: { await record("prepare c") }))
            let reports = try await [first, second]
            #expect(Set(reports.map(\.to)) == ["b@1.0.0", "c@1.0.0"])
            // One swap ran entirely before the other began: no interleaving of their steps.
            let owners = log.value.map { $0.hasSuffix(" b") || $0.hasPrefix("b ") ? "b" : "c" }
            let changes = zip(owners, owners.dropFirst()).filter { $0 != $1 }.count
            #expect(changes == 1, "the two swaps interleaved: \(log.value.prefix(12))")
            // The later one copied from the earlier one's provider: every document arrived.
            let last = m.storage.current?.pluginId == "b" ? b : c
            #expect(await last.ids("c").count == 50)
            #expect(m.storage.writes.snapshot.holds == 0)
        }
    }

    @Test func aBusForwardThatFailsIsReportedAndTheOldBusStaysOpen() async throws {
        let a = FakeBus("a"), b = FakeBus("b")
        await a.seed(subscription: "driver:echo", pending: 20)
        await a.fail(Method.ack, onCall: 1)
        let events = Locked<[Event]>([])
        try await withManager { m in
            _ = try await m.bind(binding(a, "a"), to: .eventbus)
            let report = try await m.swap(request(.eventbus, to: b, "b", probationMs: 100, events: events))
            #expect(report.subscriptions == 1)
            #expect(report.forwarded == 0)
            #expect(report.forwardError?.hasPrefix("bus.ack of 20 forwarded deliveries of driver:echo failed") == true)
            #expect(events.value.contains { $0.type == "provider.forward.failed" })
            try await Task.sleep(for: .milliseconds(300))  // past the probation window
            #expect(await !a.closed, "the old bus was closed with deliveries still on it")
            #expect(await a.unacknowledged().count == 20)
            #expect(m.eventbus.current?.pluginId == "b")
        }
        #expect(await a.closed)  // closed when the manager stopped
    }

    @Test func aSwapRefusedBeforeTheSwitchLeavesTheOldProviderAndReleasesWrites() async throws {
        let a = FakeStorage("a", documents: ["c": ["1", "2"]])
        let b = FakeStorage("b")
        await b.fail(Method.documentUpsert, onCall: 2)
        try await withManager { m in
            _ = try await m.bind(binding(a, "a"), to: .storage)
            await #expect(throws: WireError.self) { try await m.swap(request(.storage, to: b, "b", copy: true)) }
            #expect(m.storage.current?.pluginId == "a")
            #expect(m.storage.writes.snapshot.holds == 0)
            #expect(await b.closed)
            _ = try await m.storage.call(.documentUpsert, WriteRequest(container: "c", document: Document(id: "3", data: [:])))
            #expect(await a.ids("c") == ["1", "2", "3"])
        }
    }

    @Test func aRebindReplacesOnlyTheGenerationItNames() async throws {
        let slot = ProviderSlot(kind: .storage)
        let a = FakeStorage("a"), b = FakeStorage("b")
        var first = binding(a, "a"); first.generation = 1
        var second = binding(b, "b"); second.generation = 2
        slot.bind(first)
        #expect(slot.rebind(second, replacing: 7) == false)
        #expect(slot.current?.pluginId == "a")
        #expect(slot.rebind(second, replacing: 1))
        #expect(slot.current?.generation == 2)
    }

    @Test func aCopySwapLetsWritesGoOnDuringTheCopyAndLosesNone() async throws {
        let seed = (0..<300).map { "d\($0)" }
        let a = FakeStorage("a", documents: ["c": seed])
        let slot = Locked<ProviderSlot?>(nil)
        let heldDuringCopy = Locked<Int?>(nil)
        let upserts = Locked(0)
        // Midway through the copy (the 150th document copied), write through the slot: an update,
        // a delete of a document already copied, a new document. With writes held for the whole
        // copy these calls would wait for the copy, which waits for them.
        let b = FakeStorage("b", onWrite: { line in
            guard line.hasPrefix("b storage.upsert"), upserts.withLock({ $0 += 1; return $0 }) == 150, let s = slot.value else { return }
            heldDuringCopy.withLock { $0 = s.writes.snapshot.holds }
            _ = try? await s.call(.documentUpsert, WriteRequest(container: "c", document: Document(id: "d1", data: ["v": "updated"])))
            _ = try? await s.call(.documentDelete, DocumentKey(container: "c", id: "d5"))
            _ = try? await s.call(.documentUpsert, WriteRequest(container: "c", document: Document(id: "late", data: [:])))
        })
        try await withManager { m in
            slot.withLock { $0 = m.storage }
            _ = try await m.bind(binding(a, "a"), to: .storage)
            let report = try await m.swap(request(.storage, to: b, "b", copy: true))
            #expect(heldDuringCopy.value == 0, "writes were held during the copy")
            #expect(report.copied?.documents == 300)
            #expect((report.copied?.caughtUp ?? 0) == 3)
            #expect(report.copied?.finalDelta == 0)
            #expect(report.copied?.writesHeldMs != nil)
        }
        // Every write acknowledged during the copy is in the new provider; the deleted document is not resurrected.
        #expect(await b.ids("c") == Set(seed).subtracting(["d5"]).union(["late"]))
        #expect(await b.document("c", "d1")?.data == ["v": "updated"])
    }

    @Test func aRollbackWhoseCopyBackFailsStillRestoresTheOldProviderAndSaysSo() async throws {
        let a = FakeStorage("a", documents: ["c": ["1"]])
        let b = FakeStorage("b", documents: ["c": ["1"]])
        let events = Locked<[Event]>([])
        try await withManager { m in
            _ = try await m.bind(binding(a, "a"), to: .storage)
            _ = try await m.swap(request(.storage, to: b, "b", probationMs: 60_000, events: events))
            _ = try await m.storage.call(.documentUpsert, WriteRequest(container: "c", document: Document(id: "2", data: [:])))
            await b.fail(Method.documentRead, onCall: 1)
            await b.setHealthy(false)
            try await eventually("rollback") { m.storage.current?.pluginId == "a" }
            try await eventually("event") { events.value.contains { $0.type == "provider.rolled_back" } }
            let e = try #require(events.value.first { $0.type == "provider.rolled_back" })
            #expect(e.data["copy_back_error"]?.stringValue?.contains("injected failure of storage.read") == true)
            #expect(await b.ids("c") == ["1", "2"])  // what was not copied back stays in the new provider's data
            #expect(m.storage.writes.snapshot.holds == 0)
        }
    }
}
