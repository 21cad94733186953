import LightningContext
import LightningProtocol
import Testing

/// The access rule, names and paths, retention and the search query language.
@Suite struct ContextRulesTests {
    // MARK: Access: every combination of where an entry sits, whom it names and what it grants.

    @Test func accessRuleExhaustively() {
        let principals = ["alice", "bob", "*"]
        let places = [0, 1, 2]  // document, its folder, the top folder
        for who in principals {
            for place in places {
                for granted in ContextAccess.allCases {
                    var chain = (0..<3).map { _ in ContextACLNode(owner: "owner", acl: []) }
                    chain[place].acl = [ContextACLEntry(principal: who, access: granted)]
                    for caller in ["alice", "bob"] {
                        for wanted in ContextAccess.allCases {
                            let named = who == "*" || who == caller
                            let expected = named && granted >= wanted
                            let got = ContextACL.allows(ContextCaller(principal: caller), wanted, chain: chain, rootOwner: "owner")
                            #expect(got == expected, "entry \(who):\(granted) at \(place); \(caller) wants \(wanted)")
                        }
                    }
                }
            }
        }
    }

    @Test func ownerAndAdminMayDoEverythingOthersNothingByDefault() {
        let chain = [ContextACLNode(owner: "owner", acl: [])]
        #expect(ContextACL.allows(ContextCaller(principal: "owner"), .write, chain: chain, rootOwner: "owner"))
        #expect(ContextACL.allows(ContextCaller(principal: "x", isAdmin: true), .write, chain: chain, rootOwner: "owner"))
        #expect(!ContextACL.allows(ContextCaller(principal: "x"), .read, chain: chain, rootOwner: "owner"))
        #expect(!ContextACL.allows(ContextCaller(principal: "x"), .read, chain: [], rootOwner: "owner"))
        #expect(ContextACL.effective(ContextCaller(principal: "x"), chain: [ContextACLNode(owner: "o", acl: [.init(principal: "x", access: .read)])],
                                     rootOwner: "o") == .read)
    }

    // MARK: Names

    @Test(arguments: [
        ("", "field \"name\": must not be empty"),
        (".", "field \"name\" \".\": must not be \".\" or \"..\" (no path traversal)"),
        ("..", "field \"name\" \"..\": must not be \".\" or \"..\" (no path traversal)"),
        ("a/b", "field \"name\" \"a/b\": must not contain '/' (use the parent folder instead)"),
        ("a\u{0}b", "field \"name\" \"a\\0b\": must not contain control characters"),
        (" a", "field \"name\" \" a\": must not start or end with white space"),
    ])
    func badNamesSayWhatIsWrong(_ name: String, _ message: String) {
        #expect(throws: ContextInputError.self) { try ContextNames.checkName(name) }
        do { try ContextNames.checkName(name) } catch { #expect(error.description == message) }
    }

    @Test func namesAndPaths() throws {
        try ContextNames.checkName("notes.md")
        try ContextNames.checkName("Ünïcode ok")
        #expect(throws: ContextInputError.self) { try ContextNames.checkName(String(repeating: "x", count: 256)) }
        #expect(try ContextNames.split(path: "/") == [])
        #expect(try ContextNames.split(path: "/a/b/c") == ["a", "b", "c"])
        #expect(try ContextNames.split(path: "a/b/") == ["a", "b"])
        #expect(throws: ContextInputError.self) { try ContextNames.split(path: "/a/../b") }
        #expect(throws: ContextInputError.self) { try ContextNames.split(path: "/a//b") }
        #expect(throws: ContextInputError.self) { try ContextNames.split(path: "/" + Array(repeating: "d", count: 40).joined(separator: "/")) }
        #expect(throws: ContextInputError.self) { try ContextNames.checkContent(String(repeating: "x", count: ContextNames.maxContentBytes + 1)) }
        try ContextNames.checkContent(String(repeating: "x", count: ContextNames.maxContentBytes))
        try ContextNames.checkOwner("agent-a")
        #expect(throws: ContextInputError.self) { try ContextNames.checkOwner("a/b") }
        #expect(throws: ContextInputError.self) { try ContextNames.checkOwner("..") }
    }

    // MARK: Versions and paths

    static func node(_ id: String, _ name: String, parent: String = "", version: Int = 1, first: Int = 1) -> ContextNode {
        ContextNode(id: id, name: name, docType: .text, parent: parent, owner: "o", version: version, firstVersion: first,
                    author: "o", createdAt: Timestamp(millis: 0), updatedAt: Timestamp(millis: 0))
    }

    @Test func retentionKeepsTheNewest() {
        func prune(_ version: Int, first: Int = 1, keep: Int) -> String {
            let p = ContextRetention.prune(Self.node("d", "d", version: version, first: first), keep: keep)
            return "\(p.delete) first \(p.firstVersion)"
        }
        #expect(prune(5, keep: 0) == "[] first 1")
        #expect(prune(5, keep: 3) == "[1, 2] first 3")
        #expect(prune(5, first: 3, keep: 3) == "[] first 3")
        #expect(prune(6, first: 3, keep: 3) == "[3] first 4")
        #expect(prune(2, keep: 10) == "[] first 1")
    }

    @Test func writesMakeTheNextVersion() {
        let n = Self.node("d", "d", version: 3).written("new", by: "bob", at: Timestamp(millis: 5), restoredFrom: 1)
        #expect(n.version == 4 && n.author == "bob" && n.content == "new" && n.restoredFrom == 1)
        #expect(n.versionRecord.id == "d.v4" && n.versionRecord.size == 3)
    }

    @Test func pathsChainsAndScopes() {
        var top = Self.node("f1", "top"); top.docType = .folder
        top.acl = [ContextACLEntry(principal: "bob", access: .read)]
        var sub = Self.node("f2", "sub", parent: "f1"); sub.docType = .folder
        let doc = Self.node("d", "doc.md", parent: "f2")
        let nodes = ["f1": top, "f2": sub, "d": doc]
        #expect(ContextPath.of(doc, in: nodes) == "/top/sub/doc.md")
        #expect(ContextPath.of(doc, in: ["f2": sub]) == "/?/sub/doc.md")
        #expect(ContextPath.chain(doc, in: nodes).count == 3)
        #expect(ContextACL.allows(ContextCaller(principal: "bob"), .read, chain: ContextPath.chain(doc, in: nodes), rootOwner: "o"))
        #expect(!ContextACL.allows(ContextCaller(principal: "bob"), .write, chain: ContextPath.chain(doc, in: nodes), rootOwner: "o"))
        #expect(ContextPath.isWithin(doc, folder: "f1", in: nodes))
        #expect(!ContextPath.isWithin(top, folder: "f2", in: nodes))
    }

    // MARK: Search queries

    @Test func searchQueriesAreQuotedSoNothingIsAnFTSSyntaxError() throws {
        #expect(try ContextSearchQuery.fts("hello world") == "\"hello\" \"world\"")
        #expect(try ContextSearchQuery.fts("pre*") == "\"pre\"*")
        #expect(try ContextSearchQuery.fts("\"a phrase\" x") == "\"a phrase\" \"x\"")
        #expect(try ContextSearchQuery.fts("AND OR NOT ( ) : ^") == "\"AND\" \"OR\" \"NOT\" \"(\" \")\" \":\" \"^\"")
        #expect(try ContextSearchQuery.fts("a\u{0}b") == "\"a\" \"b\"")
        #expect(throws: ContextInputError.self) { try ContextSearchQuery.fts("   ") }
        #expect(throws: ContextInputError.self) { try ContextSearchQuery.fts("\"\"") }
    }
}
