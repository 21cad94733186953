import Foundation
import LightningTestSupport
import LightningProtocol
import Testing

/// The OpenAPI document as the oracle (issue 12 item 7, issue 17 item 8): schemathesis generates
/// requests from `Host/API/openapi.json` — its examples, boundary values (coverage), random and
/// hostile inputs (fuzzing) and chains of calls that feed one answer into the next (stateful) —
/// and sends them to the real daemon. Every answer must have a status the document lists for the
/// operation, the documented content type and a body matching the documented schema, and no
/// answer may be a 500 or a 5xx without the API's error body (Tests/Oracles/schemathesis_hooks.py).
/// Bounded: 15 examples per operation and phase, one worker (about a minute and a half).
@Suite(.serialized, .timeLimit(.minutes(8)),
       .enabled(if: ExternalTool.shouldRun(ExternalTool.hasSchemathesis), "schemathesis is not installed (python3 -m pip install schemathesis==4.32.5; .ci/run installs it)"))
struct DaemonSchemathesisTests {
    @Test func everyAnswerConformsToTheDocumentAndNoneIsAnInternalError() async throws {
        let d = try await TestDaemon.start()
        let token = try #require(d.adminToken)
        let oracles = BuildProducts.repoRoot.appendingPathComponent("Tests/Oracles").path
        let report = d.root.appendingPathComponent("schemathesis.txt")
        let run = try TestProcess(URL(fileURLWithPath: "/usr/bin/env"), [
            "python3", "-m", "schemathesis.cli", "run", d.base + "/openapi.json", "--url", d.base,
            "-H", "Authorization: Bearer \(token)",
            "--checks", "no_internal_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--phases", "examples,coverage,fuzzing,stateful", "--max-examples", "15", "--workers", "1", "--request-timeout", "20",
            // Streams never end; revoking tokens would revoke the run's own (tested in DaemonAuthTests).
            "--exclude-path", "/v1/events/stream", "--exclude-path-regex", "logs$", "--exclude-operation-id", "revokeToken",
            "--no-color",
        ], environment: ["SCHEMATHESIS_HOOKS": "schemathesis_hooks", "PYTHONPATH": oracles])
        let code = try await run.wait(timeout: .seconds(420))
        try? run.stdout.write(to: report, atomically: true, encoding: .utf8)
        let out = run.stdout
        let failures = out.components(separatedBy: "FAILURES").dropFirst().joined().prefix(6000)
        #expect(code == 0, "schemathesis exited \(code) (report: \(report.path)):\n\(failures.isEmpty ? out.suffix(4000) : failures)\n\(run.stderr.suffix(2000))")
        #expect(out.contains("Tested:") && out.contains(" passed"), "\(out.suffix(2000))")
        // The daemon is still serving after all of it.
        #expect(try await d.get("/health").status == 200)
        try await d.stop()
    }
}
