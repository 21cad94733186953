import Foundation
import LightningProtocol
import Testing

/// Invariant 1: nothing accepted is lost. Events acknowledged to the client survive `kill -9`
/// of the daemon and are delivered after restart.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct CrashDurabilityTests {
    @Test func acknowledgedEventsSurviveKill9AndAreDeliveredAfterRestart() async throws {
        // One slow delivery at a time, so most events are still pending when the daemon dies.
        let config: JSONValue = ["router": ["concurrency": 1, "lease_ms": 1000]]
        let d = try await TestDaemon.start(config: config, manifests: { $0 != "c-example-driver.json" })
        let n = 40
        var ids: [String] = []
        for i in 0..<n { ids.append(try await d.publish(["type": "echo.slow", "data": ["ms": 100, "i": .int(i)]])) }
        try await d.kill9()
        try await d.restart()
        try await d.eventually("all \(n) delivered after restart", timeout: .seconds(90)) {
            let replies = try await d.history("type=echo.reply&limit=10000")
            let answered = Set(replies.compactMap { $0["correlation_id"]?.stringValue })
            return ids.allSatisfy(answered.contains)
        }
        // Every accepted event is in the journal exactly once.
        let requests = try await d.history("type=echo.slow&limit=10000")
        #expect(Set(requests.compactMap { $0["id"]?.stringValue }) == Set(ids))
        #expect(requests.count == n)
    }
}
