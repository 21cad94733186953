@testable import HostCore
import LightningProtocol
import Testing

@Suite struct StorageCopyMigrationTests {
    @Test func copiesEveryContainerAndDocumentAcrossPages() async throws {
        let old = FakeStorage("old", documents: ["a": (0..<25).map { "d\($0)" }, "b": ["x"]])
        let new = FakeStorage("new")
        let pages = Locked<[StorageCopyMigration.Progress]>([])
        let report = try await StorageCopyMigration(old: old, new: new, pageSize: 10).run { p in pages.withLock { $0.append(p) } }
        #expect(report == CopyReport(containers: 2, documents: 26, verified: true))
        #expect(await new.ids("a") == Set((0..<25).map { "d\($0)" }))
        #expect(await new.ids("b") == ["x"])
        #expect(pages.value.map(\.documents) == [10, 20, 25, 1])
        #expect(pages.value.map(\.containerDone) == [false, false, true, true])
    }

    @Test func anErrorOfTheNewProviderStopsTheCopy() async throws {
        let old = FakeStorage("old", documents: ["a": ["1", "2", "3"]])
        let new = FakeStorage("new")
        await new.fail(Method.documentUpsert, onCall: 2)
        await #expect(throws: WireError.self) {
            _ = try await StorageCopyMigration(old: old, new: new).run { _ in }
        }
    }

    @Test func applyBringsOverCreatesUpdatesAndDeletesWithoutResurrecting() async throws {
        let old = FakeStorage("old", documents: ["a": ["keep", "changed", "late"], "fresh": ["f1"]])
        let new = FakeStorage("new", documents: ["a": ["keep", "changed", "gone"], "dropped": ["x"]])
        _ = try await old.call(.documentUpsert, WriteRequest(container: "a", document: Document(id: "changed", data: ["v": 2])))
        let changes: Set<StorageChange> = [
            .document(container: "a", id: "changed", partitionKey: ""), .document(container: "a", id: "late", partitionKey: ""),
            .document(container: "a", id: "gone", partitionKey: ""), .container("fresh"), .document(container: "fresh", id: "f1", partitionKey: ""),
            .container("dropped"),
        ]
        #expect(try await StorageCopyMigration(old: old, new: new).apply(changes) == 6)
        #expect(await new.ids("a") == ["keep", "changed", "late"])
        #expect(await new.document("a", "changed")?.data == ["v": 2])
        #expect(await new.ids("fresh") == ["f1"])
        #expect(await new.containers["dropped"] == nil)
        // Applying the same changes again changes nothing (a delete of what is gone is no error).
        #expect(try await StorageCopyMigration(old: old, new: new).apply(changes) == 6)
        #expect(await new.ids("a") == ["keep", "changed", "late"])
    }

    @Test func aWriteDuringACaptureRecordsWhatItChanges() async throws {
        let slot = ProviderSlot(kind: .storage)
        let store = FakeStorage("s", documents: ["a": ["1"]])
        slot.bind(.init(connection: store, pluginId: "s", version: "1", config: [:]))
        _ = try await slot.call(.documentUpsert, WriteRequest(container: "a", document: Document(id: "before", data: [:])))
        let capture = await slot.writes.startCapture()
        _ = try await slot.call(.documentUpsert, WriteRequest(container: "a", document: Document(id: "2", partitionKey: "p", data: [:])))
        _ = try await slot.call(.documentDelete, DocumentKey(container: "a", id: "1"))
        _ = try await slot.call(.documentRead, DocumentKey(container: "a", id: "2"))
        #expect(capture.take() == [.document(container: "a", id: "2", partitionKey: "p"), .document(container: "a", id: "1", partitionKey: "")])
        slot.writes.stopCapture(capture)
        _ = try await slot.call(.documentUpsert, WriteRequest(container: "a", document: Document(id: "after", data: [:])))
        #expect(capture.take().isEmpty)
    }

    @Test func aWriteIsRecordedOnceItHasLandedNotWhenItStarts() async throws {
        let gate = OneShot()
        let started = OneShot()
        let store = FakeStorage("s", documents: ["a": []], onWrite: { _ in started.fire(); await gate.wait() })
        let slot = ProviderSlot(kind: .storage)
        slot.bind(.init(connection: store, pluginId: "s", version: "1", config: [:]))
        let capture = await slot.writes.startCapture()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { _ = try await slot.call(.documentUpsert, WriteRequest(container: "a", document: Document(id: "w", data: [:]))) }
            await started.wait()
            // A catch-up round taken now would re-read "w" before it lands: it must not consume it.
            #expect(capture.take().isEmpty)
            gate.fire()
            try await group.waitForAll()
        }
        #expect(capture.take() == [.document(container: "a", id: "w", partitionKey: "")])
        slot.writes.stopCapture(capture)
    }
}
