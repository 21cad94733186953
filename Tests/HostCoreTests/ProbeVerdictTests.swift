import Foundation
@testable import HostCore
import Testing

/// Which probe runs give a verdict to cache by sha256, and what the cache file holds.
@Suite struct ProbeVerdictTests {
    @Test func aCleanExitIsCleanAndASignalIsACrashNamedBySignal() {
        #expect(ProbeVerdict.of(.exited(0)) == .clean)
        #expect(ProbeVerdict.of(.signalled(SIGSEGV)) == .crashed("killed by signal 11 (SIGSEGV)"))
        #expect(ProbeVerdict.of(.signalled(SIGABRT)) == .crashed("killed by signal 6 (SIGABRT)"))
    }

    @Test func refusalsTimeoutsAndProbesThatCannotStartAreNotCached() {
        #expect(ProbeVerdict.of(.exited(1)) == nil)
        #expect(ProbeVerdict.of(.timedOut(.seconds(30))) == nil)
        #expect(ProbeVerdict.of(.failed("cannot start /x: not found")) == nil)
    }

    @Test func verdictsRoundTripThroughTheCacheFile() throws {
        let v: [String: ProbeVerdict] = ["aa": .clean, "bb": .crashed("killed by signal 11 (SIGSEGV)")]
        #expect(try JSONDecoder().decode([String: ProbeVerdict].self, from: JSONEncoder().encode(v)) == v)
    }
}
