import Foundation
@testable import HostCore
import LightningProtocol
import Testing

/// `AckBatcher`: what waits together goes in one round; what comes while a round is in flight
/// goes in the next; `finish` sends the rest.
@Suite(.timeLimit(.minutes(1))) struct AckBatcherTests {
    static func handled(_ i: Int) -> AckBatcher.Handled {
        AckBatcher.Handled(delivery: Delivery(deliveryId: "d\(i)", attempt: 1, event: Event(id: "e\(i)", type: "t", source: "test")), hops: 0, ms: 1)
    }

    @Test func deliveriesWaitingTogetherGoInOneRoundAndLaterOnesInTheNext() async throws {
        let acks = AckBatcher()
        for i in 0..<3 { acks.add(Self.handled(i)) }
        let rounds = Locked<[[String]]>([])
        let inFlight = OneShot(), release = OneShot()
        async let running: Void = acks.run { round in
            let n = rounds.withLock { r in r.append(round.map(\.delivery.deliveryId)); return r.count }
            if n == 1 { inFlight.fire(); await release.wait() }
        }
        await inFlight.wait()
        // The first round is in flight: these two gather for the next one.
        acks.add(Self.handled(3))
        acks.add(Self.handled(4))
        release.fire()
        acks.finish()
        await running
        #expect(rounds.value == [["d0", "d1", "d2"], ["d3", "d4"]])
    }

    @Test func finishSendsWhatIsWaitingAndNothingEmpty() async {
        let acks = AckBatcher()
        let rounds = Locked<[[String]]>([])
        acks.finish()
        await acks.run { round in rounds.withLock { $0.append(round.map(\.delivery.deliveryId)) } }
        #expect(rounds.value.isEmpty)
    }
}
