import Foundation
@testable import HostCore
import HTTPTypes
import Hummingbird
@testable import LightningConsole
import Testing

/// The web console's embedded files (Host/Console, docs/console.md): all there, typed, within the
/// first page's budget, and every file the page or a module names is embedded.
@Suite struct ConsoleAssetsTests {
    static let pages = ["page-overview.js", "page-events.js", "page-processes.js", "page-providers.js", "page-functions.js", "page-plans.js",
                         "page-tasks.js", "page-instructions.js"]

    @Test func everyFileIsEmbeddedWithItsContentType() throws {
        let index = try #require(ConsoleAssets.index)
        #expect(index.contentType == "text/html; charset=utf-8")
        for name in ["app.js", "api.js", "ui.js", "live.js"] + Self.pages {
            #expect(ConsoleAssets.asset(name)?.contentType == "text/javascript; charset=utf-8", "\(name)")
        }
        #expect(ConsoleAssets.asset("console.css")?.contentType == "text/css; charset=utf-8")
        #expect(ConsoleAssets.asset("ConsoleAssets.swift") == nil, "Swift sources are not served")
        #expect(ConsoleAssets.asset("nope.js") == nil)
    }

    /// Every `/console/…` the page links and every `./x.js` a module imports exists, so a
    /// renamed file cannot leave the console blank.
    @Test func everyReferencedFileExists() throws {
        var missing: [String] = []
        for (name, asset) in ConsoleAssets.all where name.hasSuffix(".html") || name.hasSuffix(".js") {
            let text = String(decoding: asset.bytes, as: UTF8.self)
            let refs = text.matches(of: /(?:href|src)="\/console\/([A-Za-z0-9_.-]+)"/).map { String($0.1) }
                + text.matches(of: /import(?:\([\s]*|[^'"\n]*from\s*)'\.\/([A-Za-z0-9_.-]+)'/).map { String($0.1) }
            for r in refs where ConsoleAssets.asset(r) == nil { missing.append("\(name) → \(r)") }
        }
        #expect(missing == [])
        let app = String(decoding: try #require(ConsoleAssets.asset("app.js")).bytes, as: UTF8.self)
        for page in Self.pages { #expect(app.contains("'./\(page)'"), "app.js routes to \(page)") }
    }

    /// The first page (the HTML, the stylesheet, the shell's modules and the overview) stays under
    /// 150 KB uncompressed, so no compression is needed for the issue's budget.
    @Test func theFirstPageIsUnder150KB() throws {
        let first = ["index.html", "console.css", "app.js", "api.js", "ui.js", "live.js", "page-overview.js"]
        let total = try first.reduce(0) { $0 + (try #require(ConsoleAssets.asset($1))).bytes.count }
        #expect(total < 150_000, "first page: \(total) bytes")
        #expect(total > 10_000, "first page: \(total) bytes (the files are really there)")
    }

    @Test func etagsAreStableAndDiffer() {
        #expect(ConsoleAssets.etag(Array("a".utf8)) == ConsoleAssets.etag(Array("a".utf8)))
        #expect(ConsoleAssets.etag(Array("a".utf8)) != ConsoleAssets.etag(Array("b".utf8)))
        #expect(ConsoleAssets.etag([]).hasPrefix("\"") && ConsoleAssets.etag([]).hasSuffix("\""))
    }

    @Test func onlyBrowsersGetTheConsoleAtTheRoot() {
        func request(_ accept: String?) -> Request {
            var fields = HTTPFields()
            if let accept { fields[.accept] = accept }
            return Request(head: HTTPRequest(method: .get, scheme: "http", authority: "x", path: "/", headerFields: fields), body: .init(buffer: .init()))
        }
        #expect(APIServer.wantsHTML(request("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")))
        #expect(!APIServer.wantsHTML(request(nil)), "curl, URLSession without Accept: JSON")
        #expect(!APIServer.wantsHTML(request("*/*")))
        #expect(!APIServer.wantsHTML(request("application/json")))
        #expect(!APIServer.wantsHTML(request("text/html;q=0, application/json")))
    }
}
