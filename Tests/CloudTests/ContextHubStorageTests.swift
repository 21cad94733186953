import Foundation
import HostCore
import LightningContext
import LightningProtocol
import LightningTestSupport
import Logging
import Testing

/// The Context Hub on both storage providers, each through the real loader and C ABI: SQLite,
/// and Cosmos DB through its loopback fake. The same scenario runs on each: folders and
/// documents, versions, If-Match, patch, access lists, search, a rebuild of the index from
/// storage (as after a swap), a recursive delete.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ContextHubStorageTests {
    static let logger: Logger = {
        var l = Logger(label: "context-tests")
        l.logLevel = .warning
        return l
    }()

    /// Runs the scenario on `connection` as the storage provider.
    static func scenario(_ connection: any ProviderConnection) async throws {
        let manager = ProviderManager(logger: logger)
        _ = try await manager.bind(ProviderSlot.Binding(connection: connection, pluginId: "under-test", version: "1", config: [:]), to: .storage)
        let events = Locked<[Event]>([])
        let hub = ContextHub(storage: manager.storage, index: ContextIndex(path: ":memory:"), keepVersions: 3,
                             publish: { e in events.withLock { $0 += e } })
        let alice = ContextCaller(principal: "alice"), bob = ContextCaller(principal: "bob")

        let (doc, created) = try await hub.put(alice, owner: "alice", path: "/research/okapi.md", content: "okapi\nlives in Congo\n")
        #expect(created && doc.version == 1 && doc.path == "/research/okapi.md")
        // Versions beyond retention (3) are pruned; the newest are readable.
        var etag = doc.etag
        for i in 2...5 {
            let d = try await hub.write(alice, doc.id, content: "okapi\nlives in Congo\nnote \(i)\n", ifMatch: etag)
            #expect(d.version == i)
            etag = d.etag
        }
        await #expect(throws: WireError.self) { try await hub.write(alice, doc.id, content: "stale", ifMatch: doc.etag) }
        let versions = try await hub.versions(alice, doc.id)
        #expect(versions.map(\.version) == [3, 4, 5])
        #expect(try await hub.version(alice, doc.id, 3).content == "okapi\nlives in Congo\nnote 3\n")
        await #expect(throws: WireError.self) { try await hub.version(alice, doc.id, 1) }

        // A patch that fits, and one that does not (409, nothing changes).
        let patched = try await hub.patch(alice, doc.id, diff: "@@ -2 +2 @@\n-lives in Congo\n+lives in the Congo rainforest\n", ifMatch: nil)
        #expect(patched.version == 6 && patched.content?.contains("rainforest") == true)
        do {
            _ = try await hub.patch(alice, doc.id, diff: "@@ -2 +2 @@\n-lives in Congo\n+x\n", ifMatch: nil)
            Issue.record("a conflicting patch was applied")
        } catch let e as WireError {
            #expect(e.code == .conflict, "\(e)")
        }
        #expect(try await hub.read(alice, .id(doc.id)).version == 6)

        // Access: Bob sees nothing until Alice shares the folder.
        await #expect(throws: WireError.self) { try await hub.read(bob, .path(owner: "alice", path: "/research/okapi.md")) }
        #expect(try await hub.search(bob, q: "okapi").total == 0)
        let folder = try await hub.read(alice, .path(owner: "alice", path: "/research"))
        _ = try await hub.setACL(alice, folder.id, acl: [ContextACLEntry(principal: "bob", access: .read)], ifMatch: nil)
        let found = try await hub.search(bob, q: "rainforest")
        #expect(found.total == 1 && found.hits.first?.document.path == "/research/okapi.md")
        #expect(found.hits.first?.snippet.contains("[rainforest]") == true)
        do {
            _ = try await hub.write(bob, doc.id, content: "defaced", ifMatch: nil)
            Issue.record("bob wrote with read access")
        } catch let e as WireError {
            #expect(e.code == .permissionDenied, "\(e)")
        }

        // A name is taken once per folder; moving frees it.
        do {
            _ = try await hub.create(alice, owner: "alice", parent: folder.id, name: "okapi.md", docType: .text, content: "", acl: [])
            Issue.record("a second okapi.md was created")
        } catch let e as WireError {
            #expect(e.code == .conflict, "\(e)")
        }
        let moved = try await hub.move(alice, doc.id, parent: "", name: "okapi-notes.md", ifMatch: nil)
        #expect(moved.path == "/okapi-notes.md")
        _ = try await hub.create(alice, owner: "alice", parent: folder.id, name: "okapi.md", docType: .text, content: "new one", acl: [])

        // The index is derived: a fresh one rebuilt from storage answers the same.
        let fresh = ContextHub(storage: manager.storage, index: ContextIndex(path: ":memory:"), keepVersions: 3, publish: { _ in })
        #expect(try await fresh.search(alice, q: "okapi").total == 2)
        #expect(try await fresh.list(alice, .path(owner: "alice", path: "/")).map(\.name) == ["okapi-notes.md", "research"])

        // A folder that is not empty is deleted only recursively.
        do {
            _ = try await hub.delete(alice, folder.id, recursive: false, ifMatch: nil)
            Issue.record("a folder that is not empty was deleted")
        } catch let e as WireError {
            #expect(e.code == .conflict, "\(e)")
        }
        #expect(try await hub.delete(alice, folder.id, recursive: true, ifMatch: nil) == 2)
        #expect(try await hub.search(alice, q: "okapi").total == 1)
        #expect(events.value.map(\.type).filter { $0 == "context.document.deleted" }.count == 2)
        #expect(events.value.contains { $0.type == "context.document.moved" })
    }

    @Test func scenarioOnSQLite() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lt-context-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let plugin = try PluginLoader(logger: Self.logger).loadLibrary(at: BuildProducts.url("libLightningSQLiteStorage.so"), expectedId: "sqlite-storage")
        let store = try plugin.makeInstance(config: ["data_dir": .string(dir.path)])
        try await Self.scenario(store)
        await store.close()
    }

    @Test func scenarioOnCosmosThroughItsFake() async throws {
        try await withCosmos { store, _ in try await Self.scenario(store.connection) }
    }
}
