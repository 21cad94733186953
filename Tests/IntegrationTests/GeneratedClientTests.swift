import Foundation
import LightningTestSupport
import Testing

/// The CLI's generated client (Host/APIClient/Generated) against the document it was generated
/// from: `.ci/openapi-generate.sh --check` passes on the repository and fails, naming the way
/// out, on a copy whose openapi.json changed without regenerating.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct GeneratedClientTests {
    static let files = [".ci/openapi-generate.sh", "Host/API/openapi.json", "Host/APIClient/openapi-generator-config.yaml"]

    @Test func theCommittedClientWasGeneratedFromTheDocument() async throws {
        let script = BuildProducts.repoRoot.appendingPathComponent(".ci/openapi-generate.sh").path
        let (code, output) = try await TestProcess.run("/bin/bash", [script, "--check"])
        #expect(code == 0, "\(output)")
        #expect(output.contains("Host/APIClient/Generated is up to date with Host/API/openapi.json"))
    }

    @Test func aChangedDocumentWithoutRegeneratingFailsTheCheck() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lt-gen-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let fm = FileManager.default
        for path in Self.files + ["Host/APIClient/Generated"] {
            let target = root.appendingPathComponent(path)
            try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try fm.copyItem(at: BuildProducts.repoRoot.appendingPathComponent(path), to: target)
        }
        // The document changed (one byte more), the generated files did not.
        let spec = root.appendingPathComponent("Host/API/openapi.json")
        try (String(contentsOf: spec, encoding: .utf8) + "\n").write(to: spec, atomically: true, encoding: .utf8)

        let (code, output) = try await TestProcess.run("/bin/bash", [root.appendingPathComponent(".ci/openapi-generate.sh").path, "--check"])
        #expect(code == 1, "\(output)")
        #expect(output.contains("Host/APIClient/Generated/Client.swift: expected \"openapi-input-sha256: "))
        #expect(output.contains("run .ci/openapi-generate.sh and commit the result"))
    }
}
