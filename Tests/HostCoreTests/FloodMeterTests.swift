@testable import HostCore
import Testing

/// The flood decision alone, on made-up instants (docs/protocol.md#limits).
@Suite struct FloodMeterTests {
    let t0 = ContinuousClock.now

    /// Counts `n` notifications spread evenly over one second starting at `start`; the verdicts seen.
    func second(_ m: inout FloodMeter, _ n: Int, from start: Duration) -> [String] {
        (0..<n).compactMap { i in m.count(at: t0 + start + .milliseconds(i * 999 / max(n, 1))) }
    }

    @Test func aBurstPastTheLimitWithinOneSecondIsAFlood() {
        var m = FloodMeter(burst: 10, sustained: 5, seconds: 3)
        #expect(second(&m, 10, from: .zero).isEmpty)
        #expect(m.count(at: t0 + .milliseconds(999)) == "flooding stdout: more than 10 notifications in one second")
    }

    @Test func theBurstCountStartsAgainInANewWindow() {
        var m = FloodMeter(burst: 10, sustained: 100, seconds: 3)
        #expect(second(&m, 10, from: .zero).isEmpty)
        #expect(second(&m, 10, from: .milliseconds(1001)).isEmpty)
        #expect(second(&m, 10, from: .milliseconds(2002)).isEmpty)
    }

    @Test func sustainedRateForTheGivenSecondsIsAFlood() {
        var m = FloodMeter(burst: 1000, sustained: 5, seconds: 3)
        var verdicts: [String] = []
        for s in 0..<4 { verdicts += second(&m, 6, from: .milliseconds(s * 1001)) }
        #expect(verdicts.first == "flooding stdout: at least 5 notifications a second for 3 seconds in a row")
    }

    @Test func aQuietSecondResetsTheSustainedCount() {
        var m = FloodMeter(burst: 1000, sustained: 5, seconds: 3)
        var verdicts: [String] = []
        verdicts += second(&m, 6, from: .zero)
        verdicts += second(&m, 6, from: .milliseconds(1001))
        verdicts += second(&m, 1, from: .milliseconds(2002))   // quiet
        verdicts += second(&m, 6, from: .milliseconds(3003))
        verdicts += second(&m, 6, from: .milliseconds(4004))
        #expect(verdicts.isEmpty)
    }

    @Test func aGapOfSilenceDoesNotCountAsBusy() {
        var m = FloodMeter(burst: 1000, sustained: 5, seconds: 2)
        var verdicts: [String] = []
        verdicts += second(&m, 6, from: .zero)
        // Ten silent seconds: the window that ends now did not end within two seconds of its start.
        verdicts += second(&m, 6, from: .seconds(10))
        verdicts += second(&m, 6, from: .seconds(20))
        #expect(verdicts.isEmpty)
    }
}
