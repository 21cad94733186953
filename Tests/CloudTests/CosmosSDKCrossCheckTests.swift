import AzureSupport
import Foundation
import LightningProtocol
import LightningTestSupport
import Testing

/// The Swift master-key signer against Microsoft's Python SDK (azure-cosmos) on ~200 random
/// inputs: verbs, resource types, mixed-case links with non-ASCII ids, dates, random 64-byte keys.
/// The SDK is the reference (Tests/Fakes/cosmos_sdk_check.py calls its signing function). When
/// `import azure.cosmos` fails the test fails, unless LIGHTNING_SKIP_SDK_CHECK=1 (CI installs it
/// with `pip install azure-cosmos`).
@Suite(.timeLimit(.minutes(2)), .enabled(if: ExternalTool.shouldRun(ExternalTool.hasAzureSDKs), "Microsoft's Azure SDKs for Python are not installed (python3 -m pip install azure-cosmos; .ci/run installs them)"))
struct CosmosSDKCrossCheckTests {
    struct Input: Codable {
        var verb: String
        var resourceType: String
        var resourceLink: String
        var date: String
        var key: String
        enum CodingKeys: String, CodingKey {
            case verb, date, key
            case resourceType = "resource_type", resourceLink = "resource_link"
        }
    }

    @Test func swiftSignaturesEqualTheSDKs() async throws {
        // `python3` from PATH: the interpreter `pip install azure-cosmos` installs for.
        let probe = try TestProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", "import azure.cosmos"])
        if try await probe.wait() != 0 {
            if ProcessInfo.processInfo.environment["LIGHTNING_SKIP_SDK_CHECK"] == "1" { return }
            Issue.record("python3 cannot import azure.cosmos (\(probe.stderr.suffix(300))); run `pip install azure-cosmos`, or set LIGHTNING_SKIP_SDK_CHECK=1 to skip")
            return
        }

        let inputs = (0..<200).map { _ in Self.randomInput() }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lt-cosmos-sdk-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("inputs.json")
        try JSONEncoder().encode(inputs).write(to: file)
        let script = BuildProducts.repoRoot.appendingPathComponent("Tests/Fakes/cosmos_sdk_check.py").path
        let run = try TestProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "exec python3 \"$0\" < \"$1\"", script, file.path])
        let status = try await run.wait(timeout: .seconds(60))
        try #require(status == 0, "cosmos_sdk_check.py exited \(status): \(run.stderr.suffix(1000))")
        let sdk = try JSONDecoder().decode([String].self, from: Data(run.stdout.utf8))
        try #require(sdk.count == inputs.count)

        var mismatches = 0
        for (input, expected) in zip(inputs, sdk) {
            let auth = try CosmosAuth(key: Secret(input.key))
            let mine = auth.signature(verb: input.verb, resourceType: input.resourceType, resourceLink: input.resourceLink, date: input.date)
            if mine != expected {
                mismatches += 1
                if mismatches <= 5 {
                    Issue.record("\(input.verb) \(input.resourceType) \(input.resourceLink) \(input.date): Swift \(mine), SDK \(expected)")
                }
            }
        }
        #expect(mismatches == 0)
        // The header decodes to the SDK's token form.
        let first = inputs[0]
        let header = try CosmosAuth(key: Secret(first.key)).authorization(verb: first.verb, resourceType: first.resourceType,
                                                                         resourceLink: first.resourceLink, date: first.date)
        #expect(header.removingPercentEncoding == "type=master&ver=1.0&sig=\(sdk[0])")
    }

    static func randomInput() -> Input {
        let verbs = ["GET", "POST", "PUT", "DELETE", "get", "Post", "PATCH", "HEAD"]
        let types = ["dbs", "colls", "docs", "pkranges", "sprocs", "users", "", "Docs", "COLLS"]
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.é中 ")
        func name() -> String { String((0..<Int.random(in: 1...12)).map { _ in alphabet.randomElement()! }) }
        var parts: [String] = []
        for kind in ["dbs", "colls", "docs"].prefix(Int.random(in: 0...3)) { parts += [kind, name()] }
        if Bool.random(), !parts.isEmpty { parts.removeLast() }
        let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let date = "\(days.randomElement()!), \(two(Int.random(in: 1...28))) \(months.randomElement()!) \(Int.random(in: 2015...2030)) "
            + "\(two(Int.random(in: 0...23))):\(two(Int.random(in: 0...59))):\(two(Int.random(in: 0...59))) GMT"
        let key = Data((0..<64).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        return Input(verb: verbs.randomElement()!, resourceType: types.randomElement()!, resourceLink: parts.joined(separator: "/"),
                     date: Bool.random() ? date : date.uppercased(), key: key)
    }
}
