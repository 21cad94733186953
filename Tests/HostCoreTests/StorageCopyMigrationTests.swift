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
}
