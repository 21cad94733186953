import Foundation
import LightningProtocol
import LightningTestSupport
import Testing

/// The web console (docs/console.md) from the real daemon binary: served at `/` to browsers and
/// under `/console/` without a token, with caching validators; then driven in a real headless
/// Chromium by Tests/Python/console_browser.py (selenium), which checks every page on the DOM and
/// saves screenshots under .build/console-screenshots. Without Chromium, chromedriver or selenium
/// the browser test is skipped locally and fails under CI (`.ci/run` installs them).
@Suite(.serialized, .timeLimit(.minutes(6)))
struct ConsoleBrowserTests {
    @Test func theConsoleIsServedBesideTheJSONRoot() async throws {
        let d = try await TestDaemon.start(manifests: { !$0.contains("python") })
        let html = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

        // A browser gets the page, without a token; API clients keep the JSON summary.
        let page = try await d.request("GET", "/", headers: ["Accept": html], token: .some(nil))
        #expect(page.status == 200)
        #expect(page.headers["content-type"] == "text/html; charset=utf-8")
        #expect(page.text.contains("<script type=\"module\" src=\"/console/app.js\"></script>"))
        #expect(page.headers["content-security-policy"]?.contains("script-src 'self'") == true)
        #expect(!page.text.contains(d.adminToken ?? "no token"), "no token in the page")
        let root = try await d.request("GET", "/", token: .some(nil))
        #expect(root.status == 200 && root.json["service"] == "lightning")
        #expect(root.json["endpoints"]?.arrayValue?.contains("GET /console/{file}") == true)

        // The files: typed, open, revalidated with their ETag.
        let app = try await d.request("GET", "/console/app.js", token: .some(nil))
        #expect(app.status == 200)
        #expect(app.headers["content-type"] == "text/javascript; charset=utf-8")
        #expect(app.headers["cache-control"] == "no-cache")
        #expect(app.headers["x-content-type-options"] == "nosniff" && app.headers["vary"] == "Accept")
        #expect(app.headers["content-security-policy"] == nil, "the policy is the page's")
        let etag = try #require(app.headers["etag"])
        #expect(etag.hasPrefix("\"") && etag.hasSuffix("\""), "the tag itself on the wire, not percent-encoded: \(etag)")
        let again = try await d.request("GET", "/console/app.js", headers: ["If-None-Match": etag], token: .some(nil))
        #expect(again.status == 304 && again.text.isEmpty)
        #expect(again.headers["etag"] == etag && again.headers["cache-control"] == "no-cache")
        let changed = try await d.request("GET", "/console/app.js", headers: ["If-None-Match": "\"other\""], token: .some(nil))
        #expect(changed.status == 200)
        let css = try await d.request("GET", "/console/console.css", token: .some(nil))
        #expect(css.status == 200 && css.headers["content-type"] == "text/css; charset=utf-8")
        let missing = try await d.request("GET", "/console/nope.js", token: .some(nil))
        #expect(missing.status == 404)
        #expect(missing.json["error"]?["message"]?.stringValue?.contains("the console has no file \"nope.js\"") == true)

        // The data the page shows still needs a token.
        #expect(try await d.request("GET", "/v1/processes", token: .some(nil)).status == 401)
    }

    @Test func aPersonCanUseEveryPageInChromium() async throws {
        let d = try await TestDaemon.start(manifests: { !$0.contains("python") }, agents: true)
        try await d.eventually("agent ready", timeout: .seconds(60)) { try await d.get("/v1/processes/example-agent").json["state"] == "ready" }
        let plan = try Data(contentsOf: BuildProducts.repoRoot.appendingPathComponent("Examples/plans/count-greeting.json"))
        let saved = try await d.request("PUT", "/v1/plans/count-greeting", body: plan)
        #expect(saved.status == 201, "\(saved.text)")

        let script = BuildProducts.repoRoot.appendingPathComponent("Tests/Python/console_browser.py").path
        let shots = BuildProducts.repoRoot.appendingPathComponent(".build/console-screenshots").path
        let run = try TestProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                  ["python3", script, "--url", d.base, "--token-file", d.dataDir.appendingPathComponent("admin.token").path,
                                   "--screenshots", shots])
        let code = try await run.wait(timeout: .seconds(300))
        if code == 3 {
            if ExternalTool.required {
                Issue.record("the browser test needs chromium, chromium-driver and selenium (CI or LT_REQUIRE_TOOLS=1): \(run.stderr)")
            } else {
                print("SKIPPED console browser test: \(run.stderr.trimmingCharacters(in: .whitespacesAndNewlines)) (apt-get install chromium chromium-driver; python3 -m pip install selenium; .ci/run installs them)")
            }
            return
        }
        #expect(code == 0, "console_browser.py exited \(code)\nstdout:\n\(run.stdout)\nstderr:\n\(run.stderr.suffix(6000))\ndaemon stderr:\n\(d.process.stderr.suffix(3000))")
        print(run.stdout)
    }
}
