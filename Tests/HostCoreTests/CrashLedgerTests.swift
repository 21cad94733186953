@testable import HostCore
import Testing

/// The rules that turn the markers of a crashed run into dead letters, quarantines and skipped loads.
@Suite struct CrashLedgerTests {
    static let sha = String(repeating: "a", count: 64)
    static func delivery(_ plugin: String, _ event: String, sha: String = sha) -> CrashMarker {
        CrashMarker(kind: .delivery, plugin: plugin, sha256: sha, subject: event)
    }

    @Test func aCrashInsideOneDeliveryDeadLettersThatEventAndQuarantinesThePlugin() {
        var l = CrashLedger()
        let findings = l.record([Self.delivery("crash-driver", "e1")], policy: .init())
        #expect(findings == [.deliveryCrashed(plugin: "crash-driver", event: "e1", crashes: 1),
                             .quarantined(plugin: "crash-driver", reason: "crashed the daemon while handling event e1")])
        #expect(l.deadLetterReason(plugin: "crash-driver", event: "e1", policy: .init()) == "crashed the daemon in crash-driver")
        #expect(l.deadLetterReason(plugin: "crash-driver", event: "e2", policy: .init()) == nil)
        #expect(l.deadLetterReason(plugin: "other", event: "e1", policy: .init()) == nil)
        #expect(l.quarantineReason(plugin: "crash-driver", sha256: Self.sha) == "crashed the daemon while handling event e1")
        #expect(l.plugins["crash-driver"]?.crashes == 1)
    }

    @Test func theEventIsHandedOverAgainUntilItsCrashesReachTheThreshold() {
        let policy = CrashLedger.Policy(deadLetterAfter: 2, quarantine: false)
        var l = CrashLedger()
        #expect(l.record([Self.delivery("d", "e1")], policy: policy) == [.deliveryCrashed(plugin: "d", event: "e1", crashes: 1)])
        #expect(l.deadLetterReason(plugin: "d", event: "e1", policy: policy) == nil)
        #expect(l.quarantineReason(plugin: "d", sha256: Self.sha) == nil)
        #expect(l.record([Self.delivery("d", "e1")], policy: policy) == [.deliveryCrashed(plugin: "d", event: "e1", crashes: 2)])
        #expect(l.deadLetterReason(plugin: "d", event: "e1", policy: policy) == "crashed the daemon in d")
        l.forget(plugin: "d", event: "e1")
        #expect(l.deadLetterReason(plugin: "d", event: "e1", policy: policy) == nil)
        #expect(l.events.isEmpty)
        #expect(l.plugins["d"]?.crashes == 2)
    }

    @Test func everyDeliveryInFlightAtTheCrashIsCountedAndSaysSo() {
        var l = CrashLedger()
        let findings = l.record([Self.delivery("d", "e1"), Self.delivery("d", "e2"), Self.delivery("x", "e3")], policy: .init())
        #expect(findings == [
            .deliveryCrashed(plugin: "d", event: "e1", crashes: 1),
            .quarantined(plugin: "d", reason: "crashed the daemon while handling one of 2 events in flight (e1, …)"),
            .deliveryCrashed(plugin: "d", event: "e2", crashes: 1),
            .deliveryCrashed(plugin: "x", event: "e3", crashes: 1),
            .quarantined(plugin: "x", reason: "crashed the daemon while handling event e3"),
        ])
        #expect(l.deadLetterReason(plugin: "d", event: "e2", policy: .init()) == "crashed the daemon in d (one of 2 deliveries in flight at the crash)")
        #expect(l.deadLetterReason(plugin: "x", event: "e3", policy: .init()) == "crashed the daemon in x")
    }

    @Test func aNewLibraryLiftsQuarantineAndLoadSkip() {
        var l = CrashLedger()
        _ = l.record([Self.delivery("d", "e1"), CrashMarker(kind: .loading, plugin: "p", sha256: Self.sha.uppercased(), subject: "")],
                     policy: .init())
        let other = String(repeating: "b", count: 64)
        #expect(l.quarantineReason(plugin: "d", sha256: other) == nil)
        #expect(l.loadSkipReason(plugin: "p", sha256: Self.sha)?.hasPrefix("skipped: the daemon crashed while loading this library (sha256 \(Self.sha)) at an earlier start") == true)
        #expect(l.loadSkipReason(plugin: "p", sha256: other) == nil)
        #expect(l.loadSkipReason(plugin: "d", sha256: Self.sha) == nil)
    }

    @Test func noMarkersChangeNothing() {
        var l = CrashLedger()
        #expect(l.record([], policy: .init()).isEmpty)
        #expect(l == CrashLedger())
    }
}
