public import HummingbirdCore

/// Hummingbird's hook on accepting (`AvailableConnectionsDelegate`): below the cap the listener
/// accepts; at the cap it stops accepting and asks the registry to close the connection idle
/// longest, whose close lets it accept again. So a new connection waits at most for an idle one
/// to close, not for an idle timeout.
public struct ConnectionCap: AvailableConnectionsDelegate {
    let cap: Int
    let registry: ConnectionRegistry
    var open = 0

    init(cap: Int, registry: ConnectionRegistry) {
        self.cap = cap
        self.registry = registry
    }

    public mutating func connectionOpened() { open += 1 }
    public mutating func connectionClosed() { open -= 1 }

    public func isAcceptingNewConnections() -> Bool {
        if open < cap { return true }
        registry.evictOne()
        return false
    }
}
