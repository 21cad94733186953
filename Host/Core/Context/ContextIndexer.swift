import Logging
public import ServiceLifecycle

/// Keeps the Context Hub's search index built from the storage provider that serves now: a
/// `Service` (after the start) that builds it once storage is bound and again whenever the
/// storage binding changes (a swap or rollback), checking once a second. Searches and writes
/// check the same thing first (`ContextHub.ensureIndex`), so they never read an index built
/// from another provider; this service only saves the first of them the wait.
public struct ContextIndexer: Service {
    let hub: ContextHub
    let logger = Logger(label: "lt.context")
    let period: Duration

    public init(hub: ContextHub, period: Duration = .seconds(1)) { self.hub = hub; self.period = period }

    public func run() async throws {
        var failedFor: UInt64?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if let g = hub.storage.current?.generation, await hub.index.builtFrom != g, failedFor != g {
                do {
                    let n = try await hub.reindex()
                    logger.info("context index built from storage: \(n) documents and folders")
                    failedFor = nil
                } catch {
                    // Logged once per binding; searches retry it (and answer the error).
                    logger.warning("context index: rebuild from storage failed: \(error)")
                    failedFor = g
                }
            }
            try? await Task.sleep(for: period)
        }
    }
}
