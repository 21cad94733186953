import Foundation
@testable import HostCore
import Testing

/// The rules that turn the markers of a crashed run into dead letters, quarantines and skipped loads.
@Suite struct CrashLedgerTests {
    static let sha = String(repeating: "a", count: 64)
    static let segv = CrashLedger.Death.fault(signal: 11)
    static func delivery(_ plugin: String, _ event: String, sha: String = sha) -> CrashMarker {
        CrashMarker(kind: .delivery, plugin: plugin, sha256: sha, subject: event)
    }

    @Test func aCrashInsideOneDeliveryDeadLettersThatEventAndQuarantinesThePlugin() {
        var l = CrashLedger()
        let findings = l.record([Self.delivery("crash-driver", "e1")], death: Self.segv, policy: .init())
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
        #expect(l.record([Self.delivery("d", "e1")], death: Self.segv, policy: policy) == [.deliveryCrashed(plugin: "d", event: "e1", crashes: 1)])
        #expect(l.deadLetterReason(plugin: "d", event: "e1", policy: policy) == nil)
        #expect(l.quarantineReason(plugin: "d", sha256: Self.sha) == nil)
        #expect(l.record([Self.delivery("d", "e1")], death: Self.segv, policy: policy) == [.deliveryCrashed(plugin: "d", event: "e1", crashes: 2)])
        #expect(l.deadLetterReason(plugin: "d", event: "e1", policy: policy) == "crashed the daemon in d")
        l.forget(plugin: "d", event: "e1")
        #expect(l.deadLetterReason(plugin: "d", event: "e1", policy: policy) == nil)
        #expect(l.events.isEmpty)
        #expect(l.plugins["d"]?.crashes == 2)
    }

    @Test func everyDeliveryInFlightAtTheCrashIsCountedAndSaysSo() {
        var l = CrashLedger()
        let findings = l.record([Self.delivery("d", "e1"), Self.delivery("d", "e2"), Self.delivery("x", "e3")], death: Self.segv, policy: .init())
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
                     death: Self.segv, policy: .init())
        let other = String(repeating: "b", count: 64)
        #expect(l.quarantineReason(plugin: "d", sha256: other) == nil)
        #expect(l.loadSkipReason(plugin: "p", sha256: Self.sha)?.hasPrefix("skipped: the daemon crashed while loading this library (sha256 \(Self.sha)) at an earlier start") == true)
        #expect(l.loadSkipReason(plugin: "p", sha256: other) == nil)
        #expect(l.loadSkipReason(plugin: "d", sha256: Self.sha) == nil)
    }

    @Test func noMarkersChangeNothing() {
        var l = CrashLedger()
        #expect(l.record([], death: Self.segv, policy: .init()).isEmpty)
        #expect(l == CrashLedger())
    }

    // MARK: deaths without a fault signal (kill -9, the OOM killer, a power loss)

    @Test func aKillWithAnEventInsideBlamesNobodyUntilItHappensThreeTimesInARow() {
        var l = CrashLedger()
        let policy = CrashLedger.Policy()
        #expect(l.record([Self.delivery("d", "e1")], death: .unexplained, policy: policy)
            == [.deliveryInterrupted(plugin: "d", event: "e1", kills: 1, of: 3)])
        #expect(l.deadLetterReason(plugin: "d", event: "e1", policy: policy) == nil)
        #expect(l.quarantineReason(plugin: "d", sha256: Self.sha) == nil)
        #expect(l.plugins["d"]?.crashes ?? 0 == 0)
        #expect(l.record([Self.delivery("d", "e1")], death: .unexplained, policy: policy)
            == [.deliveryInterrupted(plugin: "d", event: "e1", kills: 2, of: 3)])
        #expect(l.deadLetterReason(plugin: "d", event: "e1", policy: policy) == nil)
        // The third death in a row with the same event inside counts as a crash.
        #expect(l.record([Self.delivery("d", "e1")], death: .unexplained, policy: policy) == [
            .deliveryCrashed(plugin: "d", event: "e1", crashes: 1),
            .quarantined(plugin: "d", reason: "the daemon died 3 times in a row with no fault signal while handling event e1"),
        ])
        #expect(l.deadLetterReason(plugin: "d", event: "e1", policy: policy) == "crashed the daemon in d")
    }

    @Test func anEventHandledAfterAKillStartsItsCountAgain() {
        var l = CrashLedger()
        _ = l.record([Self.delivery("d", "e1")], death: .unexplained, policy: .init())
        _ = l.record([Self.delivery("d", "e1")], death: .unexplained, policy: .init())
        l.forget(plugin: "d", event: "e1")  // what CrashGuard.handled does once the driver answered
        #expect(l.record([Self.delivery("d", "e1")], death: .unexplained, policy: .init())
            == [.deliveryInterrupted(plugin: "d", event: "e1", kills: 1, of: 3)])
    }

    @Test func aFaultAfterKillsCountsAtOnce() {
        var l = CrashLedger()
        _ = l.record([Self.delivery("d", "e1")], death: .unexplained, policy: .init())
        #expect(l.record([Self.delivery("d", "e1")], death: Self.segv, policy: .init()).first
            == .deliveryCrashed(plugin: "d", event: "e1", crashes: 1))
        #expect(l.deadLetterReason(plugin: "d", event: "e1", policy: .init()) == "crashed the daemon in d")
    }

    @Test func aKillWhileLoadingSkipsTheLibraryOnlyAfterThreeInARowOfTheSameLibrary() {
        var l = CrashLedger()
        let load = CrashMarker(kind: .loading, plugin: "p", sha256: Self.sha, subject: "")
        #expect(l.record([load], death: .unexplained, policy: .init()) == [.loadInterrupted(plugin: "p", kills: 1, of: 3)])
        #expect(l.loadSkipReason(plugin: "p", sha256: Self.sha) == nil)
        // Another library restarts the count.
        let other = CrashMarker(kind: .loading, plugin: "p", sha256: String(repeating: "b", count: 64), subject: "")
        #expect(l.record([other], death: .unexplained, policy: .init()) == [.loadInterrupted(plugin: "p", kills: 1, of: 3)])
        #expect(l.record([load], death: .unexplained, policy: .init()) == [.loadInterrupted(plugin: "p", kills: 1, of: 3)])
        #expect(l.record([load], death: .unexplained, policy: .init()) == [.loadInterrupted(plugin: "p", kills: 2, of: 3)])
        #expect(l.record([load], death: .unexplained, policy: .init()) == [.loadCrashed(plugin: "p", sha256: Self.sha)])
        #expect(l.loadSkipReason(plugin: "p", sha256: Self.sha) != nil)
    }

    @Test func aThresholdOfOneTreatsEveryDeathAsACrash() {
        var l = CrashLedger()
        let policy = CrashLedger.Policy(unexplainedAsCrash: 1)
        #expect(l.record([Self.delivery("d", "e1")], death: .unexplained, policy: policy).first
            == .deliveryCrashed(plugin: "d", event: "e1", crashes: 1))
    }

    @Test func aLedgerWrittenBeforeKillsWereCountedStillReads() throws {
        let old = #"{"events":{"d":{"e1":{"crashes":1,"inFlight":1}}},"plugins":{"d":{"crashes":1,"loadCrashes":0}}}"#
        let l = try JSONDecoder().decode(CrashLedger.self, from: Data(old.utf8))
        #expect(l.events["d"]?["e1"]?.kills == 0)
        #expect(l.plugins["d"]?.loadKills == 0)
        #expect(l.deadLetterReason(plugin: "d", event: "e1", policy: .init()) == "crashed the daemon in d")
    }

    @Test func theSignalIsNamed() {
        #expect(CrashLedger.Death.fault(signal: 11).signalName == "SIGSEGV")
        #expect(CrashLedger.Death.fault(signal: 6).signalName == "SIGABRT")
        #expect(CrashLedger.Death.fault(signal: 40).signalName == "signal 40")
        #expect(CrashLedger.Death.unexplained.signalName == nil)
    }
}
