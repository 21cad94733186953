import AzureSupport
import Foundation
import LightningProtocol
import Testing

/// The master-key signer against Microsoft's published vector (V1) and the SDK-computed vectors
/// V2–V4 of /work/shared/design/reference/azure-docker-protocols.md §1.2.
struct CosmosAuthTests {
    static let key1 = "dsZQi3KtZmCv1ljt3VNWNm7sQUF1y5rJfC6kv5JiwvW0EndXdDku/dkKBp8/ufDToSxLzR4y+O/0H/t4bQtVNw=="
    static let key3 = "SB1mrDcsPfPnHN2lCLYLTXDJMEqXsjvWqS2BXbvBbro94dxVHem3gyXKLPruSeMVE7ZKf36EGC5ArCkJqJaoOg=="

    @Test func publishedVectorV1() throws {
        let auth = try CosmosAuth(key: Secret(Self.key1))
        let date = "Thu, 27 Apr 2017 00:51:12 GMT"
        #expect(CosmosAuth.stringToSign(verb: "GET", resourceType: "dbs", resourceLink: "dbs/ToDoList", date: date)
                == "get\ndbs\ndbs/ToDoList\nthu, 27 apr 2017 00:51:12 gmt\n\n")
        #expect(auth.signature(verb: "GET", resourceType: "dbs", resourceLink: "dbs/ToDoList", date: date)
                == "c09PEVJrgp2uQRkr934kFbTqhByc7TVr3OHyqlu+c+c=")
        let header = auth.authorization(verb: "GET", resourceType: "dbs", resourceLink: "dbs/ToDoList", date: date)
        #expect(header == "type%3Dmaster%26ver%3D1.0%26sig%3Dc09PEVJrgp2uQRkr934kFbTqhByc7TVr3OHyqlu%2Bc%2Bc%3D")
        // Microsoft's published (lowercase-hex) form decodes to the same token.
        let published = "type%3dmaster%26ver%3d1.0%26sig%3dc09PEVJrgp2uQRkr934kFbTqhByc7TVr3OHyqlu%2bc%2bc%3d"
        #expect(header.removingPercentEncoding == published.removingPercentEncoding)
        // Derived from the path, as requests are signed.
        #expect(auth.authorization(verb: "GET", path: "/dbs/ToDoList", date: date) == header)
    }

    @Test func sdkVectorsV2ToV4() throws {
        let auth1 = try CosmosAuth(key: Secret(Self.key1))
        #expect(auth1.signature(verb: "POST", resourceType: "docs", resourceLink: "dbs/ToDoList/colls/Items",
                                date: "Thu, 27 Apr 2017 00:51:12 GMT") == "1hQoluJ9G3Ls4EgDpVtLQz7smI6yOp0mpX+exxeUT3g=")
        #expect(auth1.authorization(verb: "POST", path: "/dbs/ToDoList/colls/Items/docs", date: "Thu, 27 Apr 2017 00:51:12 GMT")
                == CosmosAuth.urlEncode("type=master&ver=1.0&sig=1hQoluJ9G3Ls4EgDpVtLQz7smI6yOp0mpX+exxeUT3g="))
        let auth3 = try CosmosAuth(key: Secret(Self.key3))
        #expect(auth3.signature(verb: "GET", resourceType: "dbs", resourceLink: "", date: "Wed, 16 May 2018 19:47:46 GMT")
                == "cK0fCpDW9YvCbmmrIVxaGL/q9o/lFlPc8GdCphvow3c=")
        #expect(auth1.signature(verb: "GET", resourceType: "", resourceLink: "", date: "Tue, 24 Nov 2026 19:26:52 GMT")
                == "H+lQnhQ8DfDk9GyujmP9lsu7+xMZ2V5t2gGl6MkQ4UA=")
        #expect(auth1.authorization(verb: "GET", path: "/", date: "Tue, 24 Nov 2026 19:26:52 GMT")
                == CosmosAuth.urlEncode("type=master&ver=1.0&sig=H+lQnhQ8DfDk9GyujmP9lsu7+xMZ2V5t2gGl6MkQ4UA="))
    }

    @Test func linkCaseIsKeptAndEverythingElseLowered() throws {
        let auth = try CosmosAuth(key: Secret(Self.key1))
        let date = "Thu, 27 Apr 2017 00:51:12 GMT"
        let upper = auth.signature(verb: "get", resourceType: "DBS", resourceLink: "dbs/ToDoList", date: date.uppercased())
        #expect(upper == "c09PEVJrgp2uQRkr934kFbTqhByc7TVr3OHyqlu+c+c=")
        #expect(auth.signature(verb: "GET", resourceType: "dbs", resourceLink: "dbs/todolist", date: date) != upper)
    }

    @Test func resourceTypeAndLinkFromThePath() {
        let cases: [(String, String, String)] = [
            ("/", "", ""),
            ("", "", ""),
            ("/dbs", "dbs", ""),
            ("/dbs/ToDoList", "dbs", "dbs/ToDoList"),
            ("/dbs/d/colls", "colls", "dbs/d"),
            ("/dbs/d/colls/C", "colls", "dbs/d/colls/C"),
            ("/dbs/d/colls/c/docs", "docs", "dbs/d/colls/c"),
            ("/dbs/d/colls/c/docs/Héllo wörld", "docs", "dbs/d/colls/c/docs/Héllo wörld"),
            ("/dbs/d/colls/c/pkranges", "pkranges", "dbs/d/colls/c"),
            ("dbs/d/colls/c/docs/i/", "docs", "dbs/d/colls/c/docs/i"),
        ]
        for (path, type, link) in cases {
            let r = CosmosAuth.resource(forPath: path)
            #expect(r.type == type && r.link == link, "\(path) → (\(r.type), \(r.link))")
        }
    }

    @Test func urlEncodingMatchesTheSDK() {
        // urllib.parse.quote(s, "-_.!~*'()")
        #expect(CosmosAuth.urlEncode("a+b/c=d&e f-_.!~*'()é") == "a%2Bb%2Fc%3Dd%26e%20f-_.!~*'()%C3%A9")
    }

    @Test func keysThatAreNotBase64AreRefusedWithoutQuotingThem() throws {
        let bad = "not a key!!"
        let error = #expect(throws: WireError.self) { try CosmosAuth(key: Secret(bad)) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains(bad) == false)
        let auth = try CosmosAuth(key: Secret(Self.key1))
        #expect("\(auth)".contains(Self.key1) == false)
        #expect(String(reflecting: auth).contains("dsZQi3KtZmCv") == false)
    }
}
