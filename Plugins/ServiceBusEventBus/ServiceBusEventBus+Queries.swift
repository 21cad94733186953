import BusSupport
import Foundation
import LightningPluginKit
import LightningProtocol
import Synchronization

/// What the contract asks that Service Bus's REST interface cannot give (docs/servicebus-eventbus.md#what-is-not-supported).
extension ServiceBusEventBus {
    func orphans(_ r: ListRequest) async throws -> EventList {
        throw WireError(.unsupported, "bus.orphans.list: Service Bus discards a message that no subscription's rule accepts, so there are no orphans to list (publish reports subscribers: 0 for them)")
    }

    func drainOrphans(_ r: DrainRequest) async throws -> EventList {
        throw WireError(.unsupported, "bus.orphans.drain: Service Bus discards a message that no subscription's rule accepts, so there are no orphans to drain")
    }

    func history(_ r: HistoryRequest) async throws -> EventList {
        throw WireError(.unsupported, "bus.history: a Service Bus topic keeps no journal (a message leaves the broker once every subscription completed it), so there is no history to read")
    }

    func replay(_ r: ReplayRequest) async throws -> CountResult {
        throw WireError(.unsupported, "bus.replay: a Service Bus topic keeps no journal of completed messages, so there is nothing to replay")
    }

    /// Counters of this instance since it opened; `pending` is the sum of every subscription's
    /// ActiveMessageCount as Service Bus reports it now.
    func stats() async throws -> BusStats {
        try await ensureTopic()
        let pending = try await listSubscriptions(fresh: true).reduce(0) { $0 + $1.pending }
        var s = counters.withLock { $0 }
        s.pending = pending
        return s
    }
}
