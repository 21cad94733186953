import AzureSupport
import Foundation
import LightningTestSupport
import Testing

/// The Swift SAS signer against the official Python SDK (`azure-servicebus`'s
/// `generate_sas_token`) on ~200 random inputs. A missing SDK fails the test, unless
/// `LIGHTNING_SKIP_SDK_CHECK=1` (install it with `python3 -m pip install azure-servicebus`).
@Suite(.timeLimit(.minutes(2)), .enabled(if: ExternalTool.shouldRun(ExternalTool.hasAzureSDKs), "Microsoft's Azure SDKs for Python are not installed (python3 -m pip install azure-servicebus; .ci/run installs them)"))
struct ServiceBusSDKCrossCheckTests {
    struct Input: Codable {
        var uri: String
        var key_name: String
        var key: String
        var expiry: Int64
    }

    static func randomInputs(_ n: Int) -> [Input] {
        var rng = SystemRandomNumberGenerator()
        let alnum = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        let nameChars = alnum + Array("._-")
        let pathChars = alnum + Array("._-~/ %+=&?é:")
        let b64 = alnum + Array("+/")
        func pick(_ chars: [Character], _ count: Int) -> String { String((0..<count).map { _ in chars.randomElement(using: &rng)! }) }
        return (0..<n).map { i in
            let scheme = ["https", "sb", "http"][i % 3]
            let ns = pick(Array("abcdefghijklmnopqrstuvwxyz0123456789"), Int.random(in: 6...20, using: &rng))
            let path = i % 5 == 0 ? "" : pick(pathChars, Int.random(in: 1...40, using: &rng))
            let key = i % 4 == 0 ? pick(alnum + Array("!\"#$%&'()*,;<>?@[]^`{|}"), Int.random(in: 1...64, using: &rng))
                : pick(b64, 43) + "="
            return Input(uri: "\(scheme)://\(ns).servicebus.windows.net/\(path)", key_name: pick(nameChars, Int.random(in: 1...40, using: &rng)),
                         key: key, expiry: Int64.random(in: 1_600_000_000...2_100_000_000, using: &rng))
        }
    }

    @Test func swiftTokensEqualTheSDKsForRandomInputs() async throws {
        let inputs = Self.randomInputs(200)
        let inFile = FileManager.default.temporaryDirectory.appendingPathComponent("lt-sas-\(UUID().uuidString).json")
        try JSONEncoder().encode(inputs).write(to: inFile)
        defer { try? FileManager.default.removeItem(at: inFile) }
        let script = BuildProducts.repoRoot.appendingPathComponent("Tests/Fakes/servicebus_sdk_check.py").path
        // `python3` from PATH (where pip installs), through sh for the stdin redirection.
        let p = try TestProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "exec python3 \"$0\" < \"$1\"", script, inFile.path])
        let code = try await p.wait(timeout: .seconds(90))
        if code == 3 {
            if ProcessInfo.processInfo.environment["LIGHTNING_SKIP_SDK_CHECK"] == "1" { return }
            Issue.record("azure-servicebus is not installed: run `python3 -m pip install azure-servicebus` (or set LIGHTNING_SKIP_SDK_CHECK=1): \(p.stderr)")
            return
        }
        #expect(code == 0, "\(p.stderr)")
        let sdk = try JSONDecoder().decode([String].self, from: Data(p.stdout.utf8))
        #expect(sdk.count == inputs.count)
        var mismatches = 0
        for (input, expected) in zip(inputs, sdk) {
            let ours = SASToken.token(uri: input.uri, keyName: input.key_name, key: Secret(input.key), expiry: input.expiry)
            if ours != expected {
                mismatches += 1
                if mismatches <= 3 { Issue.record("uri \(input.uri) key name \(input.key_name) expiry \(input.expiry):\n ours \(ours)\n sdk  \(expected)") }
            }
        }
        #expect(mismatches == 0)
    }
}
