import Foundation
import HostCore
import LightningProtocol
import LightningTestSupport
import Testing

/// The Context Hub on the real daemon (docs/context-hub.md): REST with versions, If-Match,
/// patches and search; access lists between tokens; the CLI; two agents sharing a document
/// through search; and no acknowledged version lost to `kill -9`.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct DaemonContextTests {
    static func put(_ d: TestDaemon, _ path: String, _ content: String, owner: String? = nil, headers: [String: String] = [:],
                    token: String?? = .none) async throws -> TestDaemon.HTTPResult {
        let q = "path=\(path)" + (owner.map { "&owner=\($0)" } ?? "")
        return try await d.request("PUT", "/v1/context/documents?\(q)", body: try Wire.encode(JSONValue.object(["content": .string(content)])),
                                   headers: headers, token: token)
    }

    /// A diff comes as the body (`text/x-diff`, `text/plain`) or as `{"patch"}`; another
    /// content type is refused naming the ones accepted. Move: `parent_folder_id` null is the
    /// owner's root, absent keeps the folder (the generated types cannot tell these apart;
    /// `RequestBodyBytes` does).
    @Test func patchTakesADiffInEachDocumentedFormAndMoveTellsNullFromAbsent() async throws {
        let d = try await TestDaemon.start()
        let created = try await Self.put(d, "/a/b/doc.md", "one\ntwo\n", owner: "team")
        let id = try #require(created.json["id"]?.stringValue)
        let asDiff = try await d.request("PATCH", "/v1/context/documents/\(id)", body: Data("@@ -1,2 +1,2 @@\n one\n-two\n+TWO\n".utf8),
                                         headers: ["Content-Type": "text/x-diff"])
        #expect(asDiff.status == 200 && asDiff.json["content"] == "one\nTWO\n", "\(asDiff.text)")
        #expect(asDiff.headers["etag"] == asDiff.json["etag"]?.stringValue)
        let asText = try await d.request("PATCH", "/v1/context/documents/\(id)", body: Data("@@ -1,2 +1,3 @@\n one\n TWO\n+three\n".utf8),
                                         headers: ["Content-Type": "text/plain; charset=utf-8"])
        #expect(asText.status == 200 && asText.json["content"] == "one\nTWO\nthree\n", "\(asText.text)")
        let other = try await d.request("PATCH", "/v1/context/documents/\(id)", body: Data("@@ -1 +1 @@\n-one\n+ONE\n".utf8),
                                        headers: ["Content-Type": "application/xml"])
        #expect(other.status == 400, "\(other.text)")
        #expect(other.json["error"]?["message"] == "header \"Content-Type\": expected application/json, text/plain or text/x-diff, got \"application/xml\"",
                "\(other.text)")
        #expect(try await d.get("/v1/context/documents/\(id)").json["version"] == 3)

        // Rename only: the folder stays. Then null: to the owner's root.
        let renamed = try await d.post("/v1/context/documents/\(id)/move", ["name": "renamed.md"])
        #expect(renamed.status == 200 && renamed.json["path"] == "/a/b/renamed.md", "\(renamed.text)")
        #expect(renamed.headers["etag"] == renamed.json["etag"]?.stringValue)
        let toRoot = try await d.post("/v1/context/documents/\(id)/move", ["parent_folder_id": .null])
        #expect(toRoot.status == 200 && toRoot.json["path"] == "/renamed.md", "\(toRoot.text)")
        let wrongType = try await d.post("/v1/context/documents/\(id)/move", ["parent_folder_id": 7])
        #expect(wrongType.status == 400, "\(wrongType.text)")
        #expect(wrongType.json["error"]?["message"]?.stringValue?.contains("parent_folder_id") == true, "\(wrongType.text)")
    }

    @Test func documentsVersionsPatchesAndSearchOverREST() async throws {
        let d = try await TestDaemon.start()
        // Create with the folders on the way; the caller (the admin token) owns nothing by name,
        // so name the owner.
        let created = try await Self.put(d, "/notes/2026/plan.md", "alpha\nbeta\ngamma\n", owner: "team")
        #expect(created.status == 201, "\(created.text)")
        #expect(created.json["path"] == "/notes/2026/plan.md" && created.json["version"] == 1 && created.json["owner"] == "team")
        let id = try #require(created.json["id"]?.stringValue)
        let etag1 = try #require(created.headers["etag"])
        #expect(etag1 == created.json["etag"]?.stringValue)
        let byPath = try await d.get("/v1/context/documents?owner=team&path=/notes/2026/plan.md")
        #expect(byPath.json["content"] == "alpha\nbeta\ngamma\n" && byPath.json["id"]?.stringValue == id)

        // A write with the current ETag is version 2; the old ETag is then stale (412, unchanged).
        let v2 = try await d.request("PUT", "/v1/context/documents/\(id)", body: try Wire.encode(["content": "alpha\nBETA\ngamma\n"] as JSONValue),
                                     headers: ["If-Match": etag1])
        #expect(v2.status == 200 && v2.json["version"] == 2, "\(v2.text)")
        let stale = try await d.request("PUT", "/v1/context/documents/\(id)", body: try Wire.encode(["content": "lost"] as JSONValue),
                                        headers: ["If-Match": etag1])
        #expect(stale.status == 412, "\(stale.text)")

        // PATCH with a unified diff: version 3. A diff whose context is gone: 409, text unchanged.
        let patch = "--- a\n+++ b\n@@ -1,3 +1,4 @@\n alpha\n BETA\n+delta zebra\n gamma\n"
        let v3 = try await d.request("PATCH", "/v1/context/documents/\(id)", body: try Wire.encode(["patch": .string(patch)] as JSONValue))
        #expect(v3.status == 200 && v3.json["content"] == "alpha\nBETA\ndelta zebra\ngamma\n", "\(v3.text)")
        let conflicting = "@@ -1,2 +1,2 @@\n alpha\n-beta\n+BETA\n"
        let refused = try await d.request("PATCH", "/v1/context/documents/\(id)", body: try Wire.encode(["patch": .string(conflicting)] as JSONValue))
        #expect(refused.status == 409 && refused.json["error"]?["message"]?.stringValue?.contains("hunk 1") == true, "\(refused.text)")
        #expect(try await d.get("/v1/context/documents/\(id)").json["version"] == 3)

        // Versions, one version, a diff, a restore (a new version with the old text).
        let versions = try await d.get("/v1/context/documents/\(id)/versions").json["versions"]?.arrayValue ?? []
        #expect(versions.map { $0["version"]?.intValue } == [1, 2, 3])
        #expect(try await d.get("/v1/context/documents/\(id)/versions/1").json["content"] == "alpha\nbeta\ngamma\n")
        let diff = try await d.get("/v1/context/documents/\(id)/diff?from=1&to=3").json["diff"]?.stringValue ?? ""
        #expect(diff.contains("-beta\n+BETA\n+delta zebra\n"), "\(diff)")
        let restored = try await d.post("/v1/context/documents/\(id)/versions/1/restore", [:])
        #expect(restored.json["version"] == 4 && restored.json["content"] == "alpha\nbeta\ngamma\n", "\(restored.text)")
        #expect(try await d.get("/v1/context/documents/\(id)/versions").json["versions"]?.arrayValue?.last?["restored_from"] == 1)

        // Search: ranked hits with snippets and a total; the restored text no longer has "zebra".
        _ = try await Self.put(d, "/notes/zoo.md", "a zebra, another zebra and a lion", owner: "team")
        _ = try await Self.put(d, "/notes/farm.md", "a cow and a zebra crossing", owner: "team")
        let found = try await d.get("/v1/context/search?q=zebra&limit=1").json
        #expect(found["total"] == 2, "\(found)")
        #expect(found["hits"]?.arrayValue?.count == 1)
        #expect(found["hits"]?.arrayValue?.first?["document"]?["path"] == "/notes/zoo.md")
        #expect(found["hits"]?.arrayValue?.first?["snippet"]?.stringValue?.contains("[zebra]") == true)
        #expect(try await d.get("/v1/context/search?q=zebra&offset=1").json["hits"]?.arrayValue?.first?["document"]?["path"] == "/notes/farm.md")
        #expect(try await d.get("/v1/context/search?q=lio*").json["total"] == 1)
        let folder = try #require(try await d.get("/v1/context/documents?owner=team&path=/notes/2026").json["id"]?.stringValue)
        #expect(try await d.get("/v1/context/search?q=gamma&folder=\(folder)").json["total"] == 1)
        #expect(try await d.get("/v1/context/search?q=zebra&folder=\(folder)").json["total"] == 0)

        // Listing, and events for every change.
        let listing = try await d.get("/v1/context/folders?owner=team&path=/notes").json["documents"]?.arrayValue ?? []
        #expect(listing.map { $0["name"]?.stringValue } == ["2026", "farm.md", "zoo.md"])
        try await d.eventually("context events") {
            try await d.history("type=context.document.updated&limit=100").count >= 3
        }
        #expect(try await d.history("type=context.document.created&limit=100").count == 5)  // 2 folders, 3 documents

        // Bad input: traversal, empty names, oversize content; all 400 naming the problem.
        let traversal = try await Self.put(d, "/notes/../etc/passwd", "x", owner: "team")
        #expect(traversal.status == 400 && traversal.text.contains("no path traversal"), "\(traversal.text)")
        #expect(try await Self.put(d, "/notes//x", "x", owner: "team").status == 400)
        // Over 1 MiB: the API's JSON string limit (413, http.max_json_string_bytes) or the hub's own (400) refuses it.
        let big = try await Self.put(d, "/big", String(repeating: "x", count: (1 << 20) + 1), owner: "team")
        #expect(big.status == 413 || (big.status == 400 && big.text.contains("1 MiB")), "\(big.text)")
        #expect(try await d.get("/v1/context/documents?owner=team&path=/big").status == 404)
        let unknown = try await d.get("/v1/context/documents/no-such-id")
        #expect(unknown.status == 404)

        // A folder that is not empty is not deleted (nothing is orphaned) unless recursively.
        let notes = try #require(try await d.get("/v1/context/documents?owner=team&path=/notes").json["id"]?.stringValue)
        let refusedDelete = try await d.request("DELETE", "/v1/context/documents/\(notes)")
        #expect(refusedDelete.status == 409 && refusedDelete.text.contains("not empty"), "\(refusedDelete.text)")
        let deleted = try await d.request("DELETE", "/v1/context/documents/\(notes)?recursive=true")
        #expect(deleted.status == 200 && deleted.json["deleted"] == 5, "\(deleted.text)")
        #expect(try await d.get("/v1/context/search?q=zebra").json["total"] == 0)
        #expect(try await d.get("/v1/context/documents/\(id)").status == 404)
    }

    @Test func accessListsDecideBetweenTokens() async throws {
        let d = try await TestDaemon.start()
        func token(_ name: String) async throws -> String {
            let r = try await d.post("/v1/tokens", ["name": .string(name), "scopes": ["read", "events:write"]])
            return try #require(r.json["secret"]?.stringValue, "\(r.text)")
        }
        let alice = try await token("alice"), bob = try await token("bob")
        // Alice writes in her own tree (the default owner); Bob may neither read nor write it.
        let a = try await Self.put(d, "/private/diary.md", "secret walrus", token: alice)
        #expect(a.status == 201 && a.json["owner"] == "alice", "\(a.text)")
        let id = try #require(a.json["id"]?.stringValue)
        #expect(try await d.request("GET", "/v1/context/documents/\(id)", token: bob).status == 403)
        #expect(try await Self.put(d, "/private/diary.md", "defaced", owner: "alice", token: bob).status == 403)
        #expect(try await d.request("GET", "/v1/context/search?q=walrus", token: bob).json["total"] == 0)
        #expect(try await d.request("GET", "/v1/context/search?q=walrus", token: alice).json["total"] == 1)
        // Nor may Bob write into Alice's root.
        #expect(try await Self.put(d, "/mine.md", "x", owner: "alice", token: bob).status == 403)
        // Alice grants Bob read on the folder: inherited by the document, read but not write.
        let folder = try #require(try await d.request("GET", "/v1/context/documents?path=/private", token: alice).json["id"]?.stringValue)
        let acl = try await d.request("PUT", "/v1/context/documents/\(folder)/acl",
                                      body: try Wire.encode(["acl": [["principal": "bob", "access": "read"]]] as JSONValue), token: alice)
        #expect(acl.status == 200, "\(acl.text)")
        #expect(try await d.request("GET", "/v1/context/documents/\(id)", token: bob).json["content"] == "secret walrus")
        #expect(try await d.request("GET", "/v1/context/search?q=walrus", token: bob).json["total"] == 1)
        #expect(try await Self.put(d, "/private/diary.md", "defaced", owner: "alice", token: bob).status == 403)
        // A read-only token cannot write at all (scope), whatever the lists say.
        let r = try await d.post("/v1/tokens", ["name": "viewer", "scopes": ["read"]])
        let viewer = try #require(r.json["secret"]?.stringValue)
        #expect(try await Self.put(d, "/v.md", "x", token: viewer).status == 403)
    }

    @Test func cliLsCatPutMvRmLogDiffRestoreSearch() async throws {
        let d = try await TestDaemon.start()
        func run(_ args: [String]) async throws -> String {
            let (code, out, err) = try await d.cli(["context"] + args + ["--owner", "ops"])
            #expect(code == 0, "lightning context \(args): \(err)")
            return out
        }
        #expect(try await run(["put", "/runbooks/restart.md", "--content", "step one\n"]).contains("/runbooks/restart.md version 1"))
        #expect(try await run(["put", "/runbooks/restart.md", "--content", "step one\nstep two\n"]).contains("version 2"))
        #expect(try await run(["cat", "/runbooks/restart.md"]) == "step one\nstep two\n")
        #expect(try await run(["cat", "/runbooks/restart.md", "--version", "1"]) == "step one\n")
        let ls = try await run(["ls", "/runbooks"])
        #expect(ls.hasPrefix("NAME") && ls.contains("restart.md"), "\(ls)")
        let log = try await run(["log", "/runbooks/restart.md"])
        #expect(log.split(separator: "\n").count == 3, "\(log)")
        #expect(try await run(["diff", "/runbooks/restart.md", "1", "2"]).contains("+step two"))
        #expect(try await run(["restore", "/runbooks/restart.md", "1"]).contains("version 3"))
        #expect(try await run(["search", "step"]).contains("ops:/runbooks/restart.md  [step] one"))
        #expect(try await run(["mv", "/runbooks/restart.md", "/runbooks/reboot.md"]).contains("/runbooks/reboot.md"))
        #expect(try await run(["cat", "/runbooks/reboot.md"]) == "step one\n")
        let (code, _, err) = try await d.cli(["context", "rm", "/runbooks", "--owner", "ops"])
        #expect(code != 0 && err.contains("not empty"), "\(err)")
        #expect(try await run(["rm", "-r", "/runbooks"]).contains("deleted /runbooks (2 entries)"))
        let (rc, reindexed, rerr) = try await d.cli(["context", "reindex"])
        #expect(rc == 0 && reindexed.contains("indexed 0 documents and folders"), "\(reindexed) \(rerr)")
    }

    static func contextAgent(_ id: String, prefix: String) -> String {
        let root = BuildProducts.repoRoot.path
        return """
            {"manifest_version": 1, "id": "\(id)", "name": "\(id)", "version": "1.0.0", "kind": "agent",
             "capabilities": ["\(prefix).*"], "config": {"defaults": {"prefix": "\(prefix)"}},
             "sandbox": {"paths": [{"path": "\(root)/PluginSDK/python", "mode": "ro"}, {"path": "\(root)/Tests/Children/python", "mode": "ro"}]},
             "process": {"command": "python3", "args": ["-u", "\(root)/Tests/Children/python/context_agent.py"],
                         "restart": "permanent", "readiness_timeout_ms": 60000}}
            """
    }

    /// A Swift agent (lt-test-child, ChildKit's `contextHub`) writes; a Python agent (the SDK's
    /// `context_hub`) searches.
    @Test func oneAgentWritesADocumentAnotherFindsBySearch() async throws {
        let swiftWriter = """
            {"manifest_version": 1, "id": "writer-agent", "name": "writer", "version": "1.0.0", "kind": "agent",
             "capabilities": ["test.*"], "process": {"command": "lt-test-child", "args": ["well"], "readiness_timeout_ms": 60000}}
            """
        let d = try await TestDaemon.start(extraManifests: ["writer.json": swiftWriter,
                                                            "reader.json": Self.contextAgent("reader-agent", prefix: "rd")])
        try await d.eventually("agents ready", timeout: .seconds(90)) {
            let ps = try await d.get("/v1/processes").json["processes"]?.arrayValue ?? []
            return ps.filter { $0["state"] == "ready" }.count == 2
        }
        // The writer shares one document with the reader and keeps another to itself.
        let shared = try await d.publish(["type": "test.context.write", "data": ["path": "/shared/findings.md", "content": "the okapi lives in Congo",
                                                                               "acl": [["principal": "reader-agent", "access": "read"]]]])
        let secret = try await d.publish(["type": "test.context.write", "data": ["path": "/private/notes.md", "content": "the okapi is shy"]])
        for id in [shared, secret] {
            try await d.eventually("written") { try await d.history("correlation_id=\(id)&type=test.context.written").count == 1 }
        }
        let written = try await d.history("correlation_id=\(shared)&type=test.context.written")
        #expect(written.first?["data"]?["owner"] == "writer-agent", "\(written)")
        let search = try await d.publish(["type": "rd.search", "data": ["q": "okapi"]])
        try await d.eventually("found") { try await d.history("correlation_id=\(search)&type=rd.found").count == 1 }
        let found = try await d.history("correlation_id=\(search)&type=rd.found").first?["data"]
        #expect(found?["total"] == 1, "\(String(describing: found))")
        let hit = found?["hits"]?.arrayValue?.first
        #expect(hit?["owner"] == "writer-agent" && hit?["path"] == "/shared/findings.md")
        #expect(hit?["snippet"]?.stringValue?.contains("[okapi]") == true)
        // Reading the private one directly is refused by the access list.
        let read = try await d.publish(["type": "rd.read", "data": ["owner": "writer-agent", "path": "/private/notes.md"]])
        try await d.eventually("read answered") { try await d.history("correlation_id=\(read)&type=rd.read.failed").count == 1 }
        #expect(try await d.history("correlation_id=\(read)&type=rd.read.failed").first?["data"]?["code"] == "permission_denied")
        // The reader writes its own note; the writer (Swift) finds its two and not the reader's.
        let note = try await d.publish(["type": "rd.write", "data": ["path": "/okapi.md", "content": "okapi sighting"]])
        try await d.eventually("reader wrote") { try await d.history("correlation_id=\(note)&type=rd.written").count == 1 }
        let own = try await d.publish(["type": "test.context.search", "data": ["q": "okapi"]])
        try await d.eventually("own found") { try await d.history("correlation_id=\(own)&type=test.context.found").count == 1 }
        let mine = try await d.history("correlation_id=\(own)&type=test.context.found").first?["data"]
        #expect(mine?["total"] == 2, "\(String(describing: mine))")
        #expect(mine?["paths"] == ["writer-agent:/private/notes.md", "writer-agent:/shared/findings.md"] ||
                mine?["paths"] == ["writer-agent:/shared/findings.md", "writer-agent:/private/notes.md"])
        // Every change was announced.
        #expect(try await d.history("type=context.document.created&limit=100").count == 5)  // 2 folders, 3 documents
    }

    @Test func killNineDuringWritesLosesNoAcknowledgedVersion() async throws {
        let d = try await TestDaemon.start(config: ["context_keep_versions": 0])
        #expect(try await d.get("/v1/config").json["context_keep_versions"] == 0)
        let created = try await Self.put(d, "/log.md", "v1", owner: "k9")
        let id = try #require(created.json["id"]?.stringValue)
        // Writers keep writing; every acknowledged version (200 with its number) is recorded.
        let acknowledged = Locked<[Int: String]>([:])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<4 {
                group.addTask {
                    for i in 0..<10_000 {
                        let text = "writer \(w) write \(i)"
                        // No answer: the daemon is gone. A 409 (lost too many races) is not an acknowledgement.
                        guard let r = try? await d.request("PUT", "/v1/context/documents/\(id)", body: try Wire.encode(["content": .string(text)] as JSONValue))
                        else { return }
                        if r.status == 200, let v = r.json["version"]?.intValue { acknowledged.withLock { $0[v] = text } }
                    }
                }
            }
            try await d.eventually("some writes acknowledged") { acknowledged.value.count >= 30 }
            try await d.kill9()
            try await group.waitForAll()
        }
        try await d.restart()
        let acked = acknowledged.value
        #expect(acked.count >= 30)
        let versions = try await d.get("/v1/context/documents/\(id)/versions").json["versions"]?.arrayValue ?? []
        let kept = Set(versions.compactMap { $0["version"]?.intValue })
        for (v, text) in acked.sorted(by: { $0.key < $1.key }) {
            #expect(kept.contains(v), "acknowledged version \(v) is missing")
            let r = try await d.get("/v1/context/documents/\(id)/versions/\(v)")
            #expect(r.json["content"]?.stringValue == text, "version \(v): \(r.text)")
        }
        // The index was rebuilt from storage at the start: the latest text is searchable.
        let current = try await d.get("/v1/context/documents/\(id)").json
        #expect((current["version"]?.intValue ?? 0) >= (acked.keys.max() ?? 0))
        let word = try #require(current["content"]?.stringValue?.split(separator: " ").first.map(String.init))
        #expect(try await d.get("/v1/context/search?q=\(word)").json["total"] == 1)
    }
}
